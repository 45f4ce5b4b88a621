"""The files of a data directory: socket, locks, state, format version; all private to its owner."""

import fcntl
import hashlib
import json
import os
import socket
import tempfile
from pathlib import Path

FORMAT_VERSION = "wiremongo 1"
# sockaddr_un.sun_path holds 108 bytes with the final NUL; stay clear of the edge.
MAX_SOCKET_PATH = 100


class StartError(Exception):
    """The server cannot start; the message is one line for a person, and the exit status is 2."""


class DataDir:
    """Name the files of one data directory."""

    def __init__(self, path):
        self.path = Path(path).absolute()
        self.db = self.path / "db"
        self.state_file = self.path / "server.json"
        self.format_file = self.path / "format-version"
        self.server_lock = self.path / "server.lock"  # held by the running server
        self.users_lock = self.path / "users.lock"  # shared by every process using the server
        self.start_lock = self.path / "start.lock"  # held while a server is being started
        self.log_file = self.path / "wiremongo.log"

    @property
    def socket_path(self):
        """Return where the Unix socket lives: in the data directory, or a private /tmp folder if too long."""
        inside = self.path / "wiremongo.sock"
        if len(os.fsencode(inside)) <= MAX_SOCKET_PATH:
            return inside
        digest = hashlib.sha256(os.fsencode(self.path)).hexdigest()[:16]
        base = tempfile.gettempdir()
        if len(base) > 40:
            base = "/tmp"
        return Path(base) / f"wiremongo-{os.getuid()}-{digest}" / "wiremongo.sock"

    def prepare(self):
        """Create the directory (mode 0700) and check that this version can read it."""
        self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.path, 0o700)
        self._check_format()
        if self.socket_path.parent != self.path:
            private_folder(self.socket_path.parent)

    def _check_format(self):
        if self.format_file.exists():
            found = self.format_file.read_text().strip()
            if found != FORMAT_VERSION:
                raise StartError(f"{self.path} was written by another version of the embedded database "
                                 f"({found!r}, this is {FORMAT_VERSION!r}); move it away or use that version")
            return
        if self.db.exists() and any(self.db.iterdir()):
            raise StartError(f"{self.path} holds a database of an older embedded version (no format-version "
                             f"file); move it away to start afresh")
        self.format_file.write_text(FORMAT_VERSION + "\n")

    def read_state(self):
        """Return what the running server recorded (pid, socket, port), or None."""
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return None

    def write_state(self, state):
        """Record the running server's pid, socket and port, atomically."""
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(state))
        os.replace(temporary, self.state_file)


def private_folder(folder):
    """Make folder a directory only its owner can enter, or refuse one somebody else made."""
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(folder)
    if not os.path.isdir(folder) or os.path.islink(folder) or info.st_uid != os.getuid() \
            or info.st_mode & 0o077:
        raise StartError(f"{folder} is not a private folder of this user; remove it")


def lock(path, mode, blocking=True):
    """Return an open file holding flock mode on path, or None if it is held elsewhere (non-blocking)."""
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, mode if blocking else mode | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def is_held(path):
    """Tell whether some process holds any flock on path now."""
    handle = lock(path, fcntl.LOCK_EX, blocking=False)
    if handle is None:
        return True
    handle.close()
    return False


def answers(socket_path, timeout=1.0):
    """Tell whether something accepts connections on a Unix socket path."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(timeout)
    try:
        probe.connect(os.fspath(socket_path))
        return True
    except socket.timeout:
        return True  # a full backlog: somebody is listening
    except OSError:
        return False
    finally:
        probe.close()
