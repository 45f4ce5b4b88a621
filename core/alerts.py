"""Telling the firm of a technician's failed check-in: a replayed selfie, or a visit lost to three face mismatches.

Every attempt is on the visit and, with its outcome and distance, on the saved record
(`face`, `flags`); these two signals of possible fraud are also sent to the firm's
`face_failed` contacts (or its fallback) at once, once per visit and reason.
"""

from core.notify.compose import compose
from core.notify.deliveries import hand_to_worker, record_notification
from core.store import elevators as elevator_store
from core.store import technicians as people_store


def _(message):
    """Mark a message for extraction; it is translated for each reader."""
    return message


REASONS = {"replay": _("a copy of an earlier photo was sent as the selfie"),
           "face_failed": _("the face did not match three times; the visit is invalid")}


async def face_refused(db, visit, reason):
    """Record the firm's notification of a refused selfie (reason: replay or face_failed) and hand it to the worker."""
    elevator = await elevator_store.find_elevator(db, visit["elevator_id"]) or {"_id": visit["elevator_id"],
                                                                                "firm_id": visit["firm_id"]}
    person = await people_store.find_person(db, visit["person_id"]) or {"name": visit["person_id"]}
    place = " ".join(filter(None, (elevator.get("address"), elevator.get("building"))))
    facts = {"code": visit["elevator_id"], "place": place, "technician": person["name"],
             "summary": {"msgid": REASONS[reason]}}
    notification_id = f"{visit['_id']}:face_failed:{reason}"
    ids = await record_notification(db, notification_id, "face_failed", elevator,
                                    lambda lang, copy: compose("face_failed", lang, facts, (), copy))
    await hand_to_worker(db, notification_id, ids)
    return ids
