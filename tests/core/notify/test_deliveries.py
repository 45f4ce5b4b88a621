"""Deliveries are written before anything is sent, sent once, and their outcome recorded."""

import asyncio
import dataclasses
import datetime

import pytest

from core.notify import Notifier, TransportError
from core.notify.compose import SUBJECTS, compose
from core.notify.contacts import REGULATOR, add_contact
from core.notify.deliveries import LEASE_SECONDS, abandon, deliver, record_notification, utcnow
from core.store import deliveries as delivery_store
from core.store import orgs as org_store
from tests.core.notify.conftest import WECOM_KEY
from tests.standins.smtp import free_port

ELEVATOR = {"_id": "31103505022015010001", "firm_id": "F1", "unit_id": "U1"}
FACTS = {"code": ELEVATOR["_id"], "place": "中山中路1号 1号梯", "category": {"msgid": "Category"},
         "description": "门关不上 <b>&</b>", "phone": "13800001234"}
LINKS = (("Acknowledge", "https://lift.example.cn/a/sig?x=1&y=2"),)


@pytest.fixture
async def db(store):
    """Return a database where the firm hears of faults by email (zh) and Telegram (en), the unit by WeCom."""
    db = store.db
    await org_store.upsert_firms(db, [{"_id": "F1", "name": "示例电梯"}])
    await org_store.upsert_units(db, [{"_id": "U1", "name": "示例物业"}])
    await org_store.upsert_regulators(db, [REGULATOR])
    await add_contact(db, "F1", "fault", "email", "repair@f1.example.com")
    await add_contact(db, "F1", "fault", "telegram", "4242", "en")
    await add_contact(db, "U1", "fallback", "wecom", WECOM_KEY)
    return db


def fault(lang, copy):
    return compose("fault", lang, FACTS, LINKS, copy)


async def record(db, notification_id="report:1"):
    return await record_notification(db, notification_id, "fault", ELEVATOR, fault)


async def test_it_writes_every_delivery_before_sending_anything(db, smtp, telegram, wecom):
    ids = await record(db)
    assert await record(db) == ids  # recording again adds nothing
    docs = await delivery_store.find_deliveries(db, "report:1")
    assert [(d["channel"], d["state"], d["copy"]) for d in docs] == [
        ("email", "pending", False), ("telegram", "pending", False), ("wecom", "pending", True)]
    assert docs[0]["message"]["subject"] == "故障报修：中山中路1号 1号梯"
    assert docs[1]["message"]["subject"] == "Fault report: 中山中路1号 1号梯"
    assert "此为抄送" in docs[2]["message"]["text"] and "抄送" not in docs[0]["message"]["text"]
    assert smtp.received == [] and telegram.requests == [] and wecom.requests == []


async def test_it_delivers_each_once_and_records_it_sent(db, notifier, smtp, telegram, wecom):
    ids = await record(db)
    assert [await deliver(db, i, notifier) for i in ids] == ["sent"] * 3
    assert [await deliver(db, i, notifier) for i in ids] == ["sent"] * 3  # a repeated job sends nothing
    (_, to, mail), = smtp.received
    assert to == ["repair@f1.example.com"] and mail["Subject"] == "故障报修：中山中路1号 1号梯"
    assert "类别: 类别" in mail.get_body(("plain",)).get_content()  # {"msgid": ...} facts are translated
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in mail.get_body(("html",)).get_content()
    sent, = telegram.sent
    assert sent["text"].startswith("<b>Fault report:") and "Acknowledge</a>" in sent["text"]
    assert len(wecom.messages) == 1
    for doc in await delivery_store.find_deliveries(db, "report:1"):
        assert doc["state"] == "sent" and doc["attempts"] == 1 and doc["sent_at"] is not None


async def test_it_keeps_a_temporary_failure_pending_and_delivers_after_recovery(db, notify_settings, smtp):
    email_id = (await record(db))[0]
    down = dataclasses.replace(notify_settings, smtp_port=free_port())
    async with await Notifier.open(down) as notifier:
        with pytest.raises(TransportError):
            await deliver(db, email_id, notifier)
    failed = await delivery_store.find_delivery(db, email_id)
    assert failed["state"] == "pending" and failed["fail_count"] == 1 and "SMTP" in failed["last_error"]
    async with await Notifier.open(notify_settings) as notifier:
        assert await deliver(db, email_id, notifier) == "sent"
    assert len(smtp.received) == 1
    assert (await delivery_store.find_delivery(db, email_id))["fail_count"] == 1


async def test_it_records_a_permanent_failure_and_never_tries_again(db, notifier, telegram):
    telegram.block(4242)
    telegram_id = (await record(db))[1]
    assert await deliver(db, telegram_id, notifier) == "failed"
    assert await deliver(db, telegram_id, notifier) == "failed"
    assert len(telegram.calls("sendMessage")) == 1
    doc = await delivery_store.find_delivery(db, telegram_id)
    assert doc["state"] == "failed" and doc["fail_count"] == 1 and "blocked" in doc["last_error"]


