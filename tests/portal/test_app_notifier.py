"""The portal opens the notifier when it starts and closes it when it stops."""

from core.notify import Message, Recipient
from portal.app import create_app
from tests.standins.telegram import TelegramStandin


async def test_it_opens_the_notifier_with_the_app_and_closes_it_after(config, store, monkeypatch):
    with TelegramStandin() as telegram:
        monkeypatch.setenv("LIFTWATCH_TELEGRAM_TOKEN", telegram.token)
        monkeypatch.setenv("LIFTWATCH_TELEGRAM_API_URL", telegram.url)
        app = create_app(config)
        assert not hasattr(app, "notifier")  # nothing is opened before the app starts
        async with app.test_app():
            await app.notifier.send(Recipient("telegram", "4242"), Message("测试", "你好"))
            transport = app.notifier.transports["telegram"]
        assert len(telegram.sent) == 1 and transport.bot is None  # closed when the app stopped
