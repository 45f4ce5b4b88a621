"""The worker-side handlers of reports: a deliver job sends the firm's email; the escalation sweep."""

import dataclasses
import datetime

import pytest

from core import clock, report_jobs
from core.notify.contacts import add_contact
from core.notify.message import TransportError
from core.reports import new_report, save_report
from core.followup import notify_report, record_new_report, send_new_report
from core.worker import Worker
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


async def _district_with_fallbacks(db):
    """Write the firm, the regulator and their contacts: duty for faults, boss and bureau as fallbacks."""
    await db.firms.insert_one({"_id": "F1", "name": "示例电梯"})
    await db.units.insert_one({"_id": "U1", "name": "示例物业"})
    await db.regulators.insert_one({"_id": "R1", "name": "鲤城区市场监督管理局"})
    await db.elevators.insert_one(dict(ELEVATOR))
    await add_contact(db, "F1", "fault", "email", "duty@f1.example.com", "zh_Hans")
    await add_contact(db, "F1", "fallback", "email", "boss@f1.example.com", "zh_Hans")
    await add_contact(db, "U1", "fault", "email", "office@u1.example.com", "zh_Hans")
    await add_contact(db, "R1", "fallback", "email", "bureau@r1.example.com", "zh_Hans")
    report = await save_report(db, new_report("fault", ELEVATOR, {"category": "doors", "description": "门坏了"}))
    await notify_report(db, report, "fault", key=b"k" * 32, base_url="http://x", elevator=ELEVATOR)
    return report


