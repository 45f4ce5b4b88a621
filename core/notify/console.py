"""The console channel: print the message, for development."""

import sys


class ConsoleTransport:
    """Write each message to standard output (or another stream) instead of sending it."""

    channel = "console"
    configured = True

    def __init__(self, settings=None, stream=None):
        self.stream = stream

    async def open(self):
        """Nothing to open."""

    async def close(self):
        """Nothing to close."""

    async def send(self, recipient, message):
        """Print one message with the channel and address it was meant for."""
        out = self.stream or sys.stdout
        rule = "-" * 72
        print(f"{rule}\n[{recipient.channel} → {recipient.address}, {message.lang}] {message.subject}\n"
              f"{message.plain()}\n{rule}", file=out, flush=True)
