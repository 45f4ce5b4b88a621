"""Rescue calls in core against the real database, the worker, and the channels' stand-ins."""

import asyncio
import dataclasses
import datetime

import pytest

from core import clock, report_jobs, rescue, rescue_dispatch, rescue_figures, rescue_steps
from core.codes import make_registration_code
from core.district import add_elevators, save_firms, save_people, save_units
from core.grading import grade_firm
from core.notify import Notifier, NotifySettings
from core.notify.contacts import REGULATOR, add_contact
from core.notify.deliveries import urgent
from core.store import orgs as org_store
from core.store import technicians as people_store
from core.worker import Worker
from tests import factories
from tests.core.notify.conftest import DINGTALK_TOKEN, WECOM_KEY
from tests.standins.robots import DingTalkStandin, WeComStandin
from tests.standins.smtp import SMTPStandin
from tests.standins.telegram import TelegramStandin

DINGTALK_SECRET = "SECrescue0123456789"  # a signing secret as DingTalk issues them: letters and digits
START = datetime.datetime(2026, 11, 20, 2, 0, tzinfo=datetime.timezone.utc)
TECH_CHAT, OTHER_CHAT, MANAGER_CHAT = 7001, 7002, 7003


def people():
    """Return the firm's staff: P1 assigned, P2 on duty, P3 off duty, M1 a manager."""
    return [factories.technician(),
            {"_id": "P2", "name": "陈志强", "phone": "13800002222", "org_id": "F1", "roles": ["technician"]},
            {"_id": "P3", "name": "王海", "phone": "13800003333", "org_id": "F1", "roles": ["technician"],
             "on_duty": False},
            {"_id": "M1", "name": "黄经理", "phone": "13800004444", "org_id": "F1", "roles": ["firm_admin"]}]


async def load(db, count=1):
    """Store one firm, one unit, its people with linked chats, the regulator, contacts and count elevators."""
    today = datetime.date(2026, 11, 20)
    await save_firms(db, [factories.firm(today)])
    await save_units(db, [factories.unit()])
    await save_people(db, people())
    await org_store.upsert_regulators(db, [REGULATOR])
    for chat, person in ((TECH_CHAT, "P1"), (OTHER_CHAT, "P2"), (7004, "P3"), (MANAGER_CHAT, "M1")):
        await people_store.link_account(db, chat, person, "en")
    await add_contact(db, "F1", "rescue", "email", "duty@f1.example.com")
    await add_contact(db, "U1", "rescue", "email", "office@u1.example.com", "en")
    await add_contact(db, "F1", "rescue_escalation", "email", "boss@f1.example.com")
    await add_contact(db, "R01", "rescue_regulator", "email", "duty@amr.example.com")
    elevators = [factories.elevator(make_registration_code("3110", "350502", 2015, 1, n + 1), today)
                 for n in range(count)]
    await add_elevators(db, elevators, owe=False)
    return elevators


@pytest.fixture
def config(config):
    """Let 200 simultaneous calls wait for one of the 20 pooled connections on a loaded machine."""
    return dataclasses.replace(config, db_timeout_ms=60_000)


def point_at(monkeypatch, smtp, telegram):
    """Point the environment's channels (the worker's notifier too) at the stand-ins."""
    for name, value in (("SMTP_HOST", "127.0.0.1"), ("SMTP_PORT", str(smtp.port)), ("SMTP_TIMEOUT", "2"),
                        ("TELEGRAM_TOKEN", telegram.token), ("TELEGRAM_API_URL", telegram.url),
                        ("TELEGRAM_TIMEOUT", "2")):
        monkeypatch.setenv(f"LIFTWATCH_{name}", value)


@pytest.fixture
async def channels(monkeypatch):
    """Yield (smtp, telegram, notifier) with every channel pointed at its stand-in."""
    with SMTPStandin() as smtp, TelegramStandin() as telegram:
        point_at(monkeypatch, smtp, telegram)
        async with await Notifier.open(NotifySettings.from_env()) as notifier:
            yield smtp, telegram, notifier
        await report_jobs.close_notifier()


async def dispatched(db, config, call, elevator, notifier):
    """Do what the portal does for a call it opened: ask for its jobs, then send its first messages."""
    await rescue_dispatch.ask_for_call_jobs(db, config, call)
    return await rescue_dispatch.dispatch_now(db, config, call, elevator, notifier)


def accept_buttons(telegram, chat):
    """Return the callback data of the Accept buttons a chat received."""
    return [row[0]["callback_data"] for m in telegram.replies(chat) if m["reply_markup"]
            for row in m["reply_markup"]["inline_keyboard"]]


