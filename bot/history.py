"""/history <code>: the latest visits of one elevator, in the technician's language."""

from telegram.ext import CommandHandler

from bot.texts import _, say, technician, tr
from core import rounds, wording
from core.timeutil import local_date

NOT_SHOWN = {
    "unknown_elevator": _("No elevator answers to this code."),
    "not_your_firm": _("This elevator is not maintained by your firm; you cannot see its visits."),
}


def record_line(record, names, lang, timezone):
    """Return one line of a record: date, type, valid or not with reasons, technicians, correction."""
    day = local_date(record["date"], timezone).isoformat()
    kind = wording.word("visit_type", record.get("type") or record["interval"], lang)
    if record["valid"]:
        verdict = tr(lang, _("valid"))
    else:
        reasons = "; ".join(wording.word("reason", r, lang) for r in record.get("invalid_reasons", ()))
        verdict = tr(lang, _("invalid: %(reasons)s"), reasons=reasons)
    who = ", ".join(names.get(pid, pid) for pid in record.get("technician_ids", ()))
    line = f"{day} · {kind} · {verdict} · {who}"
    if record.get("corrects"):
        line += " · " + tr(lang, _("correction of an earlier record: %(note)s"),
                           note=record.get("correction", {}).get("note", ""))
    if record.get("confirmed"):
        line += " · " + tr(lang, _("confirmed by the using unit"))
    return line


async def history_command(update, context):
    """List the latest visits of the elevator named in the command."""
    person, lang = await technician(update, context)
    if person is None:
        return
    if not context.args:
        await say(update, lang, _("Send /history followed by the elevator's code."))
        return
    config = context.bot_data["config"]
    try:
        elevator, records, names = await rounds.elevator_history(context.bot_data["db"], person, context.args[0])
    except rounds.NotShown as refused:
        await say(update, lang, NOT_SHOWN[str(refused)])
        return
    if not records:
        await say(update, lang, _("No visits of elevator %(code)s on record."), code=elevator["_id"])
        return
    lines = [tr(lang, _("Latest visits of elevator %(code)s:"), code=elevator["_id"])]
    lines += [record_line(r, names, lang, config.timezone) for r in records]
    await update.effective_chat.send_message("\n".join(lines))


def add_handlers(application):
    """Register this conversation's handlers."""
    application.add_handler(CommandHandler("history", history_command))
