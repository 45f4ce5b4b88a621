"""Linking an account by invite, languages, and Telegram's retries."""

from core import technicians
from tests.bot.conftest import Chat


async def test_it_links_an_account_once_per_invite(district, running, store, telegram):
    chat = Chat(telegram)
    token = await technicians.invite(store.db, "P1")
    assert "Welcome, 林建明" in await chat.say(chat.command(f"/start {token}"))
    other = Chat(telegram, user_id=7002)
    assert "not valid" in await other.say(other.command(f"/start {token}"))


async def test_it_switches_language(linked):
    assert "Choose a language" in await linked.say(linked.command("/language"))
    assert "机器人" in await linked.say(linked.tap("lang:zh_Hans"))


async def test_it_handles_an_update_delivered_twice_once(linked, telegram):
    update = linked.command("/checkin")
    before = len(linked.replies())
    telegram.push(update)
    telegram.push(update)
    await linked.say(linked.command("/start"))
    texts = [m["text"] for m in linked.replies()[before:]]
    assert sum("Which elevator" in t for t in texts) == 1, texts
