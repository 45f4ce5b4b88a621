"""The HTTP edge: what every request and response goes through before and after the views.

Some malformed requests break Quart or Werkzeug before any error handler can run (a
`Host` label of 64+ characters fails IDNA encoding; a request target such as `?x` has an
empty path), and come out as a bare 500 with a traceback in the log. The ASGI guard
below replaces such parts with harmless ones and marks the request, so that the app
answers 400 through its own error page. On the way out it adds the security headers
and makes every redirect relative, so no `Location` ever names a host a client sent.
"""

import logging
import os
import re
from urllib.parse import urlsplit

from quart import abort, current_app, request
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.datastructures import Range
from werkzeug.security import safe_join

log = logging.getLogger(__name__)

REFUSED = "liftwatch.refused"

# Pages load only their own stylesheet and icon; no script runs. Technician pages that
# need the location will set their own Permissions-Policy (the guard only fills gaps).
SECURITY_HEADERS = (
    (b"content-security-policy",
     b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
     b"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"permissions-policy", b"geolocation=(), camera=(), microphone=()"),
    (b"x-frame-options", b"DENY"),
)

_LABEL = re.compile(r"[A-Za-z0-9_-]{1,63}")
_IPV6 = re.compile(r"\[[0-9A-Fa-f:.]{2,45}\]")


def valid_host(value):
    """Tell whether a Host header is a DNS name or IP address with an optional port."""
    if len(value) > 260:
        return False
    if value.startswith("["):
        name, _, port = value.partition("]")
        name += "]"
        port = port.removeprefix(":") if port.startswith(":") else (None if port else "")
        ok = _IPV6.fullmatch(name) is not None
    else:
        name, _, port = value.partition(":")
        ok = all(_LABEL.fullmatch(label) for label in name.removesuffix(".").split("."))
    return ok and port is not None and (port == "" or (port.isdigit() and len(port) <= 5))


def relative_location(value):
    """Return a redirect target without scheme and host, never protocol-relative."""
    parts = urlsplit(value)
    target = "/" + parts.path.lstrip("/\\")
    if parts.query:
        target += "?" + parts.query
    return target


class EdgeGuard:
    """ASGI middleware: refuse unreadable request parts politely; secure every response."""

    def __init__(self, app, public_host):
        self.app = app
        self.public_host = public_host.encode("latin-1")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        scope = self._checked(scope)

        async def send_secured(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": self._secured(message.get("headers", []))}
            await send(message)

        await self.app(scope, receive, send_secured)

    def _checked(self, scope):
        """Return the scope with an unusable path or Host replaced, and the reason noted."""
        reasons = []
        if not scope.get("path", "").startswith("/"):
            scope = {**scope, "path": "/", "raw_path": b"/"}
            reasons.append("request target without a path")
        headers = []
        for name, value in scope.get("headers", []):
            if name.lower() == b"host":
                if not valid_host(value.decode("latin-1")):
                    reasons.append("unusable Host header")
                    value = self.public_host
            headers.append((name, value))
        if reasons:
            scope = {**scope, "headers": headers, REFUSED: "; ".join(reasons)}
        return scope

    def _secured(self, headers):
        """Return response headers with the security set added and a relative Location."""
        out, present = [], set()
        for name, value in headers:
            name = name.lower()
            present.add(name)
            if name == b"location":
                value = relative_location(value.decode("latin-1")).encode("latin-1")
            out.append((name, value))
        out.extend((name, value) for name, value in SECURITY_HEADERS if name not in present)
        return out


def init_app(app, public_url):
    """Put the guard around the app and refuse what it marked."""
    app.asgi_app = EdgeGuard(app.asgi_app, urlsplit(public_url).netloc or "localhost")

    @app.before_request
    async def refuse_marked_requests():
        reason = request.scope.get(REFUSED)
        if reason:
            log.warning("400 for %s: %s", request.remote_addr, reason)
            abort(400)

    @app.before_request
    async def resolve_static_ranges():
        if request.endpoint == "static" and "Range" in request.headers:
            _resolve_range(request.view_args.get("filename", ""))


def _resolve_range(filename):
    """Turn a suffix or open Range into explicit bytes, or refuse it with 416.

    Quart passes a suffix range (`bytes=-1`) on as a negative offset and fails an
    assertion on it; one byte range is all a static file needs.
    """
    path = safe_join(current_app.static_folder, filename)
    if path is None or not os.path.isfile(path):
        return
    size = os.path.getsize(path)
    wanted = request.range
    span = wanted.range_for_length(size) if wanted is not None and len(wanted.ranges) == 1 else None
    if span is None:
        log.warning("416 for %s: Range %r", request.remote_addr, request.headers["Range"][:80])
        raise RequestedRangeNotSatisfiable(length=size)
    request.range = Range("bytes", [span])
