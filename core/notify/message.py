"""What every channel sends: a recipient, a message, the error a channel raises, and its sending slots."""

import asyncio
from dataclasses import dataclass, field

CHANNELS = ("email", "telegram", "dingtalk", "wecom", "console")


class TransportError(Exception):
    """A channel could not deliver; permanent when trying again cannot help."""

    def __init__(self, message, permanent=False, retry_after=None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after  # seconds the far end asked us to wait, if it said


class Slots:
    """At most `size` sends in flight on a channel; a send that waits longer than `timeout` for one fails, to be retried.

    Connection pools do the same, but their bookkeeping costs CPU for every request waiting
    in them (see core/notify/telegram.py); a semaphore in front keeps them short. The wait
    is bounded so that a send never outlasts its delivery's lease.
    """

    def __init__(self, channel, size, timeout):
        self.channel, self.size, self.timeout = channel, size, timeout
        self.semaphore = asyncio.Semaphore(size)

    async def __aenter__(self):
        try:
            async with asyncio.timeout(self.timeout):
                await self.semaphore.acquire()
        except TimeoutError:
            raise TransportError(f"{self.channel}: all {self.size} connections busy for {self.timeout:g} s") from None

    async def __aexit__(self, *exc):
        self.semaphore.release()


@dataclass(frozen=True)
class Recipient:
    """Where a message goes: a channel and an address on it, read in one language."""

    channel: str
    address: str
    lang: str = "zh_Hans"


@dataclass(frozen=True)
class Link:
    """A link the reader can follow (acknowledge, open the report, ...)."""

    label: str
    url: str


@dataclass(frozen=True)
class Button:
    """A one-tap answer a chat channel can offer under a message (Telegram's callback button)."""

    label: str
    data: str


@dataclass(frozen=True)
class Message:
    """One notification, already in its reader's language; text is plain, html optional."""

    subject: str
    text: str
    lang: str = "zh_Hans"
    kind: str = ""
    html: str | None = None
    links: tuple[Link, ...] = field(default_factory=tuple)
    buttons: tuple[Button, ...] = field(default_factory=tuple)  # channels without buttons use the links

    def to_doc(self):
        """Return the message as a document for storage."""
        return {"subject": self.subject, "text": self.text, "lang": self.lang, "kind": self.kind,
                "html": self.html, "links": [{"label": k.label, "url": k.url} for k in self.links],
                "buttons": [{"label": b.label, "data": b.data} for b in self.buttons]}

    @classmethod
    def from_doc(cls, doc):
        """Rebuild a stored message."""
        links = tuple(Link(k["label"], k["url"]) for k in doc.get("links") or ())
        buttons = tuple(Button(b["label"], b["data"]) for b in doc.get("buttons") or ())
        return cls(doc["subject"], doc["text"], doc.get("lang", "zh_Hans"), doc.get("kind", ""),
                   doc.get("html"), links, buttons)

    def plain(self):
        """Return the text with the links written out after it."""
        lines = [self.text] + [f"{k.label}: {k.url}" for k in self.links]
        return "\n\n".join(lines)
