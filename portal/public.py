"""Public pages a passenger reaches by scanning the QR label."""

import gzip

from quart import Blueprint, abort, current_app, g, redirect, request, send_from_directory

from core import rescue_figures
from core.codes import InvalidCode, normalise_code
from core.public import NotFound, elevator_view, firm_view, page_number
from core.reports import elevator_summary, firm_summary
from core.timeutil import today as local_today
from portal.compression import accepts_gzip
from portal.language import _gettext as _
from portal.rendering import render_page

blueprint = Blueprint("public", __name__, template_folder="templates")

PAGE_CACHE = "public, max-age=30"
ENTRY_KINDS = ("fault", "complaint", "rating")


def _config():
    return current_app.config["LIFTWATCH"]


async def _unknown_elevator(code, malformed):
    message = (_("“%(code)s” is not an elevator code. A code has 20 or 18 digits.", code=code[:40])
               if malformed else
               _("No elevator with code %(code)s is registered here.", code=code[:40]))
    return render_page("error.html", status=404, title=_("Elevator not found"), message=message), 404


@blueprint.get("/")
async def index():
    """Explain what the portal is and how to reach an elevator's page."""
    return render_page("index.html")


@blueprint.get("/e/<code>")
async def elevator(code):
    """Show one elevator's public page."""
    try:
        body, served_from = await _elevator_page(normalise_code(code))
    except (InvalidCode, NotFound) as exc:
        return await _unknown_elevator(code, isinstance(exc, InvalidCode))
    # X-Page-Cache (hit, miss, off) lets bench/portal.py measure the hit rate from outside.
    headers = {"Cache-Control": PAGE_CACHE, "Content-Type": "text/html; charset=utf-8", "Vary": "Accept-Encoding",
               "X-Page-Cache": served_from}
    if accepts_gzip(request.headers.get("Accept-Encoding", "")):
        return body, 200, {**headers, "Content-Encoding": "gzip"}
    return gzip.decompress(body), 200, headers


async def _elevator_page(code):
    """Return (gzip-compressed page, hit/miss/off) of a normalised code, from the page cache when it is current."""
    cache, db = current_app.page_cache, current_app.store.db
    key = (code, g.lang, local_today(_config().timezone))
    ticket = await cache.sync(db) if cache.enabled else None
    body = cache.get_gzip(key) if cache.enabled else None
    if body is None:
        view = await elevator_view(db, code, _config())
        reports, rescues = await _page_figures(db, view["page"], view["today"])
        html = current_app.renderer.render("elevator.html", g.lang, **view, reports=reports, rescues=rescues,
                                            bot_username=current_app.bot_username())
        body = gzip.compress(html.encode(), compresslevel=6)
        cache.put(key, body, ticket, view["page"]["_id"])
        return body, "miss" if cache.enabled else "off"
    return body, "hit"


async def _page_figures(db, page, today):
    """Return the page's reports summary and rescue figures: from its summary, read live for one built before."""
    if "reports" in page and "rescue_months" in page:
        return page["reports"], rescue_figures.summarise_months(page["rescue_months"], today)
    return (await elevator_summary(db, page["_id"]),
            await rescue_figures.summary(db, "elevator", page["_id"], today))


@blueprint.get("/firms/<firm_id>")
async def firm(firm_id):
    """Show a maintenance firm's public page: licences, elevators served, credit grade."""
    try:
        view = await firm_view(current_app.store.db, firm_id, _config(), page_number(request.args.get("page")))
    except NotFound:
        abort(404)
    reports = await firm_summary(current_app.store.db, firm_id)
    rescues = await rescue_figures.summary(current_app.store.db, "firm", firm_id, local_today(_config().timezone))
    html = current_app.renderer.render("firm.html", g.lang, **view, reports=reports, rescues=rescues)
    return html, 200, {"Cache-Control": PAGE_CACHE}


@blueprint.get("/go")
async def go():
    """Send a typed code to its elevator page."""
    raw = request.args.get("code", "")
    try:
        code = normalise_code(raw)
    except InvalidCode:
        return await _unknown_elevator(raw, True)
    return redirect(f"/e/{code}")


@blueprint.get("/favicon.ico")
async def favicon():
    """Serve the icon browsers ask for at the site root."""
    return await send_from_directory(current_app.static_folder, "favicon.ico", mimetype="image/x-icon")