async def test_it_tells_the_technician_the_firm_and_the_unit_at_once(store, config, channels, monkeypatch):
    smtp, telegram, notifier = channels
    [elevator] = await load(store.db)
    with DingTalkStandin({DINGTALK_TOKEN: DINGTALK_SECRET}) as dingtalk, WeComStandin({WECOM_KEY}) as wecom:
        await add_contact(store.db, "F1", "rescue", "dingtalk", f"{DINGTALK_TOKEN}:{DINGTALK_SECRET}")
        await add_contact(store.db, "U1", "rescue", "wecom", WECOM_KEY)
        settings = dataclasses.replace(notifier.settings, dingtalk_api_url=dingtalk.url, wecom_api_url=wecom.url)
        async with await Notifier.open(settings) as robots:
            call, opened = await rescue.call(store.db, elevator, rescue.new_key(),
                                             {"people": 2, "hurt": True, "phone": None}, [])
            await dispatched(store.db, config, call, elevator, robots)
        assert len(dingtalk.messages) == 1 and len(wecom.messages) == 1
        assert "2" in wecom.messages[0]["markdown"]["content"]
    assert opened and accept_buttons(telegram, TECH_CHAT) == [f"ra:{call['_id']}"]
    assert accept_buttons(telegram, OTHER_CHAT) == []  # not assigned: told only when escalating
    assert sorted(r for _, rcpt, _ in smtp.received for r in rcpt) == ["duty@f1.example.com", "office@u1.example.com"]
    assert "Passengers trapped" in telegram.replies(TECH_CHAT)[0]["text"]
    status = await rescue.status(store.db, await rescue.find_by_token(store.db, call["token"]), 30)
    assert status["state"] == "notified"


async def test_it_escalates_at_the_right_moments_on_the_clock(store, config, channels):
    smtp, telegram, notifier = channels
    clock.set_time(START)
    [elevator] = await load(store.db)
    call, _ = await rescue.call(store.db, elevator, rescue.new_key(), {"people": None, "hurt": None, "phone": None}, [])
    await dispatched(store.db, config, call, elevator, notifier)
    worker = Worker(store.db, config)
    clock.set_time(START + datetime.timedelta(minutes=4, seconds=59))
    await worker.drain()
    assert (await store.db.rescues.find_one())["escalations"] == []
    clock.set_time(START + datetime.timedelta(minutes=5))
    await worker.drain()
    [first] = (await store.db.rescues.find_one())["escalations"]
    assert first["step"] == "escalate" and first["at"] == START + datetime.timedelta(minutes=5)
    # P2 on duty and the manager now get Accept; P3 is off duty; the firm's escalation contact an email.
    assert accept_buttons(telegram, OTHER_CHAT) and accept_buttons(telegram, MANAGER_CHAT)
    assert not accept_buttons(telegram, 7004)
    assert any("boss@f1.example.com" in rcpt for _, rcpt, _ in smtp.received)
    clock.set_time(START + datetime.timedelta(minutes=10))
    await worker.drain()
    steps = (await store.db.rescues.find_one())["escalations"]
    assert [s["step"] for s in steps] == ["escalate", "regulator"]
    assert steps[1]["at"] == START + datetime.timedelta(minutes=10)
    assert any("duty@amr.example.com" in rcpt for _, rcpt, _ in smtp.received)
    clock.set_time(START + datetime.timedelta(minutes=30))
    await worker.drain()
    assert (await store.db.rescues.find_one())["over_target"]
    figures = await rescue_figures.summary(store.db, "firm", "F1", datetime.date(2026, 11, 20))
    assert figures["calls"] == 1 and figures["late"] == 1
    graded = await grade_firm(store.db, "F1", config, datetime.date(2026, 11, 20))
    assert {"reason": "late_rescues", "points": 10} in graded["deductions"]


async def test_it_escalates_no_further_once_accepted(store, config, channels):
    _, telegram, notifier = channels
    clock.set_time(START)
    [elevator] = await load(store.db)
    call, _ = await rescue.call(store.db, elevator, rescue.new_key(), {"people": None, "hurt": None, "phone": None}, [])
    await dispatched(store.db, config, call, elevator, notifier)
    await rescue_steps.accept(store.db, call["_id"], factories.technician())
    clock.set_time(START + datetime.timedelta(minutes=11))
    await Worker(store.db, config).drain()
    assert (await store.db.rescues.find_one())["escalations"] == [] and not accept_buttons(telegram, OTHER_CHAT)


