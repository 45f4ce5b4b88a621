"""A rescue call end to end: the passenger's tap on the portal, the technician in the bot, the passenger's page."""

import asyncio
import re
import time

import pytest

from core import report_jobs
from core.notify.contacts import add_contact
from portal.app import create_app
from tests.factories import ON_TIME
from tests.standins.smtp import SMTPStandin


@pytest.fixture
async def portal(bot_config, telegram, store, monkeypatch):
    """Yield (client, smtp) of the portal, its notifier pointed at the SMTP and Bot API stand-ins."""
    with SMTPStandin() as smtp:
        for name, value in (("SMTP_HOST", "127.0.0.1"), ("SMTP_PORT", str(smtp.port)),
                            ("TELEGRAM_TOKEN", telegram.token), ("TELEGRAM_API_URL", telegram.url)):
            monkeypatch.setenv(f"LIFTWATCH_{name}", value)
        app = create_app(bot_config)
        async with app.test_app() as running:
            yield running.test_client(), smtp
        await report_jobs.close_notifier()


async def until(predicate, timeout=20):
    """Wait until predicate() is true."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def accept_data(chat):
    """Return the callback data of the last Accept button the chat received, or None."""
    for message in reversed(chat.replies()):
        for row in (message["reply_markup"] or {}).get("inline_keyboard", []):
            if row[0].get("callback_data", "").startswith("ra:"):
                return row[0]["callback_data"]
    return None


async def test_it_takes_a_call_from_tap_to_closed_with_every_time_shown(linked, portal, store):
    client, smtp = portal
    await add_contact(store.db, "F1", "rescue", "email", "duty@f1.example.com")
    await add_contact(store.db, "U1", "rescue", "email", "office@u1.example.com")
    page = await (await client.get(f"/e/{ON_TIME}/rescue")).get_data(as_text=True)
    csrf, key = (re.search(rf'name="{n}" value="([^"]+)"', page).group(1) for n in ("csrf", "key"))
    response = await client.post(f"/e/{ON_TIME}/rescue", form={"csrf": csrf, "key": key, "people": "2"})
    status_path = response.headers["Location"]
    await until(lambda: accept_data(linked) and len(smtp.received) == 2)
    assert "已通知维保单位" in await (await client.get(status_path)).get_data(as_text=True)

    assert "The call is yours" in await linked.say(linked.tap(accept_data(linked)))
    page = await (await client.get(status_path)).get_data(as_text=True)
    assert "维保人员正在赶来" in page and "林建明" in page and "泉州鲤城示例电梯工程有限公司" in page

    assert "m away from the elevator" in await linked.say(linked.location(24.95, 118.58))
    assert (await store.db.rescues.find_one())["arrived_at"] is None
    replies = await linked.send(linked.location(), replies=2)
    assert "Arrival recorded, 0 min after the call" in replies[0]
    call_id = (await store.db.rescues.find_one())["_id"]
    assert "What caused it?" in await linked.say(linked.tap(f"rs:{call_id}"))
    assert "closed" in await linked.say(linked.tap(f"rc:{call_id}:door_fault"))

    call = await store.db.rescues.find_one()
    assert call["state"] == "closed" and call["cause"] == "door_fault" and not call["open"]
    assert call["created_at"] <= call["accepted_at"] <= call["arrived_at"] <= call["released_at"] <= call["closed_at"]
    page = await (await client.get(status_path)).get_data(as_text=True)
    assert page.count('class="done"') == 6 and "门系统故障" in page and "您已脱困" in page


async def test_it_tells_the_second_technician_who_took_the_call(linked, portal, store):
    client, _ = portal
    page = await (await client.get(f"/e/{ON_TIME}/rescue")).get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    await client.post(f"/e/{ON_TIME}/rescue", form={"csrf": csrf})
    await until(lambda: accept_data(linked))
    call_id = (await store.db.rescues.find_one())["_id"]
    await store.db.rescues.update_one({}, {"$set": {"accepted_by": {"person_id": "P9", "name": "陈志强"}}})
    assert "陈志强 has already accepted this rescue call." in await linked.say(linked.tap(f"ra:{call_id}"))
