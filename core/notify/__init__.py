"""Notifications: one interface, send(recipient, message), one class per channel."""

from core.notify.message import CHANNELS, Link, Message, Recipient, TransportError
from core.notify.notifier import Notifier
from core.notify.settings import NotifySettings

__all__ = ["CHANNELS", "Link", "Message", "Notifier", "NotifySettings", "Recipient", "TransportError"]
