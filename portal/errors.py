"""Error pages in the user's language: never a stack trace, never a bare 500."""

import logging

from quart import request
from werkzeug.exceptions import HTTPException

from core.store.client import DatabaseError
from portal.language import _gettext as _
from portal.rendering import render_page

log = logging.getLogger(__name__)


async def render_error(status, title, message):
    """Render the error page with a status code."""
    return render_page("error.html", status=status, title=title, message=message), status


def init_app(app):
    """Register handlers that turn every error into a readable page."""

    @app.errorhandler(404)
    async def not_found(error):
        return await render_error(404, _("Page not found"),
                                  _("There is no page at this address. Scan the QR label inside the lift car again."))

    @app.errorhandler(HTTPException)
    async def http_error(error):
        html, status = await render_error(error.code, _("Request not accepted"),
                                          _("The request could not be handled. Please go back and try again."))
        # Keep what the exception says about the resource, such as Allow on a 405.
        kept = {k: v for k, v in error.get_headers() if k.lower() in ("allow", "retry-after", "content-range")}
        return html, status, kept

    @app.before_request
    async def refuse_overlong_paths():
        # No page has a path segment this long; a static file name this long makes the OS
        # raise ENAMETOOLONG, which must be a 404 and not a 500.
        if len(request.path) > 2048 or any(len(part) > 200 for part in request.path.split("/")):
            return await not_found(None)

    @app.errorhandler(DatabaseError)
    async def database_down(error):
        log.error("database error on %s %s: %s", request.method, request.path, error)
        return await render_error(503, _("Temporarily unavailable"),
                                  _("We cannot read the records right now. Please try again in a minute."))

    @app.errorhandler(Exception)
    async def unexpected(error):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return await render_error(500, _("Something went wrong"),
                                  _("We could not show this page. If people are trapped, call 96333 now."))
