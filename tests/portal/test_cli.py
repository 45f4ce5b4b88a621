"""The liftwatch command as a user runs it: demo, labels and serve on the embedded default."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request

import pypdfium2

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
        while "pending" in listing.stdout and time.monotonic() < deadline:
            listing = run(["jobs"], tmp_path)
    finally:
        worker.send_signal(signal.SIGINT)
        assert worker.wait(30) == 0
        worker.stdout.close()
    assert re.search(r"^grade\s+done\s+\d+$", listing.stdout, re.M) and "pending" not in listing.stdout, listing.stdout


def test_it_serves_the_portal_on_the_embedded_default(tmp_path):
    port = "18765"
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
        code = re.search(r"/e/(\d{20})", server.stdout.readline() + server.stdout.readline()).group(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/e/{code}", timeout=5) as response:
            assert response.status == 200 and "维保" in response.read().decode()
    finally:
        server.terminate()
        server.wait(30)
    assert not (tmp_path / "embedded.port").exists()
