"""The email channel: one multipart message per recipient through aiosmtplib, over kept-open connections."""

import asyncio
import base64
import functools
import html
import logging
import socket
import time
from email.utils import formataddr, formatdate, make_msgid, parseaddr

import aiosmtplib

from core.notify.message import Slots, TransportError

log = logging.getLogger(__name__)

# Connections kept open between messages, and for how long an idle one is trusted. A burst
# of 600 messages opened 600 connections (connect, EHLO, QUIT each) before; servers close
# idle ones after a minute or more (Postfix: 300 s), so 30 s stays clear of that. No more
# messages than that are in flight at once: a burst of 200 otherwise opened 192 connections
# beside the 8 kept (aiosmtpd alone spent about 2 ms of CPU setting each up), and closed them.
POOL_SIZE = 16
IDLE_SECONDS = 30.0

# One boundary for every message. Both parts are base64, whose alphabet has no "_", so the
# boundary line can never occur inside a part (RFC 2046 asks no more). A fresh one each time
# made every reader that parses with Python's email package compile a new pattern for it:
# 0.7 of the 1.6 ms the SMTP stand-in spent per message, once headers were parsed once.
BOUNDARY = "=_liftwatch_alternative"


class EmailTransport:
    """Send messages through the configured SMTP server, reusing up to POOL_SIZE open connections."""

    channel = "email"

    def __init__(self, settings):
        self.settings = settings
        self.idle = []  # (client, when it was last used)
        self.local_hostname = None
        self.slots = Slots("SMTP", POOL_SIZE, settings.smtp_timeout)

    @property
    def configured(self):
        """Tell whether an SMTP server is set."""
        return bool(self.settings.smtp_host)

    async def open(self):
        """Nothing connects before the first message."""

    async def close(self):
        """Close the connections kept open."""
        idle, self.idle = self.idle, []
        for client, _ in idle:
            await _quit(client)

    async def send(self, recipient, message):
        """Send one message to one address, raising TransportError when it is not accepted."""
        mail = build_email(self.settings, recipient.address, message)
        async with self.slots:
            await self._send(recipient.address, mail)

    async def _send(self, address, mail):
        """Send built mail over a kept or a new connection; keep the connection when all went well."""
        sender = _sender(self.settings.smtp_from)
        client, reused = await self._take()
        try:
            try:
                await client.sendmail(sender, [address], mail)
            except aiosmtplib.SMTPServerDisconnected:
                if not reused:
                    raise
                # The server closed the kept connection meanwhile: nothing was accepted, send afresh.
                client.close()
                client, reused = await self._connect(), False
                await client.sendmail(sender, [address], mail)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise _refused(exc.recipients[0]) from _dropped(client, exc)
        except aiosmtplib.SMTPRecipientRefused as exc:
            raise _refused(exc) from _dropped(client, exc)
        except aiosmtplib.SMTPDataError as exc:
            raise TransportError(f"SMTP refused the message: {exc.code} {exc.message}",
                                 permanent=exc.code >= 500) from _dropped(client, exc)
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            # Connection refused, timeouts, 4xx answers and our own login or TLS settings:
            # none of these says the address is bad, so the message waits for a retry.
            raise TransportError(f"SMTP: {type(exc).__name__}: {exc}") from _dropped(client, exc)
        if len(self.idle) < POOL_SIZE:
            self.idle.append((client, time.monotonic()))
        else:
            await _quit(client)

    async def _take(self):
        """Return (client, reused): a connection used recently, else a new one."""
        while self.idle:
            client, since = self.idle.pop()
            if client.is_connected and time.monotonic() - since < IDLE_SECONDS:
                return client, True
            await _quit(client)
        return await self._connect(), False

    async def _connect(self):
        """Open, greet and log in to the SMTP server."""
        if self.local_hostname is None:
            # aiosmtplib asks the resolver for this on every connection otherwise.
            self.local_hostname = await asyncio.get_running_loop().run_in_executor(None, socket.getfqdn)
        s = self.settings
        client = aiosmtplib.SMTP(hostname=s.smtp_host, port=s.smtp_port, username=s.smtp_user or None,
                                 password=s.smtp_password or None, use_tls=s.smtp_tls, start_tls=s.smtp_starttls,
                                 timeout=s.smtp_timeout, local_hostname=self.local_hostname)
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError) as exc:
            client.close()
            raise TransportError(f"SMTP: {type(exc).__name__}: {exc}") from exc
        return client


