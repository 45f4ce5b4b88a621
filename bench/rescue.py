"""200 rescue calls at once over HTTP, one per elevator: time from the tap to the first message accepted.

    .venv/bin/python bench/rescue.py [--calls 200] [--workers 1] [--worker] [--profile FILE] [--py-spy FILE]
                                     [--py-spy-burst FILE]

The portal is a real `liftwatch serve` (its own process, `--workers` Uvicorn processes;
its job worker off unless `--worker`: the first messages are sent by the portal itself, and
the worker's start-up daily round over every elevator would otherwise run during the taps).
The trapped passengers run in a process of their own (bench/rescue_crowd.py: each opens its
elevator's rescue page, then all tap together); this process holds the far ends, the test stand-ins,
which note when they accept the first message of each call: the assigned technician's bot
message with Accept (the local Bot API server) and the firm's duty email (aiosmtpd); the
using unit gets an email too. The embedded database runs as its own process on a temporary
data directory, with the command-counting backend (bench/dbcount.py). Prints p50 and p99
for the portal's answer, the Bot API and SMTP, against the target p99 <= 1 s, the CPU
seconds of each process (with its children) and the database commands from the taps on.
"""

import argparse
import asyncio
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.cpu import cpu_seconds, descendants  # noqa: E402
from bench.reports import percentiles  # noqa: E402
from core.codes import make_registration_code  # noqa: E402
from core.config import Config  # noqa: E402
from core.district import add_elevators, save_firms, save_people, save_units  # noqa: E402
from core.notify.contacts import add_contact  # noqa: E402
from core.store import technicians as people_store  # noqa: E402
from core.store.client import open_store  # noqa: E402
from core.worker import Worker  # noqa: E402
from tests import factories  # noqa: E402
from tests.portal.conftest import wait_until_up  # noqa: E402
from tests.standins.smtp import SMTPStandin, free_port  # noqa: E402
from tests.standins.telegram import TelegramStandin  # noqa: E402
from wiremongo.launcher import Lease  # noqa: E402

CODE = re.compile(r"\b(3110350502\d{10})\b")
FIRM_EMAIL = "duty@f1.example.com"
TECH_CHAT = 4242


class TimedSMTP(SMTPStandin):
    """The SMTP stand-in, noting when it accepted the firm's email of each elevator's call."""

    def __init__(self):
        super().__init__()
        self.accepted = {}

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        found = CODE.search(self.received[-1][2].get_body(("plain",)).get_content())
        if found and FIRM_EMAIL in envelope.rcpt_tos:
            self.accepted.setdefault(found.group(1), time.monotonic())
        return answer


class TimedTelegram(TelegramStandin):
    """The Bot API stand-in, noting when it accepted the technician's message of each call."""

    def __init__(self):
        super().__init__()
        self.accepted = {}

    def send_message(self, request):
        answer = super().send_message(request)
        found = CODE.search(request.body.get("text", ""))
        if found and answer[0] == 200:
            self.accepted.setdefault(found.group(1), time.monotonic())
        return answer


def role_cpu(roles):
    """Return the CPU seconds used so far by each role's process ({role: pid}), the portal's with its children."""
    return {role: sum(cpu_seconds({pid, *(descendants(pid) if role == "portal" else ())}).values())
            for role, pid in roles.items()}


