"""The HTTP server of `liftwatch serve`: requests its parser cannot read, and client addresses."""

import asyncio

import pytest

from portal.serving import bad_request_page
from tests.portal.conftest import serving
from tests.portal.test_fuzz import exchange


def test_it_builds_the_unreadable_request_page_in_every_language_with_the_security_headers():
    page = bad_request_page().decode()
    head, _, body = page.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 400 ") and f"content-length: {len(body.encode())}" in head
    assert "content-security-policy: default-src 'self'" in head and "x-content-type-options: nosniff" in head
    assert "请求无法处理" in body and "Request not accepted" in body and "tel:96333" in body


async def test_it_answers_requests_its_parser_cannot_read_with_its_own_page(served):
    port, log_path = served
    for request in (b"GET ?x HTTP/1.1\r\nHost: a\r\n\r\n", b"GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n",
                    b"GET / HTTP/1.1\r\nHo st: a\r\n\r\n", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"):
        status, head = await exchange(port, request)
        assert status == 400, request
        assert "text/html" in head and "content-security-policy" in head.lower(), request
    log = log_path.read_text()
    assert "400 for 127.0.0.1: request target without a path" in log and "400 for 127.0.0.1: unreadable request" in log
    assert "Traceback" not in log


async def test_it_takes_the_client_address_from_the_connection_never_from_x_forwarded_for(served):
    port, log_path = served
    host = "a" * 64 + ".example"  # refused by the edge guard, which logs the client's address
    status, _ = await exchange(port, f"GET / HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-For: 203.0.113.9\r\n"
                                     "X-Forwarded-Proto: https\r\nConnection: close\r\n\r\n".encode())
    assert status == 400
    log = log_path.read_text()
    assert "400 for 127.0.0.1: unusable Host header" in log and "203.0.113.9" not in log


async def test_it_refuses_a_request_head_over_64_kb_and_serves_one_of_20_kb(served):
    port, log_path = served
    big = "x" * 70_000  # never ended: httptools would keep it growing
    status, head = await exchange(port, f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {big}".encode())
    assert status == 400 and "content-security-policy" in head.lower()
    assert "400 for 127.0.0.1: request head over 64 KB" in log_path.read_text()
    status, _ = await exchange(port, f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: {'y' * 20_000}\r\n"
                                     "Connection: close\r\n\r\n".encode())
    assert status == 200


@pytest.fixture
async def served_quick_timeout(config, store, tmp_path):
    """Yield the port of a `liftwatch serve` whose keep-alive time is one second."""
    async with serving(config, tmp_path, KEEP_ALIVE_SECONDS="1") as (port, _):
        yield port


async def test_it_believes_x_forwarded_for_from_a_trusted_proxy_only(config, store, tmp_path):
    host = "a" * 64 + ".example"  # refused by the edge guard, which logs the client's address
    request = (f"GET / HTTP/1.1\r\nHost: {host}\r\nX-Forwarded-For: 203.0.113.9\r\n"
               "Connection: close\r\n\r\n").encode()
    async with serving(config, tmp_path, TRUSTED_PROXIES="127.0.0.1") as (port, log_path):
        assert (await exchange(port, request))[0] == 400
        assert "400 for 203.0.113.9: unusable Host header" in log_path.read_text()
    async with serving(config, tmp_path, TRUSTED_PROXIES="10.0.0.0/8") as (port, log_path):
        assert (await exchange(port, request))[0] == 400
        log = log_path.read_text()
        assert "400 for 127.0.0.1: unusable Host header" in log and "203.0.113.9" not in log


async def closed_within(port, data, seconds):
    """Open a connection, send data, and tell whether the server closed it within seconds."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), seconds) == b""
    except asyncio.TimeoutError:
        return False
    finally:
        writer.close()
        await writer.wait_closed()


async def test_it_closes_a_connection_whose_request_head_does_not_arrive_within_the_keep_alive_time(
        served_quick_timeout):
    port = served_quick_timeout
    assert await closed_within(port, b"", 5)  # connected and said nothing
    assert await closed_within(port, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a", 5)  # a head never ended
