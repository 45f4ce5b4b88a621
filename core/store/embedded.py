"""The embedded default database: a MongoDB wire-protocol server over SQLite files.

It runs in its own process (`liftwatch db`), so SQLite work never blocks the portal's
event loop. `start_embedded` is what `serve` and `demo` call when no URI is configured:
it reuses a server already running on the same data directory, or starts one.
"""

import argparse
import concurrent.futures
import fcntl
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import litemongo
import mockupdb

from core.store.commands import Commands

log = logging.getLogger(__name__)

READY = "liftwatch-db ready on port "
_MORE_TO_COME = 2


def _short_repr(self):
    return f"<{type(self).__name__}>"


# mockupdb formats every request and reply with repr() for a debug log line before it
# checks whether logging is on; that repr renders whole documents as JSON and cost about
# a third of the server's CPU (bench/portal.py). Requests and replies are never printed here.
for _cls in (mockupdb.Request, mockupdb.OpQuery, mockupdb.Reply, mockupdb.OpMsgReply):
    _cls.__repr__ = _short_repr


class EmbeddedServer:
    """Serve one data directory on 127.0.0.1 until stopped."""

    def __init__(self, data_dir, port=0):
        self.data_dir = Path(data_dir).absolute()
        self.port = port
        self._lock_file = None
        self._server = None
        # litemongo's SQLite connections belong to the thread that opened them, and mockupdb
        # answers each client connection on its own thread: one worker thread does all the work.
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="liftwatch-db")
        self._client = None
        self._commands = None

    def start(self):
        """Lock the data directory, open the store and start listening; return the port."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_file = _lock(self.data_dir / "embedded.lock")
        self._worker.submit(self._open_store).result()
        self._server = mockupdb.MockupDB(port=self.port, request_timeout=int(1e6))
        self._server.autoresponds(self._respond)
        self.port = self._server.run()
        (self.data_dir / "embedded.port").write_text(str(self.port))
        return self.port

    def stop(self):
        """Stop listening, close the store and release the data directory."""
        if self._server is not None:
            self._server.stop()
        self._worker.submit(self._client.close).result()
        self._worker.shutdown()
        (self.data_dir / "embedded.port").unlink(missing_ok=True)
        self._lock_file.close()

    def _open_store(self):
        # litemongo needs an absolute path: a relative sqlite:/// URI resolves differently.
        self._client = litemongo.connect(f"sqlite:///{self.data_dir / 'db'}", tz_aware=False)
        self._commands = Commands(self._client)

    def _respond(self, request):
        """Answer one wire-protocol request through the worker thread."""
        cmd = dict(request.doc)
        db_name = cmd.pop("$db", None) or request.namespace.split(".")[0]
        reply = self._worker.submit(self._commands.run, db_name, cmd).result()
        if isinstance(request, mockupdb.OpMsg) and request.flags & _MORE_TO_COME:
            return True  # an unacknowledged write: the client waits for no reply
        request.replies(reply)
        return True


def _lock(path):
    """Hold an exclusive lock on path, or exit naming the server that holds it."""
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise SystemExit(f"another liftwatch db already serves {path.parent}")
    return handle


def is_locked(data_dir):
    """Tell whether an embedded server holds data_dir now."""
    path = Path(data_dir).absolute() / "embedded.lock"
    if not path.exists():
        return False
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def uri_for(port):
    """Return the client URI of an embedded server on port."""
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


class EmbeddedProcess:
    """A child process running the embedded server, owned by serve or demo."""

    def __init__(self, data_dir, port=0):
        self.data_dir = Path(data_dir).absolute()
        self.port = port
        self.process = None
        self._reader = None

    def start(self, timeout=30.0):
        """Reuse the server that holds data_dir, or start one; return its URI."""
        port_file = self.data_dir / "embedded.port"
        if is_locked(self.data_dir) and port_file.exists():
            return uri_for(int(port_file.read_text()))
        cmd = [sys.executable, "-m", "core.store.embedded", "--data-dir", str(self.data_dir),
               "--port", str(self.port)]
        # A session of its own: Ctrl-C in the terminal must not stop the database before the
        # portal has finished its requests; the owner stops it after the portal is down.
        self.process = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, start_new_session=True,
                                        cwd=Path(__file__).resolve().parents[2])
        return uri_for(self._wait_ready(timeout))

    def _wait_ready(self, timeout):
        reader = self._reader = _LineReader(self.process.stdout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = reader.line(0.2)
            if line and line.startswith(READY):
                return int(line[len(READY):])
            if self.process.poll() is not None:
                raise RuntimeError(f"the embedded database exited with code {self.process.returncode}")
        self.stop()
        raise RuntimeError("the embedded database did not start in time")

    def stop(self):
        """Stop the child if this object started it."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._reader.thread.join(5)  # it reads to the end of the pipe, which came with the exit
        self.process.stdout.close()


class _LineReader:
    """Read lines from a pipe with a timeout, on a helper thread."""

    def __init__(self, stream):
        self._lines = []
        self._event = threading.Event()
        self.thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self.thread.start()

    def _pump(self, stream):
        for line in stream:
            self._lines.append(line.strip())
            self._event.set()

    def line(self, timeout):
        """Return the next line, or None if none came within timeout."""
        if not self._lines:
            self._event.wait(timeout)
            self._event.clear()
        return self._lines.pop(0) if self._lines else None


def run(data_dir, port):
    """Run the embedded server in this process until SIGTERM or SIGINT."""
    server = EmbeddedServer(data_dir, port)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    bound = server.start()
    print(f"{READY}{bound}", flush=True)
    try:
        stopping.wait()
    finally:
        server.stop()


def add_arguments(parser):
    """Add the embedded server's options to an argument parser."""
    parser.add_argument("--data-dir", default=os.environ.get("LIFTWATCH_DATA_DIR", "var"),
                        help="where the data files live (LIFTWATCH_DATA_DIR, default ./var)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LIFTWATCH_DB_PORT", "27018")),
                        help="port on 127.0.0.1 (LIFTWATCH_DB_PORT, default 27018; 0 picks a free one)")


def main(argv=None):
    """Parse arguments and run the embedded server."""
    parser = argparse.ArgumentParser(prog="liftwatch db")
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    run(args.data_dir, args.port)


if __name__ == "__main__":
    main()