def _use_smtp(monkeypatch, port):
    monkeypatch.setenv("LIFTWATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("LIFTWATCH_SMTP_PORT", str(port))
    monkeypatch.setenv("LIFTWATCH_SMTP_STARTTLS", "0")


async def test_it_tells_the_fallback_and_the_regulator_when_the_worker_gives_a_delivery_up(store, config, monkeypatch):
    db = store.db
    clock.set_time(datetime.datetime.now(datetime.timezone.utc))
    report = await _district_with_fallbacks(db)
    runner = Worker(db, dataclasses.replace(config, job_backoff=(3600,), job_give_up_hours=1))
    with SMTPStandin() as smtp:
        _use_smtp(monkeypatch, smtp.port + 1)  # SMTP is down for more than the give-up time
        await runner.drain()
        clock.advance(hours=1, seconds=1)
        await runner.drain()
        await report_jobs.close_notifier()
        _use_smtp(monkeypatch, smtp.port)  # back: the notices go out
        clock.advance(hours=1, seconds=1)
        await runner.drain()
        await report_jobs.close_notifier()
    to = {rcpt[0]: message for _, rcpt, message in smtp.received}
    assert set(to) == {"boss@f1.example.com", "bureau@r1.example.com"}
    assert to["boss@f1.example.com"]["Subject"].startswith("通知未送达：")
    assert "duty@f1.example.com" in to["bureau@r1.example.com"].get_body(("plain",)).get_content()
    failed = {d["address"]: d for d in await db.deliveries.find({"state": "failed"}).to_list(None)}
    assert set(failed) == {"duty@f1.example.com", "office@u1.example.com"}
    assert failed["duty@f1.example.com"]["last_error"].startswith("gave up after 2 attempts")
    trace = {t["party"]: t["told"] for t in (await db.reports.find_one({"_id": report["_id"]}))["undelivered"]}
    assert trace == {"firm": True, "unit": False}  # the unit's copy failing is noted, and tells nobody
    assert await db.jobs.count_documents({"kind": "deliver", "state": "failed"}) == 1  # one job per notification


async def test_it_tells_the_fallback_at_once_when_the_address_is_refused_for_good(store, config, monkeypatch):
    db = store.db
    report = await _district_with_fallbacks(db)
    with SMTPStandin() as smtp:
        smtp.refuse["duty@f1.example.com"] = "550 5.1.1 no such user"
        _use_smtp(monkeypatch, smtp.port)
        await Worker(db, config).drain()
        await Worker(db, config).drain()  # a repeated job adds nothing
        await report_jobs.close_notifier()
    assert sorted(rcpt[0] for _, rcpt, _ in smtp.received) == [
        "boss@f1.example.com", "bureau@r1.example.com", "office@u1.example.com"]
    trace = (await db.reports.find_one({"_id": report["_id"]}))["undelivered"]
    assert [(t["party"], t["channel"], t["told"]) for t in trace] == [("firm", "email", True)]


async def test_it_delivers_what_a_process_recorded_and_died_before_asking_for(store, config, monkeypatch):
    from core.notify.compose import compose
    from core.notify.deliveries import record_notification
    db = store.db
    await db.firms.insert_one({"_id": "F1", "name": "示例电梯"})
    await add_contact(db, "F1", "fault", "email", "duty@f1.example.com", "zh_Hans")
    facts = {"code": ELEVATOR["_id"], "place": "中山中路1号"}
    await record_notification(db, "r1:fault:1", "fault", ELEVATOR, lambda lang, copy: compose("fault", lang, facts))
    # ...and the process was killed here, before asking for the deliver job.
    clock.set_time(datetime.datetime.now(datetime.timezone.utc))
    runner = Worker(db, config)
    with SMTPStandin() as smtp:
        _use_smtp(monkeypatch, smtp.port)
        await runner.sweep()
        assert await runner.drain(kinds=("deliver",)) == 0  # not yet: the writer may still be about to ask
        clock.advance(minutes=3)
        await runner.sweep()
        await runner.sweep()  # asked once, however often the sweep runs
        assert await runner.drain(kinds=("deliver",)) == 1
        await report_jobs.close_notifier()
    assert [rcpt for _, rcpt, _ in smtp.received] == [["duty@f1.example.com"]]


async def _new_fault(db):
    await db.firms.insert_one({"_id": "F1", "name": "示例电梯"})
    await add_contact(db, "F1", "fault", "email", "duty@f1.example.com", "zh_Hans")
    report = await save_report(db, new_report("fault", ELEVATOR, {"category": "doors", "description": "门坏了"}),
                               ask_for_page_now=False)
    return report, await record_new_report(db, report, ELEVATOR, key=b"k" * 32, base_url="http://x")


async def test_it_sends_a_new_report_at_once_and_hands_a_failure_to_the_worker(store, config, monkeypatch):
    db = store.db
    report, docs = await _new_fault(db)
    assert [(d["state"], d["attempts"]) for d in await db.deliveries.find({}).to_list(None)] == [("pending", 1)]
    with SMTPStandin() as smtp:
        _use_smtp(monkeypatch, smtp.port + 1)  # nobody listens there: SMTP is down
        await send_new_report(db, report, docs, await report_jobs.shared_notifier())
        await report_jobs.close_notifier()
        assert await db.deliveries.count_documents({"state": "pending", "fail_count": 1}) == 1
        assert await db.jobs.count_documents({"kind": "page"}) == 1  # asked after the messages
        _use_smtp(monkeypatch, smtp.port)
        assert await Worker(db, config).drain(kinds=("deliver",)) == 1
        await send_new_report(db, report, [], await report_jobs.shared_notifier())  # nothing twice
        await report_jobs.close_notifier()
    assert [rcpt for _, rcpt, _ in smtp.received] == [["duty@f1.example.com"]]
    assert await db.deliveries.count_documents({"state": "sent"}) == 1


async def test_it_delivers_a_new_report_whose_process_died_before_sending(store, config, monkeypatch):
    db = store.db
    await _new_fault(db)  # ...and the process was killed here, before sending
    clock.set_time(datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=3))
    await db.deliveries.update_many({}, {"$set": {"lease_until": None}})  # its lease ran out meanwhile
    runner = Worker(db, config)
    with SMTPStandin() as smtp:
        _use_smtp(monkeypatch, smtp.port)
        await runner.sweep()
        assert await runner.drain(kinds=("deliver",)) == 1
        await report_jobs.close_notifier()
    assert [rcpt for _, rcpt, _ in smtp.received] == [["duty@f1.example.com"]]
