"""What every public form shares: a browser id cookie, the signed form token, the honeypot, limits."""

import secrets

from quart import current_app, g, request

from core import guard
from portal.errors import render_error
from portal.language import _gettext as _

BROWSER_COOKIE = "bid"
HONEYPOT = "website"  # hidden from people by CSS; bots fill every field


def browser_id():
    """Return this browser's id, making one (set on the response) when it has none."""
    bid = request.cookies.get(BROWSER_COOKIE, "")
    if not (bid.isalnum() and 16 <= len(bid) <= 64):
        bid = g.get("new_bid") or secrets.token_hex(16)
        g.new_bid = bid
    return bid


def token_for(form):
    """Return the signed token a form must send back."""
    return guard.form_token(current_app.secret_key_bytes, form, browser_id())


async def refuse_post(form, raw):
    """Return an error response when a posted form is forged, stale or a bot's, else None."""
    if not guard.check_form_token(current_app.secret_key_bytes, form, request.cookies.get(BROWSER_COOKIE, ""),
                                  raw.get("csrf")):
        return await render_error(403, _("Form expired"),
                                  _("This form is too old or was not sent from this site. Go back, reload the page and send it again."))
    if raw.get(HONEYPOT):
        return await render_error(400, _("Request not accepted"),
                                  _("The request could not be handled. Please go back and try again."))
    return None


async def refuse_flood(phone=None):
    """Return a 429 response when this IP or phone sent too many reports this hour, else None."""
    db, limit = current_app.store.db, current_app.config["LIFTWATCH"].reports_per_hour
    limited = await guard.over_limit(db, "ip", request.remote_addr or "", limit)
    if phone and not limited:
        limited = await guard.over_limit(db, "phone", phone, limit)
    if limited:
        html, status = await render_error(429, _("Too many reports"),
                                          _("You have sent many reports in the last hour. Please wait an hour and try again, or call the numbers on the elevator page."))
        return html, status, {"Retry-After": str(guard.RATE_WINDOW_SECONDS)}
    return None


def init_app(app):
    """Load the signing key at start and give new browsers their id cookie."""
    app.secret_key_bytes = guard.load_secret_key(app.config["LIFTWATCH"])

    @app.errorhandler(413)
    async def too_large(error):
        return await render_error(413, _("Too large"),
                                  _("The photos are too large together: send at most 3 photos of up to 8 MB each."))

    @app.after_request
    async def set_browser_cookie(response):
        if g.get("new_bid"):
            response.set_cookie(BROWSER_COOKIE, g.new_bid, max_age=365 * 86400, samesite="Lax", httponly=True)
        return response
