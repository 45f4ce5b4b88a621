"""200 fault reports submitted at once over HTTP: submit rate, and time until the firm's email and Telegram message are accepted.

    .venv/bin/python bench/reports.py [--reports 200] [--senders 20]

One process, one event loop: the portal (Hypercorn on a free loopback port), the 200
passengers (httpx clients, each with its own cookies, so each opens the form, takes its
signed token, and all then post together), and a delivery loop standing in for the
durable worker (it sends every pending delivery with `core.notify.deliver`, `--senders`
at a time). The far ends are the test stand-ins: aiosmtpd and the local Bot API server,
which note the time they accept each message. The embedded database runs as its own
process on a temporary data directory. Rate limits are raised for the run.
"""

import argparse
import asyncio
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from hypercorn.asyncio import serve
from hypercorn.config import Config as HypercornConfig

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.config import Config  # noqa: E402
from core.notify import Notifier, NotifySettings  # noqa: E402
from core.notify.contacts import add_contact  # noqa: E402
from core.notify.deliveries import deliver  # noqa: E402
from core.notify.message import TransportError  # noqa: E402
from core.store.embedded import EmbeddedProcess  # noqa: E402
from core.timeutil import today  # noqa: E402
from portal.app import create_app  # noqa: E402
from tests.factories import ON_TIME, TZ, load_small_district  # noqa: E402
from tests.standins.smtp import SMTPStandin, free_port  # noqa: E402
from tests.standins.telegram import TelegramStandin  # noqa: E402

MARK = re.compile(r"bench-(\d+)")
FIRM_EMAIL = "duty@f1.example.com"


class TimedSMTP(SMTPStandin):
    """The SMTP stand-in, noting when it accepted the message of each report."""

    def __init__(self):
        super().__init__()
        self.accepted = {}

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        found = MARK.search(self.received[-1][2].get_body(("plain",)).get_content())
        if found and FIRM_EMAIL in envelope.rcpt_tos:
            self.accepted.setdefault(int(found.group(1)), time.monotonic())
        return answer


class TimedTelegram(TelegramStandin):
    """The Bot API stand-in, noting when it accepted the message of each report."""

    def __init__(self):
        super().__init__()
        self.accepted = {}

    def send_message(self, request):
        answer = super().send_message(request)
        found = MARK.search(request.body.get("text", ""))
        if found and answer[0] == 200:
            self.accepted.setdefault(int(found.group(1)), time.monotonic())
        return answer


async def passenger(base, n, start, submitted):
    """Open the fault form, wait for the start signal, post a report; note when it was sent."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        page = (await client.get(f"/e/{ON_TIME}/fault")).text
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        await start.wait()
        began = time.monotonic()
        response = await client.post(f"/e/{ON_TIME}/fault", data={
            "csrf": token, "category": "doors", "description": f"门关不上 bench-{n}", "new": "1"})
        submitted[n] = (began, time.monotonic(), response.status_code)


async def drain(db, notifier, senders, stop):
    """Send pending deliveries until stop is set: a stand-in for the durable worker's deliver jobs."""
    limit = asyncio.Semaphore(senders)

    async def one(delivery_id):
        async with limit:
            try:
                await deliver(db, delivery_id, notifier)
            except TransportError:
                pass  # retried on the next pass

    while not stop.is_set():
        pending = [d["_id"] async for d in db.deliveries.find({"state": "pending"}, {"_id": 1})]
        if pending:
            await asyncio.gather(*(one(i) for i in pending))
        else:
            await asyncio.sleep(0.02)


def percentiles(values):
    values = sorted(values)
    if not values:
        return "-", "-"
    return (f"{statistics.median(values) * 1000:.0f}",
            f"{values[min(len(values) - 1, int(len(values) * 0.99))] * 1000:.0f}")


async def run(args):
    data_dir = Path(tempfile.mkdtemp(prefix="liftwatch-bench-reports-"))
    server = EmbeddedProcess(data_dir)
    uri = server.start()
    try:
        await measure(args, data_dir, uri)
    finally:
        server.stop()


async def measure(args, data_dir, uri):
    """Serve, submit, deliver and print the figures."""
    port = free_port()
    config = Config.from_env(mongodb_uri=uri, db_name=f"bench_{uuid.uuid4().hex[:8]}", data_dir=data_dir,
                             public_url=f"http://127.0.0.1:{port}", reports_per_hour=10**6,
                             worker_in_serve=False)  # the delivery loop below stands in for it
    with TimedSMTP() as smtp, TimedTelegram() as telegram:
        settings = NotifySettings.from_env(smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_starttls=False,
                                           telegram_token=telegram.token, telegram_api_url=telegram.url)
        app = create_app(config)
        async with app.test_app():
            db = app.store.db
            await load_small_district(db, today(TZ))
            await add_contact(db, "F1", "fault", "email", FIRM_EMAIL, "zh_Hans")
            await add_contact(db, "U1", "fault", "email", "office@u1.example.com", "zh_Hans")  # the copy
            await add_contact(db, "F1", "fault", "telegram", "4242", "zh_Hans")
            hyper = HypercornConfig()
            hyper.bind = [f"127.0.0.1:{port}"]
            hyper.accesslog = None
            stop_serving, stop_drain, start = asyncio.Event(), asyncio.Event(), asyncio.Event()
            serving = asyncio.create_task(serve(app, hyper, shutdown_trigger=stop_serving.wait))
            await asyncio.sleep(0.5)
            submitted = {}
            async with await Notifier.open(settings) as notifier:
                draining = asyncio.create_task(drain(db, notifier, args.senders, stop_drain))
                crowd = [asyncio.create_task(passenger(f"http://127.0.0.1:{port}", n, start, submitted))
                         for n in range(args.reports)]
                await asyncio.sleep(2)  # every passenger has the form open
                began = time.monotonic()
                start.set()
                await asyncio.gather(*crowd)
                posted = time.monotonic() - began
                deadline = time.monotonic() + 120
                while (len(smtp.accepted) < args.reports or len(telegram.accepted) < args.reports) \
                        and time.monotonic() < deadline:
                    await asyncio.sleep(0.05)
                stop_drain.set()
                await draining
            await app.store.client.drop_database(config.db_name)
            stop_serving.set()
            await serving
    report(args, submitted, posted, smtp.accepted, telegram.accepted)


def report(args, submitted, posted, emails, messages):
    ok = sum(1 for _, _, status in submitted.values() if status == 303)
    print(f"reports: {args.reports} posted at once, {ok} accepted (303) in {posted:.2f} s "
          f"= {ok / posted:.0f} submissions/s")
    answer = [end - begin for begin, end, _ in submitted.values()]
    to_mail = [emails[n] - submitted[n][0] for n in emails if n in submitted]
    to_bot = [messages[n] - submitted[n][0] for n in messages if n in submitted]
    print(f"{'from submit to':<28}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}")
    for name, values in (("portal answer (303)", answer), ("email accepted by SMTP", to_mail),
                         ("message accepted by Bot API", to_bot)):
        p50, p99 = percentiles(values)
        print(f"{name:<28}{len(values):>7}{p50:>9}{p99:>9}")
    worst = max(to_mail + to_bot, default=float("inf"))
    print(f"target p99 <= 2000 ms: {'met' if worst <= 2.0 else 'missed'} (worst {worst * 1000:.0f} ms)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200)
    parser.add_argument("--senders", type=int, default=20)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
