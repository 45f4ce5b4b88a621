"""What every channel sends: a recipient, a message, and the error a channel raises."""

from dataclasses import dataclass, field

CHANNELS = ("email", "telegram", "dingtalk", "wecom", "console")


class TransportError(Exception):
    """A channel could not deliver; permanent when trying again cannot help."""

    def __init__(self, message, permanent=False, retry_after=None):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after  # seconds the far end asked us to wait, if it said


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
class Message:
    """One notification, already in its reader's language; text is plain, html optional."""

    subject: str
    text: str
    lang: str = "zh_Hans"
    kind: str = ""
    html: str | None = None
    links: tuple[Link, ...] = field(default_factory=tuple)
    # Chat buttons (label, callback data), such as a rescue call's Accept; only Telegram shows them.
    buttons: tuple[Link, ...] = field(default_factory=tuple)

    def to_doc(self):
        """Return the message as a document for storage."""
        return {"subject": self.subject, "text": self.text, "lang": self.lang, "kind": self.kind,
                "html": self.html, "links": [{"label": k.label, "url": k.url} for k in self.links],
                "buttons": [{"label": k.label, "url": k.url} for k in self.buttons]}

    @classmethod
    def from_doc(cls, doc):
        """Rebuild a stored message."""
        links = tuple(Link(k["label"], k["url"]) for k in doc.get("links") or ())
        buttons = tuple(Link(k["label"], k["url"]) for k in doc.get("buttons") or ())
        return cls(doc["subject"], doc["text"], doc.get("lang", "zh_Hans"), doc.get("kind", ""),
                   doc.get("html"), links, buttons)

    def plain(self):
        """Return the text with the links written out after it."""
        lines = [self.text] + [f"{k.label}: {k.url}" for k in self.links]
        return "\n\n".join(lines)
