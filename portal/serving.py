"""The HTTP server of `liftwatch serve`: Uvicorn with the httptools parser and uvloop.

Measured against Hypercorn with h11 on the same app (bench/README.md, "The HTTP edge"),
the portal spends about a third less CPU per request, most on form POSTs over new
connections. What the parser itself cannot read (a request target such as `?x`, bytes no
request line may hold) never reaches the app; Uvicorn would answer it with a bare
text/plain 400 without our security headers. `Protocol` answers our own small page
instead, with the headers every response carries, and logs one line; it also refuses a
request head over 64 KB, which httptools would otherwise keep growing in memory, and closes
a connection whose request head is not complete within the keep-alive time.
"""

import logging
import socket
import sys
from html import escape

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from core import i18n
from portal.edge import SECURITY_HEADERS
from portal.rendering import html_lang

log = logging.getLogger("portal.edge")

# The same words as the app's own 400 page (portal/errors.py), in every language at once:
# a request the parser cannot read has no language we could trust.
TITLE = "Request not accepted"
MESSAGE = "The request could not be handled. Please go back and try again."
TRAPPED = "If people are trapped in an elevator, call 96333 now."
MAX_HEAD_BYTES = 64 * 1024  # request line and headers; a browser's stay under 8 KB


def bad_request_page():
    """Return the bytes of the 400 answer to a request the parser could not read."""
    sections = "".join(
        f'<section class="card" lang="{html_lang(lang)}"><h1>{escape(gettext(TITLE))}</h1>'
        f"<p>{escape(gettext(MESSAGE))}</p><p>{escape(gettext(TRAPPED))} "
        f'<a class="act rescue" href="tel:96333">96333</a></p></section>'
        for lang, gettext in ((lang, i18n.translations(lang).ugettext) for lang in i18n.LANGUAGES))
    body = (f'<!doctype html><html lang="{html_lang(i18n.DEFAULT_LANGUAGE)}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>400</title>'
            f'<link rel="stylesheet" href="/static/app.css"></head><body><main>{sections}'
            '<p><a href="/">liftwatch</a></p></main></body></html>').encode()
    headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-store"), (b"connection", b"close"), *SECURITY_HEADERS]
    head = b"HTTP/1.1 400 Bad Request\r\n" + b"".join(name + b": " + value + b"\r\n" for name, value in headers)
    return head + b"\r\n" + body


class Protocol(HttpToolsProtocol):
    """Uvicorn's httptools protocol, answering unreadable requests with our own page."""

    answer = None  # built on first use, once per process
    head_bytes = 0  # bytes received since the current request began, until its headers end
    in_head = True
    head_timer = None

    def connection_made(self, transport):
        super().connection_made(transport)
        self._arm_head_timer()

    def data_received(self, data):
        self._unset_keepalive_if_required()
        if self.in_head:
            self.head_bytes += len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            pass  # no WebSocket here: the request was already taken as a plain one
        except httptools.HttpParserError as exc:
            self.refuse("request target without a path, or with bytes a URL cannot hold"
                        if isinstance(exc, httptools.HttpParserInvalidURLError) else "unreadable request")
            return
        # httptools keeps a header however long it grows; h11 (Hypercorn) stopped at 16 KB.
        if self.in_head and self.head_bytes > MAX_HEAD_BYTES:
            self.refuse(f"request head over {MAX_HEAD_BYTES // 1024} KB")

    def on_message_begin(self):
        super().on_message_begin()
        self.in_head = True
        if self.head_timer is None:
            self._arm_head_timer()

    def on_headers_complete(self):
        self.in_head, self.head_bytes = False, 0
        self._disarm_head_timer()
        super().on_headers_complete()

    def connection_lost(self, exc):
        self._disarm_head_timer()
        super().connection_lost(exc)

    def _arm_head_timer(self):
        # Uvicorn times out a connection only while it idles between requests; one that sends
        # nothing, or a head a byte at a time, would hold its socket for ever. Hypercorn closed
        # such a connection after the keep-alive time, and so does this.
        self.head_timer = self.loop.call_later(max(self.timeout_keep_alive, 1.0), self._head_timed_out)

    def _disarm_head_timer(self):
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self):
        self.head_timer = None
        if self.in_head and not self.transport.is_closing():
            self.transport.close()

    def refuse(self, reason):
        """Answer 400 with the page and close the connection."""
        log.warning("400 for %s: %s", self.client[0] if self.client else "?", reason)
        if Protocol.answer is None:
            Protocol.answer = bad_request_page()
        self.transport.write(Protocol.answer)
        self.transport.close()


def server_config(config):
    """Return Uvicorn's settings for the portal."""
    return uvicorn.Config(
        "portal.asgi:app", host=config.host, port=config.port, workers=config.workers,
        loop="uvloop" if sys.platform != "win32" else "asyncio", http=Protocol, ws="none", lifespan="on",
        interface="asgi3",
        # The default backlog of 100 made bursts of 200 new connections wait a second for a SYN
        # retry; the kernel caps it at net.core.somaxconn.
        backlog=config.backlog, timeout_keep_alive=config.keep_alive_seconds,
        # A live status page holds its connection for minutes: a stop must not wait for it.
        timeout_graceful_shutdown=3,
        # No client may name its own address (X-Forwarded-For): rate limits count who connected,
        # unless it is one of the reverse proxies named in LIFTWATCH_TRUSTED_PROXIES.
        proxy_headers=bool(config.trusted_proxies), forwarded_allow_ips=list(config.trusted_proxies) or None,
        server_header=False,
        log_config=None, log_level=None, access_log=False)  # through our handler, at LIFTWATCH_LOG_LEVEL


def serve(config, listener):
    """Serve the portal on a bound socket until stopped, in this process or in config.workers."""
    settings = server_config(config)
    try:
        if config.workers > 1:
            Multiprocess(settings, sockets=[listener]).run()
        else:
            uvicorn.Server(settings).run(sockets=[listener])
    except KeyboardInterrupt:
        pass


def listen(host, port):
    """Return a socket bound to host and port; raise OSError when it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError:
        listener.close()
        raise
    listener.set_inheritable(True)  # for the worker processes
    return listener
