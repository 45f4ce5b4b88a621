"""A trapped passenger's rescue call, its status page with live updates, and the firm's dispatch board."""

import asyncio
import json

from quart import Blueprint, abort, current_app, g, redirect, render_template, request

from core import clock, guard, rescue, rescue_board, rescue_dispatch
from core.codes import InvalidCode, normalise_code
from core.i18n import translations
from core.public import NotFound, elevator_view
from core.store import elevators as elevator_store
from portal import forms
from portal.rendering import local_time_filters

blueprint = Blueprint("rescue", __name__, template_folder="templates")
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
# How often the live updates look at the call, and how long one stream lasts before the
# browser's EventSource reconnects (so a forgotten tab does not hold a connection for ever).
EVENTS_POLL_SECONDS = 2.0
EVENTS_STREAM_SECONDS = 300.0
TECHNICIAN_COMING = "Technician %(name)s of %(firm)s is coming."  # also in rescue.html


def _config():
    return current_app.config["LIFTWATCH"]


async def _view(code):
    """Return the elevator page view, or abort with 404."""
    try:
        return await elevator_view(current_app.store.db, code, _config())
    except (InvalidCode, NotFound):
        abort(404)


@blueprint.get("/e/<code>/rescue")
async def show_call(code):
    """Show the one big rescue button, with optional questions."""
    html = await render_template("rescue_form.html", csrf=forms.token_for("rescue"), key=rescue.new_key(),
                                 **await _view(code))
    return html, 200, NO_STORE


async def _suspicions(raw):
    """Return flags for staff about a call that looks abusive; a call is never refused for them."""
    flags = []
    if not guard.check_form_token(current_app.secret_key_bytes, "rescue", request.cookies.get(forms.BROWSER_COOKIE, ""),
                                  raw.get("csrf")):
        flags.append("no_form_token")
    if raw.get(forms.HONEYPOT):
        flags.append("honeypot")
    if await guard.over_limit(current_app.store.db, "rescue-ip", request.remote_addr or "", _config().rescue_calls_per_hour):
        flags.append("many_calls")
    return flags


async def _elevator(code):
    """Return the elevator of a code (one indexed read: the call must not wait for its page), or abort with 404."""
    try:
        found = await elevator_store.find_elevator_by_code(current_app.store.db, normalise_code(code))
    except InvalidCode:
        found = None
    if found is None:
        abort(404)
    return found


@blueprint.post("/e/<code>/rescue")
async def take_call(code):
    """Store the call durably, start its dispatch, and send the caller to its status page."""
    raw = await request.form
    answers, flags = rescue.check_call(raw)
    elevator, suspicions = await asyncio.gather(_elevator(code), _suspicions(raw))  # two round trips side by side
    flags += suspicions
    db = current_app.store.db
    call, opened = await rescue.call(db, elevator, rescue.caller_key(raw), answers, flags)
    if opened:
        await rescue_dispatch.ask_for_call_jobs(db, _config(), call)  # durable before the caller is answered
        current_app.add_background_task(rescue_dispatch.dispatch_now, db, _config(), call, elevator,
                                        current_app.notifier)
    return redirect(f"/rescue/{call['token']}", 303)


async def _call_or_404(token):
    found = await rescue.find_by_token(current_app.store.db, token)
    if found is None:
        abort(404)
    return found


@blueprint.get("/rescue/<token>")
async def status_page(token):
    """Show a call's state, clock and guidance to whoever holds its token."""
    call = await _call_or_404(token)
    status = await rescue.status(current_app.store.db, call, _config().rescue_arrive_minutes)
    minutes = int((clock.now() - call["created_at"]).total_seconds() // 60)
    html = await render_template("rescue.html", status=status, token=token, minutes=minutes, labels=rescue.STATES,
                                 **await _view(call["elevator_id"]))
    return html, 200, NO_STORE


def _event(status, lang, timezone):
    """Return one server-sent event of a call's status, in the reader's language."""
    minute, gettext = local_time_filters(timezone)["minute"], translations(lang).ugettext
    firm = (status["firm_name_en"] if lang == "en" and status["firm_name_en"] else status["firm_name"]) or ""
    line = gettext(TECHNICIAN_COMING) % {"name": status["technician"], "firm": firm} if status["technician"] else ""
    label = status["state_label"]
    data = {"state": status["state"], "state_label": gettext(label), "technician_line": line,
            "steps": [{"state": s, "at": minute(at) if at else ""} for s, at in status["steps"]]}
    return f"data: {json.dumps(data, ensure_ascii=False)}\n\n"


@blueprint.get("/rescue/<token>/events")
async def status_events(token):
    """Stream a call's status as server-sent events whenever it changes."""
    call = await _call_or_404(token)
    db, target, lang, timezone = current_app.store.db, _config().rescue_arrive_minutes, g.lang, _config().timezone

    async def stream():
        last, current, waited = None, call, 0.0
        while current is not None and waited <= EVENTS_STREAM_SECONDS:
            event = _event(await rescue.status(db, current, target), lang, timezone)
            if event != last:
                yield event.encode()
                last = event
            if current["state"] == "closed":
                return
            await asyncio.sleep(EVENTS_POLL_SECONDS)
            waited += EVENTS_POLL_SECONDS
            current = await rescue.find_by_token(db, token)

    headers = {**NO_STORE, "Content-Type": "text/event-stream", "Content-Encoding": "identity",
               "X-Accel-Buffering": "no"}
    return stream(), 200, headers


@blueprint.get("/dispatch/<firm_id>")
async def board(firm_id):
    """Show a firm's open calls with their clocks, at its signed, revocable address."""
    db = current_app.store.db
    firm = await rescue_board.open_board(db, current_app.secret_key_bytes, firm_id, request.args.get("v"),
                                         request.args.get("sig"))
    if firm is None:
        abort(404)
    html = await render_template("rescue_board.html", firm=firm, calls=await rescue_board.board_rows(db, firm_id),
                                 now=clock.now(), target=_config().rescue_arrive_minutes)
    return html, 200, NO_STORE
