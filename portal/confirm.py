"""The using unit's signed link that confirms a maintenance record (W5), without a login."""

from quart import Blueprint, abort, current_app, render_template, request

from core import confirmations
from core.store.records import find_maintenance_record
from portal import forms

blueprint = Blueprint("confirm", __name__, template_folder="templates")
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


async def _checked(record_id):
    """Return the record a valid link confirms, or abort (403 for a bad or expired link)."""
    if not confirmations.link_ok(current_app.secret_key_bytes, record_id, request.args.get("exp"),
                                 request.args.get("sig")):
        abort(403)
    record = await find_maintenance_record(current_app.store.db, record_id)
    if record is None:
        abort(404)
    return record


@blueprint.get("/m/<record_id>/confirm")
async def confirm_shown(record_id):
    """Show the record and a button, so that a mail scanner opening the link confirms nothing."""
    record = await _checked(record_id)
    html = await render_template("confirm.html", record=record, csrf=forms.token_for("confirm"))
    return html, 200, HEADERS


@blueprint.post("/m/<record_id>/confirm")
async def confirm_posted(record_id):
    """Confirm the record for the using unit."""
    await _checked(record_id)
    refused = await forms.refuse_post("confirm", await request.form)
    if refused:
        return refused
    record = await confirmations.confirm(current_app.store.db, record_id, "signed link")
    return await render_template("confirm.html", record=record), 200, HEADERS
