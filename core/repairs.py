"""Repair visits and the fault reports they answer: linking one, and closing it after a valid repair.

The report's own state machine (core.followup) does every change: linking moves it to
"in progress", closing to "fixed", after which its tracking page asks the reporter whether
the fault is really gone (docs/reports.md).
"""

from core import followup, reports
from core.store import records as record_store
from core.store import reports as report_store


async def open_faults(db, elevator_id):
    """Return the elevator's open fault reports, newest first."""
    return await report_store.find_open_reports(db, elevator_id, "fault", reports.OPEN_STATES)


async def linkable(db, elevator_id, report_id):
    """Return the open fault report of this elevator with this id, or None."""
    report = await report_store.find_report(db, report_id) if isinstance(report_id, str) else None
    if report is None or report["elevator_id"] != elevator_id or report["kind"] != "fault":
        return None
    return report if report["state"] in reports.OPEN_STATES else None


async def start_work(db, report_id):
    """Move a linked report to "in progress", unless it is there already."""
    try:
        await followup.take_action(db, report_id, "in_progress")
    except followup.StateConflict:
        pass  # already in progress: nothing to tell


class NotClosable(Exception):
    """The record cannot close a report; the message is a reason code."""


async def close_report(db, record_id, person_id):
    """Mark the fault report a valid repair record came from fixed; return the report."""
    record = await record_store.find_maintenance_record(db, str(record_id))
    if record is None or person_id not in record.get("technician_ids", ()) or not record.get("report_id"):
        raise NotClosable("no_report")
    if not record["valid"]:
        raise NotClosable("invalid_record")
    try:
        return await followup.take_action(db, record["report_id"], "fixed")
    except followup.StateConflict:
        raise NotClosable("report_not_open") from None