async def test_it_finds_a_closed_call_again_by_its_callers_key_instead_of_opening_one(store, config):
    [elevator] = await load(store.db)
    key, empty = rescue.new_key(), {"people": None, "hurt": None, "phone": None}
    call, _ = await rescue.call(store.db, elevator, key, empty, [])
    taker = factories.technician()
    await rescue_steps.accept(store.db, call["_id"], taker)
    await store.db.rescues.update_one({"_id": call["_id"]}, {"$set": {"state": "released"}})
    await rescue_steps.close(store.db, await rescue.find_by_token(store.db, call["token"]), "door_fault")
    again, reopened = await rescue.call(store.db, elevator, key, empty, [])  # the first caller's reload
    assert not reopened and again["_id"] == call["_id"] and await store.db.rescues.count_documents({}) == 1
    other, opened = await rescue.call(store.db, elevator, rescue.new_key(), empty, [])  # a new call opens
    again, reopened = await rescue.call(store.db, elevator, key, empty, [])  # reloaded again: it does not join
    assert opened and other["_id"] != call["_id"] and not reopened and again["_id"] == call["_id"]
    assert await store.db.rescues.count_documents({}) == 2
    assert len((await store.db.rescues.find_one({"_id": other["_id"]}))["callers"]) == 1


async def test_it_opens_one_call_for_taps_of_one_key_and_a_second_person_at_the_same_moment(store, config):
    [elevator] = await load(store.db)
    key, other, empty = rescue.new_key(), rescue.new_key(), {"people": None, "hurt": None, "phone": None}
    taps = await asyncio.gather(*(rescue.call(store.db, elevator, k, empty, []) for k in [key] * 5 + [other]))
    assert len({call["_id"] for call, _ in taps}) == 1
    assert [opened for _, opened in taps].count(True) == 1
    [stored] = await store.db.rescues.find().to_list(None)
    assert sorted(c["key"] for c in stored["callers"]) == sorted([key, other])


async def test_it_gives_two_accepts_at_once_one_winner(store, config):
    [elevator] = await load(store.db)
    call, _ = await rescue.call(store.db, elevator, rescue.new_key(), {"people": None, "hurt": None, "phone": None}, [])
    p1, p2 = people()[:2]
    results = await asyncio.gather(rescue_steps.accept(store.db, call["_id"], p1),
                                   rescue_steps.accept(store.db, call["_id"], p2), return_exceptions=True)
    winners = [r for r in results if isinstance(r, dict)]
    losers = [r for r in results if isinstance(r, rescue_steps.Refused)]
    assert len(winners) == 1 and len(losers) == 1 and losers[0].code == "taken"
    assert losers[0].details["name"] == winners[0]["accepted_by"]["name"]


async def test_it_stores_and_notifies_200_simultaneous_calls_once_each(store, config, channels):
    smtp, telegram, notifier = channels
    elevators = await load(store.db, 200)
    keys = [rescue.new_key() for _ in elevators]
    empty = {"people": None, "hurt": None, "phone": None}

    async def one(elevator, key):
        call, opened = await rescue.call(store.db, elevator, key, empty, [])
        if opened:
            await dispatched(store.db, config, call, elevator, notifier)
        return call["_id"]

    first = await asyncio.gather(*(one(e, k) for e, k in zip(elevators, keys)))
    again = await asyncio.gather(*(one(e, k) for e, k in zip(elevators, keys)))
    assert len(set(first)) == 200 and first == again
    assert await store.db.rescues.count_documents({}) == 200
    assert len(accept_buttons(telegram, TECH_CHAT)) == 200 and len(smtp.received) == 400
    assert await store.db.deliveries.count_documents({"state": "sent"}) == 600



async def test_it_sends_the_units_copy_once_no_first_messages_are_on_their_way(store, config, channels):
    smtp, telegram, notifier = channels
    [elevator] = await load(store.db)
    call, _ = await rescue.call(store.db, elevator, rescue.new_key(), {"people": None, "hurt": None, "phone": None},
                                [])
    async with urgent():  # another call's first messages, still on their way
        sending = asyncio.create_task(dispatched(store.db, config, call, elevator, notifier))
        for _ in range(200):
            await asyncio.sleep(0.01)
            if smtp.received and accept_buttons(telegram, TECH_CHAT):
                break
        await asyncio.sleep(0.2)
        told = sorted(r for _, rcpt, _ in smtp.received for r in rcpt)
        waiting = await store.db.deliveries.find_one({"party": "unit"})
    results = await sending
    assert told == ["duty@f1.example.com"] and accept_buttons(telegram, TECH_CHAT) == [f"ra:{call['_id']}"]
    assert waiting["state"] == "pending" and waiting["lease_until"] is not None  # recorded, and held for this sender
    assert sorted(r for _, rcpt, _ in smtp.received for r in rcpt) == ["duty@f1.example.com", "office@u1.example.com"]
    assert list(results.values()) == ["sent"] * 3

