"""Gzip text responses: the page budget (15 KB) is counted on the wire, on weak mobile links."""

import gzip

from quart import request

MIN_SIZE = 500
COMPRESSIBLE = ("text/", "application/json", "image/svg+xml")


def init_app(app):
    """Compress text responses for clients that accept gzip."""

    @app.after_request
    async def compress(response):
        if (response.status_code != 200 or "gzip" not in request.headers.get("Accept-Encoding", "")
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
