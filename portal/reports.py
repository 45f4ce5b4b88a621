"""Passengers' forms (fault, complaint, rating), the tracking page and the firm's signed actions."""

from quart import Blueprint, abort, current_app, redirect, render_template, request

from core import followup, report_jobs, reports
from core.codes import InvalidCode
from core.public import NotFound, elevator_view, find_elevator
from core.store import elevators as elevator_store
from portal import forms
from portal.errors import render_error
from portal.language import _gettext as _
from portal.photos import read_photos

blueprint = Blueprint("reports", __name__, template_folder="templates")
CHECKS = {"fault": reports.check_fault, "complaint": reports.check_complaint, "rating": reports.check_rating}
NO_STORE = {"Cache-Control": "no-store"}


def _signing():
    return {"key": current_app.secret_key_bytes, "base_url": current_app.config["LIFTWATCH"].public_url}


async def _view(code):
    """Return the elevator page view, or abort with the public blueprint's 404."""
    try:
        return await elevator_view(current_app.store.db, code, current_app.config["LIFTWATCH"])
    except (InvalidCode, NotFound):
        abort(404)


async def _elevator(code):
    """Return the elevator a code names (the page summary is read only to show the form again), or 404."""
    try:
        return await find_elevator(current_app.store.db, code)
    except (InvalidCode, NotFound):
        abort(404)


async def _form_page(kind, view, values=None, errors=None, status=200, **extra):
    html = await render_template(f"{'rating' if kind == 'rating' else 'report_form'}.html", kind=kind,
                                 values=values or {}, errors=errors or {}, csrf=forms.token_for(kind),
                                 fault_categories=reports.FAULT_CATEGORIES, about_choices=reports.COMPLAINT_ABOUT,
                                 complaint_categories=reports.COMPLAINT_CATEGORIES, **view, **extra)
    return html, status, NO_STORE


@blueprint.get("/e/<code>/<any('fault', 'complaint', 'rating'):kind>")
async def show_form(code, kind):
    """Show an empty form for a fault report, a complaint or a rating."""
    return await _form_page(kind, await _view(code))


@blueprint.post("/e/<code>/<any('fault', 'complaint'):kind>")
async def submit_report(code, kind):
    """Save a fault report or complaint, tell those responsible, and send the reporter to its tracking page."""
    elevator, raw = await _elevator(code), await request.form
    refused = await forms.refuse_post(kind, raw)
    if refused:
        return refused
    form = CHECKS[kind](raw)
    photos = await read_photos(await request.files, form.errors)
    if not form.ok:
        return await _form_page(kind, await _view(code), form.values, form.errors, 400)
    refused = await forms.refuse_flood(form.values["phone"])
    if refused:
        return refused
    db = current_app.store.db
    if kind == "fault" and not raw.get("new"):
        same = await reports.find_same_fault(db, elevator["_id"], form.values["category"])
        if same:
            return await _form_page("fault", await _view(code), form.values, {}, 200, same=same)
    report = await reports.submit(db, kind, elevator, form.values, photos, ask_for_page_now=False)
    docs = await followup.record_new_report(db, report, elevator, **_signing())  # durable before the answer
    current_app.add_background_task(followup.send_new_report, db, report, docs, await report_jobs.shared_notifier())
    return redirect(f"/r/{report['token']}?sent=1", 303)


@blueprint.post("/e/<code>/fault/metoo")
async def metoo(code):
    """Add one passenger to an open fault report instead of opening a new one."""
    view, raw = await _view(code), await request.form
    refused = await forms.refuse_post("fault", raw) or await forms.refuse_flood()
    if refused:
        return refused
    comment = (raw.get("comment") or "")[:reports.COMMENT_MAX]
    if not await reports.add_metoo(current_app.store.db, view["page"]["_id"], raw.get("report_id"), comment):
        abort(404)
    html = await render_template("metoo_done.html", **view)
    return html, 200, NO_STORE


@blueprint.post("/e/<code>/rating")
async def submit_rating(code):
    """Save a rating, one per phone or browser per elevator per month."""
    view, raw = await _view(code), await request.form
    refused = await forms.refuse_post("rating", raw)
    if refused:
        return refused
    form = reports.check_rating(raw)
    if not form.ok:
        return await _form_page("rating", view, form.values, form.errors, 400)
    refused = await forms.refuse_flood(form.values["phone"])
    if refused:
        return refused
    elevator = await elevator_store.find_elevator(current_app.store.db, view["page"]["_id"])
    try:
        await reports.save_rating(current_app.store.db, elevator, form.values, forms.browser_id())
    except reports.AlreadyRated:
        return await _form_page("rating", view, form.values, {"stars": reports.ALREADY_RATED}, 409)
    html = await render_template("rating_done.html", **view)
    return html, 200, NO_STORE


@blueprint.get("/r/<token>")
async def track(token):
    """Show a report's states and times to whoever holds its token."""
    report = await reports.find_by_token(current_app.store.db, token)
    if report is None:
        abort(404)
    html = await render_template("track.html", report=report, sent=bool(request.args.get("sent")),
                                 csrf=forms.token_for("answer"), **reports.labels_of(report))
    return html, 200, {**NO_STORE, "Referrer-Policy": "no-referrer"}


@blueprint.post("/r/<token>")
async def answer(token):
    """Take the reporter's answer after the firm said fixed: fixed, or not fixed (reopens)."""
    db, raw = current_app.store.db, await request.form
    report = await reports.find_by_token(db, token)
    if report is None:
        abort(404)
    refused = await forms.refuse_post("answer", raw)
    if refused:
        return refused
    try:
        await followup.answer_fixed(db, report, raw.get("fixed") == "yes", **_signing())
    except followup.StateConflict:
        return await render_error(409, _("Already answered"), _("This report has moved on; reload its page."))
    return redirect(f"/r/{token}", 303)
