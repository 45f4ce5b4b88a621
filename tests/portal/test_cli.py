"""The liftwatch command as a user runs it: demo, labels and serve on the embedded default."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pypdfium2

from tests.portal.conftest import free_port

LIFTWATCH = [sys.executable, "-m", "portal.cli"]


def run(args, data_dir, **extra):
    env = {**os.environ, "LIFTWATCH_DATA_DIR": str(data_dir), **extra}
    env.pop("LIFTWATCH_MONGODB_URI", None)
    return subprocess.run(LIFTWATCH + args, env=env, capture_output=True, text=True, timeout=300)


def test_it_loads_the_demo_once_prints_page_addresses_and_runs_its_jobs(tmp_path):
    first = run(["demo"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert "demo district loaded" in first.stdout
    urls = re.findall(r"http://127\.0\.0\.1:8000/e/(\d{20})", first.stdout)
    assert len(urls) >= 3
    again = run(["demo"], tmp_path)
    assert "already loaded" in again.stdout and re.search(r"elevators=(\d+)", again.stdout).group(1) == \
        re.search(r"elevators=(\d+)", first.stdout).group(1)
    labels = run(["labels", "--firm", "F01", "--out", str(tmp_path / "labels")], tmp_path,
                 LIFTWATCH_PUBLIC_URL="https://lift.example.cn")
    assert labels.returncode == 0, labels.stderr
    pdf = tmp_path / "labels" / "F01.pdf"
    assert pdf.exists() and len(pypdfium2.PdfDocument(pdf)) >= 2
    assert not (tmp_path / "embedded.port").exists()  # the embedded server was stopped
    check_worker_and_jobs(tmp_path)


def check_worker_and_jobs(tmp_path):
    """List the demo's jobs, run the worker alone until none is pending, list them again."""
    listing = run(["jobs"], tmp_path)
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.split()[:3] == ["kind", "state", "count"]
    # The demo's pages asked for their firms' grading, left to the next worker.
    assert re.search(r"^grade\s+pending\s+\d+$", listing.stdout, re.M), listing.stdout
    env = {**os.environ, "LIFTWATCH_DATA_DIR": str(tmp_path)}
    env.pop("LIFTWATCH_MONGODB_URI", None)
    worker = subprocess.Popen(LIFTWATCH + ["worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        assert "worker running" in worker.stdout.readline()
        deadline = time.monotonic() + 60
        while pending_work(listing.stdout) and time.monotonic() < deadline:
            listing = run(["jobs"], tmp_path)
    finally:
        worker.send_signal(signal.SIGINT)
        assert worker.wait(30) == 0
        worker.stdout.close()
    assert re.search(r"^grade\s+done\s+\d+$", listing.stdout, re.M) and not pending_work(listing.stdout), listing.stdout


def pending_work(listing):
    """Tell whether jobs other than deliveries are pending.

    Deliveries wait here on purpose: the daily round warns the demo's contacts by email, and
    this test configures no SMTP server, so those stay pending and are retried.
    """
    return bool(re.search(r"^(?!deliver\s)\S+\s+pending\s+\d+$", listing, re.M))


def test_it_builds_a_demo_of_the_size_asked_with_a_progress_bar(tmp_path):
    done = run(["demo", "--elevators", "30", "--years", "2"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "elevators=30" in done.stdout and "years=2" in done.stdout
    assert re.search(r"records +\[#+\] 30/30 100%", done.stderr)
    other = run(["demo", "--elevators", "40"], tmp_path)
    assert "already loaded" in other.stdout and "--reset" in other.stderr
    refused = run(["demo", "--elevators", "0"], tmp_path)
    assert refused.returncode == 2 and "--elevators" in refused.stderr


def test_it_serves_the_portal_on_the_embedded_default(tmp_path):
    port = str(free_port())  # not a fixed one: other test runs on this machine may hold it
    env = {**os.environ, "LIFTWATCH_DATA_DIR": str(tmp_path), "LIFTWATCH_PORT": port}
    env.pop("LIFTWATCH_MONGODB_URI", None)
    server = subprocess.Popen(LIFTWATCH + ["serve", "--demo"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert response.status == 200
                    break
            except OSError:
                time.sleep(0.3)
        else:
            raise AssertionError("the portal did not start")
        lines = (server.stdout.readline() for _ in range(100))  # progress lines (stderr) come first
        code = next(found.group(1) for line in lines if (found := re.search(r"/e/(\d{20})", line)))
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/e/{code}", timeout=5) as response:
            assert response.status == 200 and "维保" in response.read().decode()
    finally:
        server.terminate()
        server.wait(30)
        server.stdout.close()
    assert not (tmp_path / "embedded.port").exists()


def test_it_names_a_bad_setting_in_one_line_and_exits_2(tmp_path):
    for name, value in (("LOG_LEVEL", "LOUD"), ("PORT", "abc"), ("WORKERS", "0"), ("TIMEZONE", "Mars/Olympus"), ("BACKLOG", "-5"),
                        ("PAGE_CACHE_SECONDS", "soon"), ("PUBLIC_URL", "lift.example.cn"),
                        ("TRUSTED_PROXIES", "nginx")):
        result = run(["serve"], tmp_path, **{f"LIFTWATCH_{name}": value})
        assert result.returncode == 2, (name, result.stderr)
        assert result.stderr.count("\n") == 1 and f"LIFTWATCH_{name}" in result.stderr, result.stderr
        assert repr(value) in result.stderr and "Traceback" not in result.stderr


def test_it_says_in_one_line_that_the_port_is_taken(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run(["serve"], tmp_path, LIFTWATCH_PORT=str(taken.getsockname()[1]))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "LIFTWATCH_PORT" in result.stderr and "in use" in result.stderr
    assert "portal on" not in result.stdout


def test_it_warns_that_labels_pointing_at_this_machine_cannot_be_scanned(tmp_path):
    result = run(["labels", "--out", str(tmp_path / "labels")], tmp_path, LIFTWATCH_PUBLIC_URL="http://127.0.0.1:8000")
    assert "warning" in result.stderr and "LIFTWATCH_PUBLIC_URL" in result.stderr
    elsewhere = run(["labels", "--out", str(tmp_path / "labels")], tmp_path,
                    LIFTWATCH_PUBLIC_URL="https://lift.example.cn")
    assert "warning" not in elsewhere.stderr
