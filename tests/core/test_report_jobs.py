"""The worker-side handlers of reports: a deliver job sends the firm's email; the escalation sweep."""

import datetime

import pytest

from core import report_jobs
from core.notify.contacts import add_contact
from core.notify.message import TransportError
from core.reports import new_report, save_report
from core.followup import notify_report
from tests.standins.smtp import SMTPStandin

ELEVATOR = {"_id": "31103505022015000017", "firm_id": "F1", "unit_id": "U1", "address": "中山中路1号"}


async def test_it_delivers_a_job_once_and_retries_while_smtp_is_down(store, config, monkeypatch):
    db = store.db
    await db.firms.insert_one({"_id": "F1", "name": "示例电梯"})
    await add_contact(db, "F1", "fault", "email", "duty@f1.example.com", "zh_Hans")
    report = await save_report(db, new_report("fault", ELEVATOR, {"category": "doors", "description": "门坏了"}))
    ids = await notify_report(db, report, "fault", key=b"k" * 32, base_url="http://x", elevator=ELEVATOR)
    with SMTPStandin() as smtp:
        monkeypatch.setenv("LIFTWATCH_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("LIFTWATCH_SMTP_PORT", str(smtp.port + 1))  # nobody listens there: SMTP is down
        monkeypatch.setenv("LIFTWATCH_SMTP_STARTTLS", "0")
        with pytest.raises(TransportError):
            await report_jobs.run_deliver(db, config, {"delivery_id": ids[0]})
        await report_jobs.close_notifier()
        await db.deliveries.update_one({"_id": ids[0]}, {"$set": {"lease_until": None}})  # the retry, later
        monkeypatch.setenv("LIFTWATCH_SMTP_PORT", str(smtp.port))
        await report_jobs.run_deliver(db, config, {"delivery_id": ids[0]})
        await report_jobs.run_deliver(db, config, {"delivery_id": ids[0]})  # a repeated job sends nothing
        await report_jobs.close_notifier()
    assert len(smtp.received) == 1 and smtp.received[0][2]["Subject"].startswith("故障报修：")


async def test_it_escalates_from_the_sweep(store, config):
    db = store.db
    await db.firms.insert_one({"_id": "F1", "name": "示例电梯"})
    await add_contact(db, "F1", "fallback", "email", "boss@f1.example.com", "zh_Hans")
    await db.elevators.insert_one(dict(ELEVATOR))  # the sweep reads the elevator to route the report
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=30)
    await save_report(db, new_report("fault", ELEVATOR, {"category": "doors", "description": "门坏了"}, now=old))
    ids = await report_jobs.run_escalation(db, config)
    assert [d["address"] for d in await db.deliveries.find({"_id": {"$in": ids}}).to_list(None)] == ["boss@f1.example.com"]
