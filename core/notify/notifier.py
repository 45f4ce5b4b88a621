"""The one notifier interface: send(recipient, message), whatever the channel."""

import logging

from core.notify.console import ConsoleTransport
from core.notify.mail import EmailTransport
from core.notify.message import TransportError
from core.notify.robots import DingTalkTransport, WeComTransport
from core.notify.telegram import TelegramTransport

log = logging.getLogger(__name__)

TRANSPORTS = (EmailTransport, TelegramTransport, DingTalkTransport, WeComTransport, ConsoleTransport)
_SETTING = {"email": "LIFTWATCH_SMTP_HOST", "telegram": "LIFTWATCH_TELEGRAM_TOKEN"}


class Notifier:
    """Every channel's transport, opened when the app starts and closed when it stops."""

    def __init__(self, settings, transports):
        self.settings = settings
        self.transports = {t.channel: t for t in transports}
        self.console = self.transports["console"]

    @classmethod
    async def open(cls, settings):
        """Open every channel's client (none connects before its first message)."""
        notifier = cls(settings, [kind(settings) for kind in TRANSPORTS])
        for transport in notifier.transports.values():
            await transport.open()
        return notifier

    async def close(self):
        """Close every channel's client."""
        for transport in self.transports.values():
            await transport.close()

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()

    async def send(self, recipient, message):
        """Send a message on the recipient's channel; raise TransportError when it failed."""
        transport = self.transports.get(recipient.channel)
        if transport is None:
            raise TransportError(f"unknown channel {recipient.channel!r}", permanent=True)
        if self.settings.console:  # development: nothing leaves the machine
            transport = self.console
        elif not transport.configured:
            # Unconfigured is the operator's to fix, not the recipient's fault: the message
            # waits (and is retried) rather than being printed where nobody reads it.
            raise TransportError(f"{recipient.channel} is not configured (set {_SETTING[recipient.channel]})")
        await transport.send(recipient, message)
