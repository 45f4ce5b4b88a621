"""A lean HTTP/1.1 client for the Bot API's sendMessage: python-telegram-bot's request interface on asyncio streams.

httpx cost about 0.9 ms of CPU per message (three quarters of a Telegram send) in a burst
of 200 rescue calls, for one POST of a small JSON body on a kept-alive connection. This
client does only that: JSON bodies (no files), answers with a Content-Length or chunked,
kept-alive connections to one origin (at most as many as the transport lets send at once),
one overall timeout. python-telegram-bot's BaseRequest turns the status and the answer
into the same errors as with httpx (Forbidden, BadRequest, RetryAfter, ...).
"""

import asyncio
import ssl
import time
import urllib.parse

from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest

# A kept connection idle longer than this is closed rather than reused: servers drop idle
# ones (nginx after 75 s by default), and a message sent on a dropped one would fail.
IDLE_SECONDS = 30.0


class StreamRequest(BaseRequest):
    """Post JSON to the Bot API on kept-alive asyncio connections (see the module's docstring)."""

    def __init__(self, timeout, keep=8):
        self.timeout = timeout
        self.keep = keep
        self._idle = []  # (netloc, reader, writer, idle since)

    @property
    def read_timeout(self):
        """Return the one timeout of a request, in seconds."""
        return self.timeout

    async def initialize(self):
        """Open nothing: connections are opened by the first requests."""

    async def shutdown(self):
        """Close the kept connections."""
        idle, self._idle = self._idle, []
        for _, _, writer, _ in idle:
            writer.close()

    async def do_request(self, url, method, request_data=None, read_timeout=None, write_timeout=None,
                         connect_timeout=None, pool_timeout=None):
        """Send one request and return (status, body); raise TimedOut or NetworkError when it fails."""
        if request_data is not None and request_data.contains_files:
            raise NetworkError("StreamRequest does not upload files")
        parts = urllib.parse.urlsplit(url)
        body = request_data.json_payload if request_data is not None else b""
        head = (f"{method} {parts.path}{'?' + parts.query if parts.query else ''} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode("latin-1")
        try:
            async with asyncio.timeout(self.timeout):
                reader, writer = self._take(parts.netloc) or await _connect(parts)
                try:
                    writer.write(head + body)
                    status, content, keep = await _answer(reader)
                except BaseException:
                    writer.close()
                    raise
        except TimeoutError as exc:
            raise TimedOut(f"Bot API: no answer within {self.timeout} s") from exc
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            raise NetworkError(f"Bot API: {exc!r}") from exc
        if keep and len(self._idle) < self.keep:
            self._idle.append((parts.netloc, reader, writer, time.monotonic()))
        else:
            writer.close()
        return status, content

    def _take(self, netloc):
        """Return a kept connection to netloc still open and recently used, or None."""
        now = time.monotonic()
        while self._idle:
            origin, reader, writer, since = self._idle.pop()
            if origin == netloc and now - since < IDLE_SECONDS and not reader.at_eof() and not writer.is_closing():
                return reader, writer
            writer.close()
        return None


async def _connect(parts):
    """Open a connection to the URL's origin, with TLS for https."""
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    context = ssl.create_default_context() if secure else None
    return await asyncio.open_connection(parts.hostname, port, ssl=context)


async def _answer(reader):
    """Read one response; return (status, body, whether the connection may be kept)."""
    status_line = await reader.readuntil(b"\r\n")
    status = int(status_line.split(b" ", 2)[1])
    headers = {}
    while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    keep = headers.get("connection", "").lower() != "close"
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return status, await _chunks(reader), keep
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"])), keep
    return status, await reader.read(), False  # the body ends with the connection


async def _chunks(reader):
    """Read a chunked body."""
    body = bytearray()
    while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
        body += await reader.readexactly(size)
        await reader.readexactly(2)
    while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
        pass
    return bytes(body)
