"""The embedded default database: wiremongo, started and shared through its launcher.

`serve`, `demo`, `labels` and `db` use it when no LIFTWATCH_MONGODB_URI is set. wiremongo
and its dependencies are imported only here, inside functions, so a process configured
with a real MongoDB never loads them.
"""

import concurrent.futures
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The storage behind the wire server: litemongo through core.store.commands until
# wiremongo's own engine (wiremongo.commands:Commands) takes over; None means wiremongo's default.
BACKEND = "core.store.embedded:LegacyBackend"


class EmbeddedError(Exception):
    """The embedded database cannot start or be shared; one line for a person (exit status 2)."""


class LegacyBackend:
    """Run commands on litemongo, one at a time, on the one thread its SQLite connections belong to."""

    def __init__(self, data_dir):
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="litemongo")
        self._client = None
        self._commands = None
        self._worker.submit(self._open, Path(data_dir)).result()

    def _open(self, data_dir):
        import litemongo

        from core.store.commands import Commands
        # litemongo needs an absolute path: a relative sqlite:/// URI resolves differently.
        self._client = litemongo.connect(f"sqlite:///{data_dir.absolute() / 'db'}", tz_aware=False)
        self._commands = Commands(self._client)

    def run(self, db_name, command):
        """Run one command document on the worker thread and return the reply."""
        return self._worker.submit(self._commands.run, db_name, command).result()

    def close(self):
        """Close the store and the worker thread."""
        self._worker.submit(self._client.close).result()
        self._worker.shutdown()


class EmbeddedProcess:
    """This process's use of the embedded database of a data directory."""

    def __init__(self, data_dir, port=None):
        self.data_dir = Path(data_dir).absolute()
        self.port = port
        self.lease = None

    def start(self, timeout=30.0):
        """Start or share the server, keep it running while in use, and return its socket URI."""
        from wiremongo.launcher import LaunchError, Lease
        lease = Lease(self.data_dir, port=self.port, backend=BACKEND, cwd=ROOT)
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
