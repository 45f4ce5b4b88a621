"""Stand-ins for every channel's far end, and a notifier pointed at them."""

import pytest

from core.notify import Notifier, NotifySettings
from tests.standins.robots import DingTalkStandin, WeComStandin
from tests.standins.smtp import SMTPStandin
from tests.standins.telegram import TelegramStandin

DINGTALK_TOKEN, DINGTALK_SECRET = "dt0123456789abcdef", "SECtest-signing-secret"
WECOM_KEY = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"


@pytest.fixture
def smtp():
    """Yield a real SMTP server on loopback."""
    with SMTPStandin() as server:
        yield server


@pytest.fixture
def telegram():
    """Yield a local Bot API server."""
    with TelegramStandin() as server:
        yield server


@pytest.fixture
def dingtalk():
    """Yield a DingTalk robot that checks signatures (and one unsigned robot)."""
    with DingTalkStandin({DINGTALK_TOKEN: DINGTALK_SECRET, "unsigned": None}) as server:
        yield server


@pytest.fixture
def wecom():
    """Yield a WeCom robot with one known key."""
    with WeComStandin({WECOM_KEY}) as server:
        yield server


@pytest.fixture
def notify_settings(smtp, telegram, dingtalk, wecom):
    """Return settings that point every channel at its stand-in."""
    return NotifySettings(smtp_host="127.0.0.1", smtp_port=smtp.port,
                          smtp_from="鲤城电梯 <noreply@lift.example.cn>", smtp_reply_to="help@lift.example.cn",
                          smtp_timeout=5, telegram_token=telegram.token, telegram_api_url=telegram.url,
                          telegram_timeout=5, dingtalk_api_url=dingtalk.url, wecom_api_url=wecom.url,
                          robot_timeout=5)


@pytest.fixture
async def notifier(notify_settings):
    """Yield an open notifier, closed afterwards."""
    async with await Notifier.open(notify_settings) as opened:
        yield opened
