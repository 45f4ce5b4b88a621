"""Start, share, supervise and leave the embedded database of a data directory.

Every process that uses the database holds a shared lock on `users.lock` for as long as it
does. The server itself owns its lifetime: it polls that lock and exits once nobody holds it,
so it goes with its last user however that user ends (SIGKILL included: the kernel drops
the dead process's locks). A user that finds the server gone starts a new one.
"""

import fcntl
import json
import logging
import os
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from wiremongo.__main__ import FAILED, READY
from wiremongo.auth import load_or_create_credentials
from wiremongo.datadir import DataDir, StartError, is_held, lock

log = logging.getLogger("wiremongo.launcher")

WATCH_SECONDS = 0.2


class LaunchError(Exception):
    """The database could not be started or shared; the message is one line for a person."""


def socket_uri(socket_path):
    """Return the client URI of a Unix socket (pymongo wants the path percent-encoded)."""
    return f"mongodb://{urllib.parse.quote(os.fspath(socket_path), safe='')}/?directConnection=true"


def tcp_uri(data_dir, port):
    """Return the client URI of the TCP listener, with the generated credentials."""
    credentials = load_or_create_credentials(Path(data_dir))
    return (f"mongodb://{credentials['user']}:{urllib.parse.quote(credentials['password'], safe='')}"
            f"@127.0.0.1:{port}/?directConnection=true&authSource=admin&authMechanism=SCRAM-SHA-256")


def reap_later(process):
    """Wait on a thread for a server process this process started, so it leaves no zombie."""
    if process is not None and process.poll() is None:
        threading.Thread(target=process.wait, daemon=True, name="wiremongo-reap").start()


class Lease:
    """One process's use of the database of a data directory: start or share it, keep it up, leave it."""

    def __init__(self, data_dir, port=None, backend=None, cwd=None, python=sys.executable):
        self.data_dir = DataDir(data_dir)
        self.port = port
        self.backend = backend
        self.cwd = cwd
        self.python = python
        self.state = None
        self.process = None
        self._users = None
        self._stop = threading.Event()
        self._watcher = None

    @property
    def uri(self):
        """Return the Unix-socket URI of the server."""
        return socket_uri(self.state["socket"])

    @property
    def tcp_uri(self):
        """Return the TCP URI with credentials, or None if the server has no TCP listener."""
        return tcp_uri(self.data_dir.path, self.state["port"]) if self.state.get("port") else None

    def start(self, timeout=30.0):
        """Join the users and make sure a server runs; raise LaunchError."""
        try:
            self.data_dir.prepare()
        except StartError as exc:
            raise LaunchError(str(exc)) from None
        self._users = self._join_users(timeout)
        try:
            self.state = self._ensure_running(timeout)
        except BaseException:
            self._users.close()
            raise
        return self

    def _join_users(self, timeout):
        """Take a shared lock on users.lock; a server that is stopping holds it exclusively meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            held = lock(self.data_dir.users_lock, fcntl.LOCK_SH, blocking=False)
            if held is not None:
                return held
            if time.monotonic() > deadline:
                raise LaunchError(f"the embedded database of {self.data_dir.path} is stopping and did not "
                                  f"finish within {timeout:.0f} s")
            time.sleep(0.02)

    def supervise(self):
        """Restart the server on a thread whenever it dies, until stop()."""
        self._watcher = threading.Thread(target=self._watch, daemon=True, name="wiremongo-watch")
        self._watcher.start()
        return self

    def stop(self, timeout=10.0):
        """Leave the users; if this was the last one, wait for the server to exit."""
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join()
        if self._users is None:
            return
        self._users.close()
        self._users = None
        last = lock(self.data_dir.users_lock, fcntl.LOCK_EX, blocking=False)
        if last is None:
            reap_later(self.process)  # others still use it
            return
        last.close()
        deadline = time.monotonic() + timeout
        while is_held(self.data_dir.server_lock) and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.process is not None:
            try:
                self.process.wait(max(0.1, deadline - time.monotonic()))  # reap it: no zombie left behind
            except subprocess.TimeoutExpired:
                pass

    def _ensure_running(self, timeout):
        """Start a server unless one holds the data directory; return its state."""
        with lock(self.data_dir.start_lock, fcntl.LOCK_EX):
            if is_held(self.data_dir.server_lock):
                state = self.data_dir.read_state()
                if state is None:
                    raise LaunchError(f"the embedded database of {self.data_dir.path} runs but left no server.json")
                if self.port is not None and self.port != state.get("port"):
                    raise LaunchError(f"the embedded database of {self.data_dir.path} already runs (pid "
                                      f"{state['pid']}) with TCP port {state.get('port')}, not {self.port}; "
                                      f"stop its users first")
                return state
            return self._spawn(timeout)

    def _spawn(self, timeout):
        """Start the server process and wait for its ready line."""
        reap_later(self.process)  # the one that died, or is still on its way out
        cmd = [self.python, "-m", "wiremongo", "--data-dir", str(self.data_dir.path), "--supervised"]
        if self.port is not None:
            cmd += ["--port", str(self.port)]
        if self.backend:
            cmd += ["--backend", self.backend]
        with open(self.data_dir.log_file, "ab") as log_file:
            # A session of its own: Ctrl-C or a closed terminal reaches the users, not the shared server;
            # it stops when its last user is gone.
            self.process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                            stderr=log_file, cwd=self.cwd, start_new_session=True)
        return self._wait_ready(timeout)

    def _wait_ready(self, timeout):
        """Wait for the server's first line; close its pipe whatever the line says."""
        reader = threading.Thread(target=self._read_first_line, daemon=True)
        self._first_line = b""
        reader.start()
        reader.join(timeout)
        try:
            return self._read_ready(reader, timeout)
        finally:
            reader.join(5)  # a killed or failed server closes its end: the reader sees end of file
            self.process.stdout.close()

    def _read_ready(self, reader, timeout):
        """Return the state the ready line carries; raise LaunchError for any other start."""
        line = self._first_line.decode("utf-8", "replace").strip()
        if line.startswith(READY):
            return json.loads(line[len(READY):])
        if line.startswith(FAILED):
            self.process.wait(5)
            raise LaunchError(json.loads(line[len(FAILED):])["message"])
        if reader.is_alive():  # no line and no end of file: it hangs
            self.process.kill()
            self.process.wait()
            raise LaunchError(f"the embedded database did not start within {timeout:.0f} s; "
                              f"see {self.data_dir.log_file}")
        raise LaunchError(f"the embedded database exited with status {self.process.wait()} as it started; "
                          f"see {self.data_dir.log_file}")

    def _read_first_line(self):
        self._first_line = self.process.stdout.readline()

    def _watch(self):
        """Check every WATCH_SECONDS that the server lives; start a new one when it has died."""
        pause = WATCH_SECONDS
        while not self._stop.wait(pause):
            pause = WATCH_SECONDS
            if is_held(self.data_dir.server_lock):
                continue
            if self.port is None and self.state.get("port"):
                self.port = self.state["port"]  # the one that died listened on TCP too: so does its successor
            try:
                self.state = self._ensure_running(30.0)
                log.warning("the embedded database of %s stopped; started again (pid %s)",
                            self.data_dir.path, self.state["pid"])
            except LaunchError as exc:
                log.error("the embedded database of %s stopped and cannot start: %s", self.data_dir.path, exc)
                pause = 5.0