async def test_it_keeps_a_dispatch_fallback_that_finds_the_first_messages_sent(store, config, channels):
    smtp, telegram, notifier = channels
    clock.set_time(START)
    [elevator] = await load(store.db)
    call, _ = await rescue.call(store.db, elevator, rescue.new_key(), {"people": None, "hurt": None, "phone": None}, [])
    await dispatched(store.db, config, call, elevator, notifier)
    [job] = await store.db.jobs.find({"kind": rescue_dispatch.DISPATCH}).to_list(None)
    docs = await store.db.deliveries.find({}).sort("seq", 1).to_list(None)
    assert job["due"] == START + rescue_dispatch.FALLBACK and [d["seq"] for d in docs] == [0, 1, 2]
    assert [d["channel"] for d in docs] == ["telegram", "email", "email"] and {d["state"] for d in docs} == {"sent"}
    assert {d["attempts"] for d in docs} == {1}
    clock.set_time(START + rescue_dispatch.FALLBACK)
    try:
        await Worker(store.db, config).drain()  # the fallback finds them sent: nothing twice, no deliver job
    finally:
        await report_jobs.close_notifier()
    assert len(accept_buttons(telegram, TECH_CHAT)) == 1 and len(smtp.received) == 2
    assert await store.db.jobs.count_documents({"kind": "deliver"}) == 0


async def test_it_dispatches_from_the_fallback_when_the_portal_died_after_answering(store, config, channels):
    smtp, telegram, _notifier = channels
    clock.set_time(START)
    [elevator] = await load(store.db)
    call, _ = await rescue.call(store.db, elevator, rescue.new_key(), {"people": None, "hurt": None, "phone": None}, [])
    await rescue_dispatch.ask_for_call_jobs(store.db, config, call)  # ...and the process was killed here
    worker = Worker(store.db, config)
    try:
        clock.set_time(START + rescue_dispatch.FALLBACK)
        await worker.drain()
        await worker.drain()  # a second run of everything due sends nothing twice
    finally:
        await report_jobs.close_notifier()
    assert len(accept_buttons(telegram, TECH_CHAT)) == 1 and len(smtp.received) == 2
    assert await store.db.deliveries.count_documents({"state": "sent"}) == 3


async def test_it_sweeps_up_a_call_whose_jobs_were_never_asked_for(store, config, channels):
    smtp, telegram, _notifier = channels
    clock.set_time(START)
    [elevator] = await load(store.db)
    call, _ = await rescue.call(store.db, elevator, rescue.new_key(), {"people": None, "hurt": None, "phone": None}, [])
    worker = Worker(store.db, config)  # the process was killed before asking for the call's jobs
    try:
        clock.set_time(START + rescue_dispatch.SWEEP_AFTER + datetime.timedelta(seconds=1))
        await worker.sweep()
        await worker.drain()
        await worker.sweep()  # asked once: the sweep again finds the job and adds nothing
        assert await worker.drain() == 0
    finally:
        await report_jobs.close_notifier()
    assert len(accept_buttons(telegram, TECH_CHAT)) == 1 and len(smtp.received) == 2
    assert await store.db.jobs.count_documents({"kind": rescue_dispatch.STEP}) == 3


async def test_it_delivers_after_smtp_and_the_bot_api_come_back(store, config, monkeypatch):
    smtp, telegram = SMTPStandin(), TelegramStandin()
    with telegram:
        point_at(monkeypatch, smtp, telegram)  # nothing listens on the SMTP port yet
        telegram.fail_next(502, times=1000)
        clock.set_time(START)
        [elevator] = await load(store.db)
        async with await Notifier.open(NotifySettings.from_env()) as notifier:
            call, _ = await rescue.call(store.db, elevator, rescue.new_key(),
                                        {"people": None, "hurt": None, "phone": None}, [])
            await dispatched(store.db, config, call, elevator, notifier)
        assert await store.db.deliveries.count_documents({"state": "pending", "fail_count": 1}) == 3
        telegram.failures.clear()
        with smtp:
            clock.set_time(START + rescue_dispatch.FALLBACK)
            try:
                await Worker(store.db, config).drain()  # the fallback hands the pending deliveries on
            finally:
                await report_jobs.close_notifier()
            assert await store.db.deliveries.count_documents({"state": "sent"}) == 3
            assert accept_buttons(telegram, TECH_CHAT) and len(smtp.received) == 2