async def crowd_start(base, codes):
    """Start the passengers' process (bench/rescue_crowd.py) and wait until every page is open."""
    crowd = subprocess.Popen([sys.executable, str(ROOT / "bench" / "rescue_crowd.py"), base, *codes],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = await asyncio.get_running_loop().run_in_executor(None, crowd.stdout.readline)
    if not line or not json.loads(line).get("ready"):
        raise RuntimeError("the passengers could not open their rescue pages")
    return crowd


async def crowd_tap(crowd):
    """Let every passenger tap; return ({code: (tapped, answered, status)}, CPU seconds) once all were answered."""
    crowd.stdin.write("go\n")
    crowd.stdin.flush()
    line = await asyncio.get_running_loop().run_in_executor(None, crowd.stdout.readline)
    crowd.wait(30)
    answer = json.loads(line)
    return {code: tuple(times) for code, times in answer["results"].items()}, answer["cpu"]


async def load(db, config, count):
    """Store the firm, its unit, the technician's chat, the contacts and count elevators with their pages."""
    today = datetime.date.today()
    await save_firms(db, [factories.firm(today)])
    await save_units(db, [factories.unit()])
    await save_people(db, [factories.technician()])
    await people_store.link_account(db, TECH_CHAT, "P1", "zh_Hans")
    await add_contact(db, "F1", "rescue", "email", FIRM_EMAIL)
    await add_contact(db, "U1", "rescue", "email", "office@u1.example.com")
    codes = [make_registration_code("3110", "350502", 2015, 1, n + 1) for n in range(count)]
    await add_elevators(db, [factories.elevator(code, today) for code in codes])
    await Worker(db, config).drain()  # the elevator pages
    return codes


async def command_counts(db):
    """Return {command and collection: how many} the counting backend (bench/dbcount.py) answered so far."""
    return {key: figure["n"] for key, figure in (await db.command("benchCommandCounts"))["counts"].items()}


def counted(before, after):
    """Return the total of commands between two counts and the line listing them, most frequent first."""
    spent = {key: n - before.get(key, 0) for key, n in after.items() if n > before.get(key, 0)}
    return sum(spent.values()), ", ".join(f"{key} {n}" for key, n in sorted(spent.items(), key=lambda kv: -kv[1]))


async def measure(args, data_dir, uri, db_pid):
    """Load, serve with `liftwatch serve`, tap, wait for the messages, and print the figures."""
    port = free_port()
    config = Config.from_env(mongodb_uri=uri, db_name=f"bench_{uuid.uuid4().hex[:8]}", data_dir=data_dir)
    store = await open_store(config)
    db = store.db
    codes = await load(db, config, args.calls)
    with TimedSMTP() as smtp, TimedTelegram() as telegram, open(data_dir / "serve.log", "w") as log:
        env = {**os.environ, "LIFTWATCH_MONGODB_URI": uri, "LIFTWATCH_DB_NAME": config.db_name,
               "LIFTWATCH_DATA_DIR": str(data_dir), "LIFTWATCH_PORT": str(port),
               "LIFTWATCH_PUBLIC_URL": f"http://127.0.0.1:{port}", "LIFTWATCH_WORKERS": str(args.workers),
               "LIFTWATCH_SMTP_HOST": "127.0.0.1", "LIFTWATCH_SMTP_PORT": str(smtp.port),
               "LIFTWATCH_SMTP_STARTTLS": "0", "LIFTWATCH_TELEGRAM_TOKEN": telegram.token,
               "LIFTWATCH_TELEGRAM_API_URL": telegram.url, "LIFTWATCH_WORKER_IN_SERVE": "1" if args.worker else "0"}
        profile = ["-m", "cProfile", "-o", args.profile] if args.profile else []
        spy = [str(Path(sys.executable).parent / "py-spy"), "record", "-r", "250", "-f", "raw", "-o", args.py_spy,
               "--"] if args.py_spy else []
        server = subprocess.Popen([*spy, sys.executable, *profile, "-m", "portal.cli", "serve"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT, cwd=ROOT)
        try:
            await wait_until_up(port)
            crowd = await crowd_start(f"http://127.0.0.1:{port}", codes)
            await asyncio.sleep(3)  # the page opens' after-effects are done
            pids = {"portal": server.pid, "database": db_pid, "stand-ins": os.getpid()}
            burst_spy = subprocess.Popen(
                [str(Path(sys.executable).parent / "py-spy"), "record", "-r", "250", "-f", "raw", "--subprocesses",
                 "-o", args.py_spy_burst, "--pid", str(server.pid)], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL) if args.py_spy_burst else None
            if burst_spy:
                await asyncio.sleep(1)  # py-spy attached
            commands_before = await command_counts(db)
            began, cpu_before = time.monotonic(), role_cpu(pids)
            tapped, crowd_cpu = await crowd_tap(crowd)
            posted = time.monotonic() - began
            deadline = time.monotonic() + 120
            while (len(smtp.accepted) < args.calls or len(telegram.accepted) < args.calls) \
                    and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            took, cpu_after = time.monotonic() - began, role_cpu(pids)
            if burst_spy:
                burst_spy.send_signal(signal.SIGINT)  # py-spy writes what it sampled of the burst
                burst_spy.wait(30)
            stored = await db.rescues.count_documents({})
            used = ", ".join(f"{role} {cpu_after[role] - cpu_before[role]:.2f} s" for role in pids)
            used += f", passengers (to their answers) {crowd_cpu:.2f} s"
            print(f"CPU from the taps to the last message ({took:.2f} s): {used}")
            total, listed = counted(commands_before, await command_counts(db))
            print(f"database commands: {total} for {args.calls} calls ({listed})")
        finally:
            server.send_signal(signal.SIGINT)  # a clean stop, so that a profile is written
            server.wait(30)
    await store.client.drop_database(config.db_name)
    await store.close()
    report(args, tapped, posted, stored, smtp.accepted, telegram.accepted)


def report(args, tapped, posted, stored, emails, messages):
    """Print the figures."""
    ok = sum(1 for _, _, status in tapped.values() if status == 303)
    print(f"rescue: {args.calls} calls at once, {ok} answered 303 in {posted:.2f} s, {stored} stored")
    answer = [end - begin for begin, end, _ in tapped.values()]
    to_bot = [messages[c] - tapped[c][0] for c in messages if c in tapped]
    to_mail = [emails[c] - tapped[c][0] for c in emails if c in tapped]
    print(f"{'from the tap to':<34}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}")
    for name, values in (("portal answer (303)", answer), ("technician's message (Bot API)", to_bot),
                         ("firm's email accepted (SMTP)", to_mail)):
        p50, p99 = percentiles(values)
        print(f"{name:<34}{len(values):>7}{p50:>9}{p99:>9}")
    first = sorted(values_p99 for values_p99 in (to_bot + to_mail))
    worst = first[min(len(first) - 1, int(len(first) * 0.99))] if first else float("inf")
    print(f"target p99 <= 1000 ms: {'met' if worst <= 1.0 else 'missed'} (p99 over both {worst * 1000:.0f} ms)")


async def run(args):
    data_dir = Path(tempfile.mkdtemp(prefix="liftwatch-bench-rescue-"))
    lease = Lease(data_dir, backend="bench.dbcount:backend", cwd=ROOT)
    lease.start()
    try:
        await measure(args, data_dir, lease.uri, lease.state["pid"])
    finally:
        lease.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--workers", type=int, default=1, help="Uvicorn worker processes of the portal")
    parser.add_argument("--worker", action="store_true",
                        help="run the job worker inside the portal too (its start-up daily round then competes)")
    parser.add_argument("--profile", metavar="FILE", help="run the portal under cProfile and write its profile here")
    parser.add_argument("--py-spy-burst", metavar="FILE",
                        help="attach py-spy to the portal for the taps only (to the last message), as collapsed stacks")
    parser.add_argument("--py-spy", metavar="FILE",
                        help="sample the portal with py-spy (pip install py-spy) into FILE, as collapsed stacks "
                             "(the portal's CPU figure is then py-spy's own)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
