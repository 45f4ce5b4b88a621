"""Backends for testing the wire server alone: they echo, or burn the CPU for a while."""

import time


class EchoBackend:
    """Answer every command with the command and database it received."""

    def __init__(self, data_dir):
        self.data_dir = data_dir
        self.seen = []

    def run(self, db_name, command):
        """Remember the command (without the driver's session id, which engines ignore) and echo it back."""
        command = {k: v for k, v in command.items() if k != "lsid"}
        self.seen.append((db_name, command))
        if "slow" in command:
            _burn(float(command["slow"]))
        return {"ok": 1, "db": db_name, "echo": command}

    def close(self):
        """Nothing to close."""


class BrokenBackend(EchoBackend):
    """Raise on every command, as a backend must not."""

    def run(self, db_name, command):
        """Fail."""
        raise RuntimeError("backend bug")


def _burn(seconds):
    """Keep the CPU busy in Python (holding the GIL between switches), like a slow aggregate."""
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n = (n * 31 + 7) % 1_000_003
    return n
