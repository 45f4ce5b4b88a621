"""Gzip text responses: the page budget (15 KB) is counted on the wire, on weak mobile links."""

import gzip

from quart import request

MIN_SIZE = 500
COMPRESSIBLE = ("text/", "application/json", "image/svg+xml")


def accepts_gzip(header):
    """Tell whether an Accept-Encoding header allows gzip (gzip;q=0 refuses it)."""
    for part in header[:500].split(","):
        name, _, params = part.partition(";")
        if name.strip().lower() in ("gzip", "*"):
            quality = params.strip().removeprefix("q=").strip()
            return quality == "" or not quality.replace(".", "").strip("0") == ""
    return False


def init_app(app):
    """Compress text responses for clients that accept gzip."""

    @app.after_request
    async def compress(response):
        if (response.status_code != 200 or not accepts_gzip(request.headers.get("Accept-Encoding", ""))
                or "Content-Encoding" in response.headers
                or not (response.mimetype or "").startswith(COMPRESSIBLE)):
            return response
        data = await response.get_data(as_text=False)
        if len(data) < MIN_SIZE:
            return response
        response.set_data(gzip.compress(data, compresslevel=6))
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
        return response
