"""200 fault reports submitted at once over HTTP: submit rate, and time until the firm's email and Telegram message are accepted.

    .venv/bin/python bench/reports.py [--reports 200] [--workers 2] [--separate-worker]

The processes are production's: `liftwatch serve` (Uvicorn, `--workers` processes, each
with its job worker, whose `deliver` jobs send the notifications), its embedded database,
and, in processes of their own, the passengers (bench/crowd.py) and this script, which
holds the far ends: the test stand-ins for SMTP (aiosmtpd) and the Telegram Bot API, which
note the time they accept each message. `--separate-worker` runs the job worker as
`liftwatch worker` beside a serve without one, so the portal's CPU per submission is the
form's alone. The database runs the counting backend (bench/dbcount.py), so the figures
include database commands per submission. Rate limits are raised for the run.
"""

import argparse
import asyncio
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cpu import cpu_seconds, descendants, machine_busy  # noqa: E402
from core.config import Config  # noqa: E402
from core.notify.contacts import add_contact  # noqa: E402
from core.store.client import open_store  # noqa: E402
from core.timeutil import today  # noqa: E402
from tests.factories import ON_TIME, TZ, load_small_district  # noqa: E402
from tests.standins.smtp import SMTPStandin, free_port  # noqa: E402
from tests.standins.telegram import TelegramStandin  # noqa: E402
from wiremongo.launcher import Lease  # noqa: E402

MARK = re.compile(r"bench-(\d+)")
FIRM_EMAIL, UNIT_EMAIL, FIRM_CHAT = "duty@f1.example.com", "office@u1.example.com", "4242"
SECRET = "bench-secret-key-" + "0" * 32


class Accepted:
    """When each report's message was first accepted, and how many times, per far end."""

    def __init__(self):
        self.lock = threading.Lock()
        self.first = {}   # (end, n) -> monotonic time
        self.times = {}   # (end, n) -> how many times accepted

    def note(self, end, n):
        with self.lock:
            self.first.setdefault((end, n), time.monotonic())
            self.times[(end, n)] = self.times.get((end, n), 0) + 1

    def of(self, end):
        return {n: t for (e, n), t in self.first.items() if e == end}


class TimedSMTP(SMTPStandin):
    """The SMTP stand-in, noting when it accepted each report's email to the firm and to the unit."""

    def __init__(self, accepted):
        super().__init__()
        self.accepted = accepted

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        found = MARK.search(self.received[-1][2].get_body(("plain",)).get_content())
        if found:
            for end, address in (("email", FIRM_EMAIL), ("copy", UNIT_EMAIL)):
                if address in envelope.rcpt_tos:
                    self.accepted.note(end, int(found.group(1)))
        self.received.clear()  # keep memory flat
        return answer


class TimedTelegram(TelegramStandin):
    """The Bot API stand-in, noting when it accepted each report's message."""

    def __init__(self, accepted):
        super().__init__()
        self.accepted = accepted

    def send_message(self, request):
        answer = super().send_message(request)
        found = MARK.search(request.body.get("text", ""))
        if found and answer[0] == 200:
            self.accepted.note("telegram", int(found.group(1)))
        return answer


def percentiles(values):
    """Return p50 and p99 in ms as text."""
    values = sorted(values)
    if not values:
        return "-", "-"
    return (f"{statistics.median(values) * 1000:.0f}",
            f"{values[min(len(values) - 1, int(len(values) * 0.99))] * 1000:.0f}")


