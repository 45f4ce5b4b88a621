"""A real SMTP server on loopback (aiosmtpd) that keeps what it received and can refuse addresses."""

import email
import email.policy
import socket

from aiosmtpd.controller import Controller


def free_port():
    """Return a loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPStandin:
    """Accept mail like a mail server; `refuse[address] = "550 ..."` answers RCPT with that reply."""

    def __init__(self):
        self.received = []
        self.refuse = {}
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        """Take or refuse one recipient."""
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        """Keep the message, parsed."""
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"
