"""Start the database under test as a child process: the new engine (wiremongo) or the old one (baseline).

Each starter returns a Server with the process id (for its RSS), a client URI, and stop/kill.
`start_new` is the one place to adapt if wiremongo's launcher changes.
"""

import importlib.util
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE_READY = "baseline-db ready on port "


class Server:
    """A running database process."""

    def __init__(self, pid, uri, stop):
        self.pid, self.uri, self._stop = pid, uri, stop

    def stop(self):
        """Stop the server and wait for it to exit."""
        self._stop()

    def kill(self):
        """Kill the server at once (after a step gave up on it), then clean up."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self._stop()

    def rss_mb(self):
        """Return the resident and peak resident set size of the process, in MB."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def new_engine_missing():
    """Return why the new engine cannot run here, or None."""
    if importlib.util.find_spec("wiremongo") is None or importlib.util.find_spec("wiremongo.launcher") is None:
        return "wiremongo is not importable (the new engine has not landed here)"
    return None


def old_engine_missing():
    """Return why the old engine cannot run here, or None."""
    if importlib.util.find_spec("mockupdb") is None or importlib.util.find_spec("litemongo") is None:
        return "mockupdb and litemongo are not installed (pip install -e '.[bench]')"
    return None


def start_new(data_dir):
    """Start wiremongo on data_dir through its launcher."""
    from wiremongo.launcher import Lease

    lease = Lease(data_dir, cwd=ROOT).start()
    return Server(lease.state["pid"], lease.uri, lease.stop)


def start_old(data_dir, timeout=60.0):
    """Start the mockupdb + litemongo server on data_dir, on a free TCP port."""
    process = subprocess.Popen([sys.executable, "-m", "bench.baseline", "--data-dir", str(data_dir)],
                               stdout=subprocess.PIPE, text=True, cwd=ROOT, start_new_session=True)
    line = _first_line(process, timeout)
    if not line.startswith(BASELINE_READY):
        process.kill()
        process.wait()
        raise RuntimeError(f"the baseline server did not start: {line!r}")
    port = int(line[len(BASELINE_READY):])

    def stop():
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    return Server(process.pid, f"mongodb://127.0.0.1:{port}/?directConnection=true", stop)


def _first_line(process, timeout):
    box = []
    reader = threading.Thread(target=lambda: box.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return box[0].strip() if box else ""


STARTERS = {"new": (start_new, new_engine_missing), "old": (start_old, old_engine_missing)}