class Processes:
    """The serve (and worker) processes, each in its own session, stopped as groups."""

    def __init__(self, workdir):
        self.workdir = workdir
        self.started = []

    def start(self, args, env, name):
        log = open(self.workdir / f"{name}.log", "w")
        process = subprocess.Popen([sys.executable, "-m", "portal.cli", *args], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append((name, process))
        return process

    def pids(self):
        """Return {pid: role} of every process started and their children (the database apart)."""
        found = {}
        for name, process in self.started:
            for pid in descendants(process.pid) | {process.pid}:
                cmdline = _cmdline(pid)
                if b"wiremongo" not in cmdline and b"multiprocessing.resource_tracker" not in cmdline:
                    found[pid] = name
        return found

    def stop(self):
        for _, process in self.started:
            _signal_group(process.pid, signal.SIGTERM)
        for _, process in self.started:
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait()


def _cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _signal_group(pgid, signum):
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def environment(args, var, db_name, port, smtp, telegram):
    """Return the environment of serve and worker: the bench's database, far ends and limits."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIFTWATCH_")}
    env.update(LIFTWATCH_DATA_DIR=str(var), LIFTWATCH_DB_NAME=db_name, LIFTWATCH_HOST="127.0.0.1",
               LIFTWATCH_PORT=str(port), LIFTWATCH_WORKERS=str(args.workers),
               LIFTWATCH_PUBLIC_URL=f"http://127.0.0.1:{port}", LIFTWATCH_SECRET_KEY=SECRET,
               LIFTWATCH_REPORTS_PER_HOUR="100000", LIFTWATCH_SMTP_HOST="127.0.0.1",
               LIFTWATCH_SMTP_PORT=str(smtp.port), LIFTWATCH_SMTP_STARTTLS="0",
               LIFTWATCH_TELEGRAM_TOKEN=telegram.token, LIFTWATCH_TELEGRAM_API_URL=telegram.url,
               LIFTWATCH_WORKER_IN_SERVE="0" if args.separate_worker else "1", PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


async def prepare(uri, db_name, var):
    """Load the test district and the firm's and unit's contacts."""
    config = Config.from_env(mongodb_uri=uri, db_name=db_name, data_dir=var)
    store = await open_store(config, uri=uri)
    try:
        db = store.db
        await load_small_district(db, today(TZ))
        await add_contact(db, "F1", "fault", "email", FIRM_EMAIL, "zh_Hans")
        await add_contact(db, "U1", "fault", "email", UNIT_EMAIL, "zh_Hans")  # the copy
        await add_contact(db, "F1", "fault", "telegram", FIRM_CHAT, "zh_Hans")
    finally:
        await store.close()


def db_counts(uri, db_name):
    """Return the counting backend's figures so far."""
    from pymongo import MongoClient
    with MongoClient(uri) as client:
        return client[db_name].command("benchCommandCounts")["counts"]


def wait_healthy(base, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"liftwatch serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("liftwatch serve did not answer /healthz")


def snapshot(processes, db_pid, crowd_pid):
    """Return CPU seconds so far by role, and the whole machine's."""
    roles = {**processes.pids(), db_pid: "database", crowd_pid: "passengers", os.getpid(): "stand-ins"}
    used = cpu_seconds(roles)
    totals = {}
    for pid, seconds in used.items():
        totals[roles[pid]] = totals.get(roles[pid], 0.0) + seconds
    return totals, machine_busy()


def run(args):
    workdir = Path(tempfile.mkdtemp(prefix="liftwatch-bench-reports-"))
    var, db_name, port = workdir / "var", f"bench_{uuid.uuid4().hex[:8]}", free_port()
    lease = Lease(var, backend="bench.dbcount:backend", cwd=ROOT)
    lease.start()
    processes = Processes(workdir)
    accepted = Accepted()
    try:
        asyncio.run(prepare(lease.uri, db_name, var))
        with TimedSMTP(accepted) as smtp, TimedTelegram(accepted) as telegram:
            env = environment(args, var, db_name, port, smtp, telegram)
            serve = processes.start(["serve"], env, "portal")
            if args.separate_worker:
                processes.start(["worker"], env, "worker")
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, serve)
            figures = crowd_run(args, base, processes, lease, db_name, accepted)
    finally:
        processes.stop()
        lease.stop()
    report(args, figures, accepted)


def crowd_run(args, base, processes, lease, db_name, accepted):
    """Open the forms, post every report at once, wait for every message; return the figures."""
    crowd = subprocess.Popen([sys.executable, str(ROOT / "bench" / "crowd.py"), base, ON_TIME, str(args.reports)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    if not json.loads(crowd.stdout.readline()).get("ready"):
        raise RuntimeError("the passengers could not open their forms")
    time.sleep(1.0)  # let the page loads' after-effects settle
    counts_before = db_counts(lease.uri, db_name)
    cpu_before, busy_before = snapshot(processes, lease.state["pid"], crowd.pid)
    began = time.monotonic()
    crowd.stdin.write("go\n")
    crowd.stdin.flush()
    results = {int(n): r for n, r in json.loads(crowd.stdout.readline())["results"].items()}
    posted = time.monotonic() - began
    deadline = time.monotonic() + args.timeout
    while len(accepted.first) < 3 * args.reports and time.monotonic() < deadline:
        time.sleep(0.02)
    delivered = time.monotonic() - began
    cpu_after, busy_after = snapshot(processes, lease.state["pid"], crowd.pid)
    counts_after = db_counts(lease.uri, db_name)
    crowd.wait()
    cpu = {role: cpu_after.get(role, 0.0) - cpu_before.get(role, 0.0) for role in cpu_after}
    cpu["other"] = (busy_after - busy_before) - sum(cpu.values())
    return {"results": results, "posted": posted, "delivered": delivered, "cpu": cpu,
            "commands": command_delta(counts_before, counts_after)}


def command_delta(before, after):
    """Return {command: (count, seconds)} answered between two counts."""
    delta = {}
    for key, figure in after.items():
        old = before.get(key, {"n": 0, "seconds": 0.0})
        if figure["n"] > old["n"]:
            delta[key] = (figure["n"] - old["n"], figure["seconds"] - old["seconds"])
    return delta


def report(args, figures, accepted):
    """Print rates, latencies, CPU and database commands per submission."""
    results, posted, n = figures["results"], figures["posted"], args.reports
    ok = sum(1 for _, _, status in results.values() if status == 303)
    print(f"reports: {n} posted at once, {ok} accepted (303) in {posted:.2f} s = {ok / posted:.0f} submissions/s; "
          f"every message accepted {figures['delivered']:.2f} s after the first post")
    print(f"{'from submit to':<30}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    answer = [end - begin for begin, end, _ in results.values()]
    rows = [("portal answer (303)", answer)]
    for end, name in (("email", "email accepted by SMTP"), ("telegram", "message accepted by Bot API"),
                      ("copy", "unit's copy accepted by SMTP")):
        rows.append((name, [t - results[k][0] for k, t in accepted.of(end).items() if k in results]))
    for name, values in rows:
        p50, p99 = percentiles(values)
        print(f"{name:<30}{len(values):>7}{p50:>9}{p99:>9}{max(values, default=0) * 1000:>9.0f}")
    twice = sum(1 for times in accepted.times.values() if times > 1)
    print(f"messages accepted more than once: {twice}")
    print("cpu s per submission: " + ", ".join(f"{role} {seconds / n * 1000:.1f} ms"
                                                for role, seconds in sorted(figures["cpu"].items())))
    commands = figures["commands"]
    total = sum(c for c, _ in commands.values())
    print(f"database commands per submission: {total / n:.1f}, engine time {sum(s for _, s in commands.values()) / n * 1000:.1f} ms")
    for key, (count, seconds) in sorted(commands.items(), key=lambda kv: -kv[1][0]):
        print(f"    {count / n:6.2f}  {seconds / count * 1000:6.2f} ms each  {key}")
    worst = max((t - results[k][0] for end in ("email", "telegram") for k, t in accepted.of(end).items()),
                default=float("inf"))
    print(f"target p99 <= 2000 ms: {'met' if worst <= 2.0 else 'missed'} (worst {worst * 1000:.0f} ms)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2,
                        help="Uvicorn worker processes (LIFTWATCH_WORKERS; one per core, so 2 here)")
    parser.add_argument("--separate-worker", action="store_true",
                        help="run the job worker as `liftwatch worker`, not inside serve")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for every message")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
