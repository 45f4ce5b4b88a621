"""The embedded default database: wiremongo, started and shared through its launcher.

`serve`, `demo`, `labels` and `db` use it when no LIFTWATCH_MONGODB_URI is set. wiremongo
and its dependencies are imported only here, inside functions, so a process configured
with a real MongoDB never loads them.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class EmbeddedError(Exception):
    """The embedded database cannot start or be shared; one line for a person (exit status 2)."""


class EmbeddedProcess:
    """This process's use of the embedded database of a data directory."""

    def __init__(self, data_dir, port=None):
        self.data_dir = Path(data_dir).absolute()
        self.port = port
        self.lease = None

    def start(self, timeout=30.0):
        """Start or share the server, keep it running while in use, and return its socket URI."""
        from wiremongo.launcher import LaunchError, Lease
        lease = Lease(self.data_dir, port=self.port, cwd=ROOT)
        try:
            lease.start(timeout)
        except LaunchError as exc:
            raise EmbeddedError(str(exc)) from None
        self.lease = lease.supervise()
        return lease.uri

    @property
    def tcp_uri(self):
        """Return the TCP URI with credentials, or None when the server listens only on its socket."""
        return self.lease.tcp_uri

    @property
    def pid(self):
        """Return the server's process id."""
        return self.lease.state["pid"]

    def stop(self):
        """Stop using the server; it exits when its last user has stopped."""
        if self.lease is not None:
            self.lease.stop()
            self.lease = None