def _dropped(client, exc):
    """Close a connection that saw an error (its state is unknown); return exc."""
    client.close()
    return exc


async def _quit(client):
    """Say goodbye on a kept connection, ignoring a server that already went."""
    try:
        if client.is_connected:
            await client.quit()
    except (aiosmtplib.SMTPException, OSError, asyncio.TimeoutError):
        client.close()


def _refused(exc):
    """Return the error for a refused recipient: a 5xx is final, a 4xx is worth retrying."""
    return TransportError(f"SMTP refused {exc.recipient}: {exc.code} {exc.message}", permanent=exc.code >= 500)


def build_email(settings, address, message):
    """Return the bytes of a multipart/alternative email with a plain-text and an HTML part.

    Written out directly, every line ASCII: headers with non-ASCII words as RFC 2047
    encoded words, both parts UTF-8 in base64. The email package's EmailMessage took 2.6-5 ms
    to build one (its header registry parses every header) and aiosmtplib another 0.5-1.4 ms
    to flatten it (re-folding every header); this takes about 0.1 ms.
    """
    boundary = BOUNDARY
    headers = [("Subject", _header(" ".join(message.subject.split()))),  # one line: no break in it
               ("From", _address(settings.smtp_from)), ("To", address)]
    if settings.smtp_reply_to:
        headers.append(("Reply-To", _address(settings.smtp_reply_to)))
    headers += [("Date", formatdate(localtime=False)), ("Message-ID", make_msgid(domain=_domain(settings.smtp_from))),
                ("Content-Language", message.lang.replace("_", "-")), ("MIME-Version", "1.0"),
                ("Content-Type", f'multipart/alternative; boundary="{boundary}"')]
    lines = [f"{name}: {value}" for name, value in headers] + [""]
    for subtype, text in (("plain", message.plain()), ("html", message.html or plain_to_html(message))):
        lines += [f"--{boundary}", f'Content-Type: text/{subtype}; charset="utf-8"',
                  "Content-Transfer-Encoding: base64", "", base64.encodebytes(text.encode()).decode().rstrip("\n")]
    lines += [f"--{boundary}--", ""]
    return "\r\n".join(lines).replace("\n", "\r\n").replace("\r\r\n", "\r\n").encode("ascii")


def _header(text):
    """Return a header value: as it is when ASCII, else RFC 2047 encoded words, one a line.

    Each word carries at most 42 bytes of UTF-8, cut between characters, so that even the
    first line ("Subject: " and a word) stays within 78 characters. The email package's
    Header took about as long as the rest of the message together.
    """
    if text.isascii():
        return text
    words, chunk = [], b""
    for char in text:
        data = char.encode()
        if len(chunk) + len(data) > 42:
            words.append(chunk)
            chunk = b""
        chunk += data
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode()}?=" for w in words)


@functools.lru_cache(maxsize=16)
def _sender(text):
    """Return the bare address of a From setting, for MAIL FROM."""
    return parseaddr(text)[1]


@functools.lru_cache(maxsize=16)
def _address(text):
    """Return an address header value, its display name encoded when it is not ASCII."""
    name, address = parseaddr(text)
    return formataddr((name, address), charset="utf-8") if address else _header(text)


def _domain(address):
    """Return the domain of a From address, for Message-ID."""
    return address.rsplit("@", 1)[-1].strip(" >") or "localhost"


def plain_to_html(message):
    """Return a minimal HTML body for a message that brought none: every text escaped."""
    paragraphs = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in message.text.split("\n\n"))
    links = "".join(f'<p><a href="{html.escape(k.url)}">{html.escape(k.label)}</a></p>' for k in message.links)
    return (f'<!doctype html><html lang="{html.escape(message.lang.replace("_", "-"))}"><body>'
            f"<h2>{html.escape(message.subject)}</h2>{paragraphs}{links}</body></html>")
