"""The email channel: one multipart message per recipient through aiosmtplib."""

import html
import logging
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from core.notify.message import TransportError

log = logging.getLogger(__name__)


class EmailTransport:
    """Send messages through the configured SMTP server, one connection per message."""

    channel = "email"

    def __init__(self, settings):
        self.settings = settings

    @property
    def configured(self):
        """Tell whether an SMTP server is set."""
        return bool(self.settings.smtp_host)

    async def open(self):
        """Nothing stays open between messages: each one connects afresh."""

    async def close(self):
        """Nothing stays open between messages."""

    async def send(self, recipient, message):
        """Send one message to one address, raising TransportError when it is not accepted."""
        mail = build_email(self.settings, recipient.address, message)
        s = self.settings
        try:
            await aiosmtplib.send(mail, hostname=s.smtp_host, port=s.smtp_port,
                                  username=s.smtp_user or None, password=s.smtp_password or None,
                                  use_tls=s.smtp_tls, start_tls=s.smtp_starttls, timeout=s.smtp_timeout)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise _refused(exc.recipients[0]) from exc
        except aiosmtplib.SMTPRecipientRefused as exc:
            raise _refused(exc) from exc
        except aiosmtplib.SMTPDataError as exc:
            raise TransportError(f"SMTP refused the message: {exc.code} {exc.message}",
                                 permanent=exc.code >= 500) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            # Connection refused, timeouts, 4xx answers and our own login or TLS settings:
            # none of these says the address is bad, so the message waits for a retry.
            raise TransportError(f"SMTP: {type(exc).__name__}: {exc}") from exc


def _refused(exc):
    """Return the error for a refused recipient: a 5xx is final, a 4xx is worth retrying."""
    return TransportError(f"SMTP refused {exc.recipient}: {exc.code} {exc.message}", permanent=exc.code >= 500)


def build_email(settings, address, message):
    """Return a multipart/alternative email with a plain-text and an HTML part."""
    mail = EmailMessage()
    # The default policy encodes a non-ASCII subject as RFC 2047 encoded words (=?utf-8?b?...?=).
    mail["Subject"] = " ".join(message.subject.split())  # a line break would end the header
    mail["From"] = settings.smtp_from
    mail["To"] = address
    if settings.smtp_reply_to:
        mail["Reply-To"] = settings.smtp_reply_to
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=_domain(settings.smtp_from))
    mail["Content-Language"] = message.lang.replace("_", "-")
    mail.set_content(message.plain())
    mail.add_alternative(message.html or plain_to_html(message), subtype="html")
    return mail


def _domain(address):
    """Return the domain of a From address, for Message-ID."""
    return address.rsplit("@", 1)[-1].strip(" >") or "localhost"


def plain_to_html(message):
    """Return a minimal HTML body for a message that brought none: every text escaped."""
    paragraphs = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in message.text.split("\n\n"))
    links = "".join(f'<p><a href="{html.escape(k.url)}">{html.escape(k.label)}</a></p>' for k in message.links)
    return (f'<!doctype html><html lang="{html.escape(message.lang.replace("_", "-"))}"><body>'
            f"<h2>{html.escape(message.subject)}</h2>{paragraphs}{links}</body></html>")
