"""Write a notification in its reader's language: every text from the Babel catalogues.

The facts of a message (elevator code, place, what a passenger typed) are plain strings
and stay as they are; a fact that is itself one of our wordings is given as
{"msgid": "..."} and translated. Each channel escapes the text for its own markup.
"""

import html

from core.i18n import translations
from core.notify.message import Button, Link, Message


def _(text):
    """Mark text for extraction; it is translated for each reader in compose()."""
    return text


SUBJECTS = {
    "fault": _("Fault report: {place}"),
    "complaint_maintenance": _("Complaint about maintenance: {place}"),
    "complaint_unit": _("Complaint about the using unit: {place}"),
    "rescue": _("Passengers trapped: {place}"),
    "rescue_escalation": _("Rescue call not yet accepted: {place}"),
    "rescue_regulator": _("Rescue call unanswered, regulator alerted: {place}"),
    "unacknowledged": _("Not acknowledged for 24 hours: {place}"),
    "not_fixed": _("Reported as not fixed: {place}"),
    "undelivered_firm": _("Notification not delivered: {place}"),
    "undelivered_unit": _("Notification not delivered: {place}"),
    "confirmation": _("Maintenance record to confirm: {place}"),
    "unconfirmed": _("Maintenance records not confirmed within 7 days"),
    "face_failed": _("Check-in refused: {place}"),
    "reminder": _("Maintenance due soon: {place}"),
    "overdue": _("Maintenance overdue: {place}"),
    "digest": _("Daily digest for {date}"),
}
INTROS = {
    "fault": _("A passenger reported a fault on this elevator."),
    "complaint_maintenance": _("A passenger complained about this elevator's maintenance."),
    "complaint_unit": _("A passenger complained about this elevator's using unit."),
    "rescue": _("Someone is trapped in this elevator. Start the emergency plan now: rescuers must arrive within 30 minutes."),
    "rescue_escalation": _("Nobody has accepted this rescue call yet."),
    "rescue_regulator": _("Nobody at the maintenance firm has accepted this rescue call. Please step in."),
    "unacknowledged": _("Nobody acknowledged this report within 24 hours."),
    "not_fixed": _("The reporter says the problem is not fixed; the report is open again."),
    "undelivered_firm": _("This report could not be delivered to the maintenance firm on one of its channels; "
                          "you are told instead."),
    "undelivered_unit": _("This report could not be delivered to the using unit on one of its channels; "
                          "you are told instead."),
    "confirmation": _("A maintenance visit was recorded; the using unit must confirm it."),
    "face_failed": _("A technician's selfie was refused at this elevator."),
    "unconfirmed": _("These records of your elevators were saved more than 7 days ago and are still not confirmed. Please confirm them with the links you received."),
    "reminder": _("Maintenance of this elevator is due soon."),
    "overdue": _("Maintenance of this elevator is overdue."),
    "digest": _("Today's summary of the district's elevators."),
}
LABELS = {
    "code": _("Elevator code"),
    "place": _("Place"),
    "category": _("Category"),
    "description": _("Description"),
    "phone": _("Phone for follow-up"),
    "reported_at": _("Reported at"),
    "people": _("People trapped"),
    "hurt": _("Anyone hurt or unwell"),
    "called_at": _("Called at"),
    "status": _("Status page"),
    "due": _("Due"),
    "summary": _("Summary"),
    "technician": _("Technician"),
    "undelivered": _("Not delivered"),
    "late_rescues": _("Rescue calls over 30 minutes"),
}
# Labels of the links a notification carries (signed links built by the caller).
LINK_LABELS = (_("Open the report"), _("Acknowledge"), _("In progress"), _("Fixed"),
               _("Not ours, or a duplicate"), _("Accept the rescue call"), _("Confirm the record"))
COPY_NOTE = _("You receive this copy for your information.")
FOOTER = _("Sent by liftwatch, the elevator safety platform. Emergency: 96333.")


def compose(kind, lang, facts, links=(), copy=False, buttons=()):
    """Return the message of a kind for a reader of lang, from facts, (label, url) links and chat buttons."""
    gettext = translations(lang).ugettext
    values = {key: _value(value, gettext) for key, value in facts.items()}
    subject = " ".join(gettext(SUBJECTS[kind]).format_map(_Blank(values)).split())
    rows = [(gettext(LABELS.get(key, key)), value) for key, value in values.items() if key in LABELS and value]
    paragraphs = [gettext(INTROS[kind]), "\n".join(f"{label}: {value}" for label, value in rows)]
    if copy:
        paragraphs.append(gettext(COPY_NOTE))
    paragraphs.append(gettext(FOOTER))
    made_links = tuple(Link(gettext(label), url) for label, url in links)
    text = "\n\n".join(p for p in paragraphs if p)
    made_buttons = tuple(Button(gettext(label), data) for label, data in buttons)
    return Message(subject, text, lang, kind, _html(subject, paragraphs, rows, made_links, lang), made_links,
                   made_buttons)


MSGID = "msgid"  # a fact given as {"msgid": ...} is one of our wordings


def _value(value, gettext):
    """Return a fact as text: our wordings translated, the rest as given."""
    if isinstance(value, dict) and MSGID in value:
        return gettext(value[MSGID])
    return "" if value is None else str(value)


class _Blank(dict):
    """A format map that leaves a missing fact empty rather than failing."""

    def __missing__(self, key):
        return ""


def _html(subject, paragraphs, rows, links, lang):
    """Return the HTML part of an email, every text escaped."""
    e = html.escape
    table = "".join(f'<tr><th align="left" style="padding:4px 12px 4px 0">{e(label)}</th>'
                    f'<td style="white-space:pre-wrap">{e(value)}</td></tr>' for label, value in rows)
    notes = "".join(f"<p>{e(p)}</p>" for p in paragraphs[2:])
    buttons = "".join(f'<p><a href="{e(k.url)}" style="font-weight:bold">{e(k.label)}</a></p>' for k in links)
    return (f'<!doctype html><html lang="{e(lang.replace("_", "-"))}"><head><meta charset="utf-8">'
            f"<title>{e(subject)}</title></head><body><h2>{e(subject)}</h2><p>{e(paragraphs[0])}</p>"
            f"<table>{table}</table>{buttons}<hr>{notes}</body></html>")
