"""A real `liftwatch serve` killed with SIGKILL in the middle of a rescue: the escalation still fires, once."""

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from core.notify.contacts import add_contact
from core.timeutil import today
from tests.factories import ON_TIME, TZ, load_small_district
from tests.portal.conftest import free_port, wait_until_up
from tests.standins.smtp import SMTPStandin

ESCALATE_SECONDS = 3


def start(env, log):
    """Start `liftwatch serve` with env, logging to log."""
    return subprocess.Popen([sys.executable, "-m", "portal.cli", "serve"], env=env, stdout=log,
                            stderr=subprocess.STDOUT)


def post_call(port):
    """Tap the rescue button like a browser without the page (no form token: flagged, still taken)."""
    data = urllib.parse.urlencode({"key": "restart-test-key-0123456789"}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/e/{ON_TIME}/rescue", data=data, method="POST")
    try:
        return urllib.request.build_opener(NoRedirect).open(request, timeout=10).status
    except urllib.error.HTTPError as answer:  # urllib reports a redirect it was told not to follow as an error
        return answer.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep the 303 as the answer."""

    def redirect_request(self, *args):
        return None


async def until(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while not await predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def test_it_escalates_once_after_the_server_was_killed_mid_rescue(config, store, tmp_path):
    db = store.db
    await load_small_district(db, today(TZ))
    await add_contact(db, "F1", "rescue", "email", "duty@f1.example.com")
    await add_contact(db, "F1", "rescue_escalation", "email", "boss@f1.example.com")
    port = free_port()
    with SMTPStandin() as smtp, open(tmp_path / "serve.log", "w") as log:
        env = {**os.environ, "LIFTWATCH_MONGODB_URI": config.mongodb_uri, "LIFTWATCH_DB_NAME": config.db_name,
               "LIFTWATCH_PORT": str(port), "LIFTWATCH_SMTP_HOST": "127.0.0.1", "LIFTWATCH_SMTP_PORT": str(smtp.port),
               "LIFTWATCH_RESCUE_ESCALATE_MINUTES": str(ESCALATE_SECONDS / 60),
               "LIFTWATCH_RESCUE_REGULATOR_MINUTES": "60", "LIFTWATCH_WORKER_POLL_SECONDS": "0.1"}
        server = start(env, log)
        try:
            await wait_until_up(port)
            assert await asyncio.to_thread(post_call, port) == 303
            await until(lambda: _told(smtp, "duty@f1.example.com", 1))
            os.kill(server.pid, signal.SIGKILL)
            server.wait(10)
            call = await db.rescues.find_one()
            assert call["escalations"] == [] and not _sent_to(smtp, "boss@f1.example.com")
            await asyncio.sleep(ESCALATE_SECONDS)  # the escalation falls due while no server runs
            server = start(env, log)
            await until(lambda: _told(smtp, "boss@f1.example.com", 1))
            await asyncio.sleep(1.0)  # long enough for a second firing to show (the worker polls every 0.1 s)
        finally:
            server.terminate()
            server.wait(30)
        call = await db.rescues.find_one()
        assert [s["step"] for s in call["escalations"]] == ["escalate"]
        assert call["escalations"][0]["at"] >= call["created_at"]
        assert len(_sent_to(smtp, "boss@f1.example.com")) == 1 and len(_sent_to(smtp, "duty@f1.example.com")) == 1


def _sent_to(smtp, address):
    return [m for _, rcpt, m in smtp.received if address in rcpt]


async def _told(smtp, address, count):
    return len(_sent_to(smtp, address)) >= count
