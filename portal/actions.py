"""The firm's signed, expiring links on a report: acknowledge, in progress, fixed, rejected (no login)."""

from quart import Blueprint, abort, current_app, render_template, request

from core import followup, guard, reports
from core.store.reports import find_report
from portal import forms
from portal.errors import render_error
from portal.language import _gettext as _

blueprint = Blueprint("actions", __name__, template_folder="templates")
NOTE_MAX = 500
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


async def _checked(report_id, action):
    """Return the report a valid link acts on, or abort (403 for a bad or expired link)."""
    if action not in followup.ACTIONS:
        abort(404)
    if not guard.check_link(current_app.secret_key_bytes, report_id, action,
                            request.args.get("exp"), request.args.get("sig")):
        abort(403)
    report = await find_report(current_app.store.db, report_id)
    if report is None:
        abort(404)
    return report


@blueprint.get("/a/<report_id>/<action>")
async def confirm_action(report_id, action):
    """Show the firm what it is about to do, so that a mail scanner opening the link changes nothing."""
    report = await _checked(report_id, action)
    html = await render_template("action.html", report=report, action=action, done=False,
                                 csrf=forms.token_for("action"), **reports.labels_of(report))
    return html, 200, HEADERS


@blueprint.post("/a/<report_id>/<action>")
async def take_action(report_id, action):
    """Apply the firm's action and record its time."""
    report, raw = await _checked(report_id, action), await request.form
    refused = await forms.refuse_post("action", raw)
    if refused:
        return refused
    note = (raw.get("note") or "").strip()[:NOTE_MAX]
    try:
        report = await followup.take_action(current_app.store.db, report_id, action, note)
    except followup.StateConflict:
        return await render_error(409, _("Not possible now"),
                                  _("This report is not in a state that allows this step any more."))
    html = await render_template("action.html", report=report, action=action, done=True,
                                 **reports.labels_of(report))
    return html, 200, HEADERS
