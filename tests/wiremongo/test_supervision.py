"""The server goes with its last user however that user ends, and comes back when it dies."""

import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pymongo
import pytest

from wiremongo.launcher import LaunchError, Lease, socket_uri

ROOT = Path(__file__).resolve().parents[2]
BACKEND = "tests.wiremongo.backends:EchoBackend"
OWNER = f"""
import sys, time
from wiremongo.launcher import Lease
lease = Lease(sys.argv[1], backend={BACKEND!r}).start().supervise()
print(lease.state["pid"], flush=True)
time.sleep(120)
"""


@pytest.fixture
def start_owner():
    """Return a function that starts an owner; end every owner and close its pipe after the test."""
    owners = []

    def start(data_dir):
        """Start a process that starts (or shares) the server and then just waits; return it and the server pid."""
        owner = subprocess.Popen([sys.executable, "-c", OWNER, str(data_dir)], cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True)
        owners.append(owner)
        return owner, int(owner.stdout.readline())

    yield start
    for owner in owners:
        owner.kill()
        owner.communicate(timeout=10)


def alive(pid):
    """Tell whether pid runs (a zombie waiting for its parent counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_gone(pid, timeout=5.0):
    deadline = time.monotonic() + timeout
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not alive(pid)


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGKILL, signal.SIGTERM, signal.SIGINT],
                         ids=["SIGHUP", "SIGKILL", "SIGTERM", "SIGINT"])
def test_it_leaves_no_database_process_when_its_owner_ends(tmp_path, signum, start_owner):
    owner, server_pid = start_owner(tmp_path)
    assert alive(server_pid)
    owner.send_signal(signum)
    owner.wait(10)
    assert wait_gone(server_pid), "the database outlived its owner"
    assert not (tmp_path / "wiremongo.sock").exists()


def test_it_is_shared_and_stops_when_the_last_user_is_gone(tmp_path, start_owner):
    first, server_pid = start_owner(tmp_path)
    second, shared_pid = start_owner(tmp_path)
    assert shared_pid == server_pid
    first.kill()
    first.wait()
    time.sleep(1.0)
    assert alive(server_pid)
    with pymongo.MongoClient(socket_uri(tmp_path / "wiremongo.sock"), serverSelectionTimeoutMS=2000) as client:
        assert client.admin.command("ping") == {"ok": 1}
    second.kill()
    second.wait()
    assert wait_gone(server_pid)


def test_it_restarts_a_killed_server_within_two_seconds(tmp_path):
    lease = Lease(tmp_path, backend=BACKEND, cwd=ROOT).start().supervise()
    try:
        with pymongo.MongoClient(lease.uri, serverSelectionTimeoutMS=5000) as client:
            assert client.admin.command("ping") == {"ok": 1}
            old_pid = lease.state["pid"]
            os.kill(old_pid, signal.SIGKILL)
            killed = time.monotonic()
            while True:
                try:
                    assert client.app.command({"find": "c"})["echo"] == {"find": "c"}
                    break
                except pymongo.errors.AutoReconnect:
                    time.sleep(0.05)
            elapsed = time.monotonic() - killed
        print(f"back {elapsed:.2f} s after kill -9")
        new_pid = lease.data_dir.read_state()["pid"]  # written before it answers; lease.state may lag
        assert elapsed <= 2.0 and new_pid != old_pid
    finally:
        lease.stop()
    assert not Path(f"/proc/{new_pid}").exists()  # gone and reaped when stop() returns


def run_alone(data_dir, *args):
    return subprocess.run([sys.executable, "-m", "wiremongo", "--data-dir", str(data_dir),
                           "--backend", BACKEND, *args], cwd=ROOT, capture_output=True, text=True, timeout=30)


def test_it_exits_2_with_one_line_on_a_busy_port(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run_alone(tmp_path, "--port", str(port))
        assert result.returncode == 2 and result.stderr.strip().count("\n") == 0
        assert f"port {port}" in result.stderr and "in use" in result.stderr
        with pytest.raises(LaunchError, match="in use"):
            Lease(tmp_path / "other", port=port, backend=BACKEND, cwd=ROOT).start()


def test_it_exits_2_with_one_line_on_a_socket_another_program_listens_on(tmp_path):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as squatter:
        squatter.bind(str(tmp_path / "wiremongo.sock"))
        squatter.listen()
        result = run_alone(tmp_path)
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0 and "in use" in result.stderr


def test_it_exits_2_with_one_line_on_a_data_directory_of_another_version(tmp_path):
    (tmp_path / "format-version").write_text("wiremongo 0\n")
    result = run_alone(tmp_path)
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0
    assert "another version" in result.stderr
    older = tmp_path / "older"
    (older / "db").mkdir(parents=True)
    (older / "db" / "liftwatch.sqlite").write_bytes(b"SQLite format 3\x00")
    assert run_alone(older).returncode == 2


def test_it_exits_2_with_one_line_when_the_engine_refuses_the_data_directory(tmp_path):
    (tmp_path / "format-version").write_text("wiremongo 1\n")
    (tmp_path / "db" / "liftwatch").mkdir(parents=True)  # a folder per database: another store's layout
    result = subprocess.run([sys.executable, "-m", "wiremongo", "--data-dir", str(tmp_path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0
    assert "another format" in result.stderr


def test_it_refuses_a_second_server_on_the_same_data_directory(tmp_path):
    lease = Lease(tmp_path, backend=BACKEND, cwd=ROOT).start()
    try:
        result = run_alone(tmp_path)
        assert result.returncode == 2 and "already serves" in result.stderr
    finally:
        lease.stop()


def test_it_says_where_to_look_when_the_server_cannot_start(tmp_path):
    with pytest.raises(LaunchError, match=r"^ModuleNotFoundError: No module named [^\n]*$"):
        Lease(tmp_path, backend="tests.wiremongo.no_such_module:Backend", cwd=ROOT).start()
    assert "No module named" in (tmp_path / "wiremongo.log").read_text()
    with pytest.raises(LaunchError, match=r"exited with status -9 as it started; see .*wiremongo\.log"):
        _start_killed(tmp_path)


def _start_killed(data_dir):
    """Start a lease whose server is killed before it says anything."""
    script = data_dir / "python"
    script.write_text("#!/bin/sh\nkill -9 $$\n")
    script.chmod(0o755)
    Lease(data_dir, python=str(script), cwd=ROOT).start()


def test_it_refuses_to_share_a_server_without_the_tcp_port_asked_for(tmp_path):
    lease = Lease(tmp_path, backend=BACKEND, cwd=ROOT).start()
    try:
        with pytest.raises(LaunchError, match=r"already runs \(pid \d+\) with TCP port None, not 27999"):
            Lease(tmp_path, port=27999, backend=BACKEND, cwd=ROOT).start()
        second = Lease(tmp_path, backend=BACKEND, cwd=ROOT).start()
        assert second.state["pid"] == lease.state["pid"]
        second.stop()
    finally:
        lease.stop()
    assert not Path(f"/proc/{lease.state['pid']}").exists()


def test_it_gives_up_on_a_server_that_never_finishes_stopping(tmp_path):
    tmp_path.mkdir(exist_ok=True)
    with open(tmp_path / "users.lock", "a+") as stuck:
        fcntl.flock(stuck, fcntl.LOCK_EX)  # what a stopping server holds
        with pytest.raises(LaunchError, match="is stopping and did not finish within 1 s"):
            Lease(tmp_path, backend=BACKEND, cwd=ROOT).start(timeout=1.0)