async def test_it_marks_a_delivery_failed_when_the_worker_gives_up(db, notifier, smtp):
    email_id, telegram_id, _ = await record(db)
    assert await deliver(db, telegram_id, notifier) == "sent"
    await abandon(db, email_id, "gave up after a day of retries")
    await abandon(db, telegram_id, "gave up")  # a delivery already sent stays sent
    assert await deliver(db, email_id, notifier) == "failed" and smtp.received == []
    states = {d["channel"]: (d["state"], d["last_error"]) for d in await delivery_store.find_deliveries(db, "report:1")}
    assert states["email"] == ("failed", "gave up after a day of retries") and states["telegram"] == ("sent", None)


async def test_it_lets_one_worker_at_a_time_send_a_delivery(db, notifier, smtp):
    email_id = (await record(db))[0]
    first, second = await asyncio.gather(deliver(db, email_id, notifier), deliver(db, email_id, notifier),
                                         return_exceptions=True)
    # The loser finds it sent already, or still being sent (a temporary error: its job retries).
    assert "sent" in (first, second) and len(smtp.received) == 1
    for outcome in (first, second):
        assert outcome == "sent" or (isinstance(outcome, TransportError) and not outcome.permanent)


async def test_it_takes_over_a_delivery_whose_worker_died(db, notifier, smtp):
    email_id = (await record(db))[0]
    start = utcnow()
    assert await delivery_store.claim_delivery(db, email_id, start, LEASE_SECONDS)  # a worker took it, then died
    with pytest.raises(TransportError, match="another worker"):
        await deliver(db, email_id, notifier, clock=lambda: start + datetime.timedelta(seconds=5))
    later = start + datetime.timedelta(seconds=LEASE_SECONDS + 1)
    assert await deliver(db, email_id, notifier, clock=lambda: later) == "sent"
    assert len(smtp.received) == 1


def test_it_composes_every_kind_in_both_languages():
    for kind in SUBJECTS:
        zh, en = (compose(kind, lang, {**FACTS, "date": "2026-06-15"}) for lang in ("zh_Hans", "en"))
        assert zh.subject != en.subject and "{" not in zh.subject + en.subject, kind
        assert "96333" in zh.text and FACTS["description"] in en.text and zh.lang == "zh_Hans"
        assert "<b>&</b>" not in zh.html and "&lt;b&gt;&amp;&lt;/b&gt;" in zh.html


async def test_it_sends_a_notifications_deliveries_together_each_with_its_own_outcome(db, notifier, smtp, telegram,
                                                                                      wecom):
    from core.notify.deliveries import deliver_many
    email_id, telegram_id, wecom_id = await record(db)
    telegram.block("4242")
    assert await delivery_store.claim_delivery(db, wecom_id, utcnow(), LEASE_SECONDS)  # another worker sends it
    outcomes = await deliver_many(db, [email_id, telegram_id, wecom_id], notifier)
    assert outcomes[email_id] == "sent" and outcomes[telegram_id] == "failed"
    assert isinstance(outcomes[wecom_id], TransportError) and not outcomes[wecom_id].permanent
    assert await deliver_many(db, [email_id, telegram_id], notifier) == {email_id: "sent", telegram_id: "failed"}
    states = {d["channel"]: d["state"] for d in await delivery_store.find_deliveries(db, "report:1")}
    assert states == {"email": "sent", "telegram": "failed", "wecom": "pending"}
    assert len(smtp.received) == 1 and wecom.messages == []


async def test_it_records_and_sends_in_two_writes_leaving_what_another_recorded(db, notifier, smtp, telegram, wecom):
    from core.notify.deliveries import delivery_docs, record_and_send
    from core.notify.routing import resolve
    docs = delivery_docs("report:1", "fault", await resolve(db, "fault", ELEVATOR), fault, utcnow())
    await delivery_store.insert_deliveries(db, docs[2:])  # the worker's fallback recorded the WeCom one first
    outcomes = await record_and_send(db, docs, notifier)
    assert outcomes == {docs[0]["_id"]: "sent", docs[1]["_id"]: "sent"}
    assert await record_and_send(db, docs, notifier) == {}  # recorded already: nothing sent twice
    states = {d["channel"]: (d["state"], d["attempts"]) for d in await delivery_store.find_deliveries(db, "report:1")}
    assert states == {"email": ("sent", 1), "telegram": ("sent", 1), "wecom": ("pending", 0)}
    assert len(smtp.received) == 1 and len(telegram.sent) == 1 and wecom.messages == []
