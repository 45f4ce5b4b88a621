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


async def test_it_handles_an_update_delivered_twice_once(linked, bot_config, store, telegram):
    from dataclasses import replace

    from portal.app import create_app
    app = create_app(replace(bot_config, telegram_webhook_secret="s3cret", worker_in_serve=False))
    update = linked.command("/checkin")
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
    before = len(linked.replies())
    async with app.test_app():
        client = app.test_client()
        for _ in range(2):  # Telegram retrying an update it got no answer to in time
            assert (await client.post("/telegram/webhook", json=update, headers=headers)).status_code == 200
        forged = await client.post("/telegram/webhook", json=linked.command("/checkin"),
                                   headers={"X-Telegram-Bot-Api-Secret-Token": "guess"})
        assert forged.status_code == 403
    texts = [m["text"] for m in linked.replies()[before:]]
    assert sum("Which elevator" in t for t in texts) == 1, texts


def test_it_registers_the_webhook_with_its_secret(bot_config, telegram, monkeypatch, capsys):
    from portal.cli import main
    monkeypatch.setenv("LIFTWATCH_TELEGRAM_TOKEN", telegram.token)
    monkeypatch.setenv("LIFTWATCH_TELEGRAM_API_URL", telegram.url)
    monkeypatch.setenv("LIFTWATCH_TELEGRAM_WEBHOOK_SECRET", "s3cret")
    monkeypatch.setenv("LIFTWATCH_PUBLIC_URL", "https://lifts.example.org")
    main(["bot", "--set-webhook"])
    assert "https://lifts.example.org/telegram/webhook" in capsys.readouterr().out
    call = telegram.calls("setWebhook")[-1]
    assert call["url"] == "https://lifts.example.org/telegram/webhook" and call["secret_token"] == "s3cret"


async def test_it_links_the_elevator_page_to_a_check_in(district, bot_config, store):
    from dataclasses import replace

    from portal.app import create_app
    app = create_app(replace(bot_config, worker_in_serve=False))
    async with app.test_app():
        page = await (await app.test_client().get(f"/e/{district['on_time']}?lang=en")).get_data(as_text=True)
    assert f'href="https://t.me/liftwatch_test_bot?start=v_{district["on_time"]}"' in page


async def test_it_runs_with_long_polling_until_stopped(district, bot_config, store, telegram):
    import asyncio

    from bot.app import run_polling
    stop = asyncio.Event()
    task = asyncio.create_task(run_polling(bot_config, store.db, stop))
    chat = Chat(telegram, user_id=7050)
    assert "not linked" in await chat.say(chat.command("/start"))
    stop.set()
    await asyncio.wait_for(task, 10)
