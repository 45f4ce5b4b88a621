"""A command running for seconds does not delay hello or ping on other connections."""

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pymongo

from wiremongo.launcher import socket_uri

ROOT = Path(__file__).resolve().parents[2]


def test_it_answers_ping_at_once_while_a_command_burns_ten_seconds(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "wiremongo", "--data-dir", str(tmp_path),
                                "--backend", "tests.wiremongo.backends:EchoBackend"],
                               cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().startswith("wiremongo serving")
        uri = socket_uri(tmp_path / "wiremongo.sock")
        with pymongo.MongoClient(uri, socketTimeoutMS=30_000) as slow_client:
            slow = threading.Thread(target=slow_client.app.command, args=({"aggregate": "c", "slow": 10.0},))
            started = time.monotonic()
            slow.start()
            times = []
            with pymongo.MongoClient(uri, serverSelectionTimeoutMS=2000) as client:
                client.admin.command("ping")
                while slow.is_alive():
                    t0 = time.perf_counter()
                    client.admin.command("ping")
                    times.append(time.perf_counter() - t0)
                    time.sleep(0.005)
            slow.join()
        assert time.monotonic() - started >= 9.5
        times.sort()
        p99 = times[int(len(times) * 0.99)]
        print(f"ping during a 10 s command: n={len(times)} p50={times[len(times) // 2] * 1000:.1f} ms "
              f"p99={p99 * 1000:.1f} ms max={times[-1] * 1000:.1f} ms")
        assert len(times) > 500 and p99 <= 0.050
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert process.returncode == 0 and not os.path.exists(tmp_path / "wiremongo.sock")
