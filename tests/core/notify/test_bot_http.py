"""The Bot API's lean HTTP client against a real asyncio server answering as servers may."""

import asyncio
import json
import ssl

import pytest
import trustme
from telegram.error import Forbidden, NetworkError, TimedOut
from telegram.request import HTTPXRequest
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from core.notify.bot_http import StreamRequest
from core.notify.settings import NotifySettings
from core.notify.telegram import TelegramTransport

OK = json.dumps({"ok": True, "result": {"message_id": 1}}).encode()


def data(**params):
    """Return sendMessage parameters as python-telegram-bot passes them."""
    return RequestData([RequestParameter.from_input(k, v) for k, v in params.items()])


async def serve(answer, tls=None):
    """Start a server that reads each request and writes answer(request number, body); return (server, url, bodies)."""
    bodies, count = [], [0]

    async def handle(reader, writer):
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            bodies.append(json.loads(await reader.readexactly(length)))
            count[0] += 1
            raw, close = answer(count[0])
            if raw is None:
                await asyncio.sleep(5)
            writer.write(raw or b"")
            await writer.drain()
            if close:
                break
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    return server, f"{'https' if tls else 'http'}://127.0.0.1:{port}/botT/sendMessage", bodies


def response(status, body, *extra):
    """Return an HTTP/1.1 answer with these extra header lines."""
    return b"\r\n".join([f"HTTP/1.1 {status} X".encode(), b"Content-Type: application/json", *extra, b"", body])


async def test_it_posts_json_and_keeps_the_connection():
    server, url, bodies = await serve(lambda n: (response(200, OK, f"Content-Length: {len(OK)}".encode()), False))
    request = StreamRequest(2.0)
    try:
        for n in range(3):
            assert await request.post(url, data(chat_id=7, text=f"m{n}")) == {"message_id": 1}
        assert [b["text"] for b in bodies] == ["m0", "m1", "m2"] and len(request._idle) == 1
    finally:
        await request.shutdown()
        server.close()


async def test_it_reads_chunked_answers_and_reconnects_after_the_server_closed():
    chunked = b"Transfer-Encoding: chunked"
    body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(OK), OK)
    server, url, bodies = await serve(lambda n: (b"\r\n".join([b"HTTP/1.1 200 OK", chunked, b"", body]), True))
    request = StreamRequest(2.0)
    try:
        for n in range(2):
            assert await request.post(url, data(chat_id=7, text="x")) == {"message_id": 1}
            await asyncio.sleep(0.05)  # the server's close arrives before the next message
        assert len(bodies) == 2
    finally:
        await request.shutdown()
        server.close()


async def test_it_raises_telegrams_errors_and_times_out():
    refused = json.dumps({"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}).encode()
    server, url, _ = await serve(lambda n: (response(403, refused, f"Content-Length: {len(refused)}".encode()), False)
                                 if n == 1 else (None, True))
    request = StreamRequest(0.5)
    try:
        with pytest.raises(Forbidden):
            await request.post(url, data(chat_id=7, text="x"))
        with pytest.raises(TimedOut):
            await request.post(url, data(chat_id=7, text="x"))
    finally:
        await request.shutdown()
        server.close()


async def test_it_posts_over_tls_only_to_a_server_whose_certificate_it_trusts(monkeypatch, tmp_path):
    authority = trustme.CA()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(tls)
    server, url, bodies = await serve(lambda n: (response(200, OK, f"Content-Length: {len(OK)}".encode()), False),
                                      tls=tls)
    try:
        with pytest.raises(NetworkError):  # the system's trust store does not know this authority
            await StreamRequest(2.0).post(url, data(chat_id=7, text="refused"))
        authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "ca.pem"))  # read by OpenSSL's default paths
        request = StreamRequest(2.0)
        assert await request.post(url, data(chat_id=7, text="over tls")) == {"message_id": 1}
        assert [b["text"] for b in bodies] == ["over tls"]
        await request.shutdown()
    finally:
        server.close()


@pytest.mark.parametrize("environment, lean", [
    ({}, True),
    ({"HTTPS_PROXY": "http://proxy.example:3128"}, False),
    ({"ALL_PROXY": "http://proxy.example:3128"}, False),
    ({"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": "api.telegram.org"}, True),
])
async def test_it_sends_through_httpx_where_a_proxy_is_set_for_the_bot_api(monkeypatch, environment, lean):
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    transport = TelegramTransport(NotifySettings(telegram_token="1:T"))
    await transport.open()
    try:
        assert isinstance(transport.request, StreamRequest if lean else HTTPXRequest)
    finally:
        await transport.close()
