"""A frozen database makes requests fail within LIFTWATCH_DB_TIMEOUT_MS instead of hanging."""

import os
import signal
import time

from core.config import Config
from core.store.embedded import EmbeddedProcess
from portal.app import create_app
from tests.factories import ON_TIME, TZ, load_small_district
from core.timeutil import today

TIMEOUT_MS = 800
MARGIN_S = 1.0


async def _timed_get(client, path):
    started = time.monotonic()
    response = await client.get(path)
    return response, time.monotonic() - started


async def test_it_answers_503_within_the_timeout_when_the_database_is_frozen(tmp_path):
    server = EmbeddedProcess(tmp_path)
    config = Config.from_env(mongodb_uri=server.start(), db_name="frozen", db_timeout_ms=TIMEOUT_MS,
                             page_cache_seconds=0)
    app = create_app(config)
    try:
        async with app.test_app() as running:
            client = running.test_client()
            await load_small_district(app.store.db, today(TZ))
            assert (await client.get("/healthz")).status_code == 200
            os.kill(server.pid, signal.SIGSTOP)
            try:
                health, health_s = await _timed_get(client, "/healthz")
                page, page_s = await _timed_get(client, f"/e/{ON_TIME}")
            finally:
                os.kill(server.pid, signal.SIGCONT)
            print(f"frozen database: /healthz 503 in {health_s * 1000:.0f} ms, page 503 in {page_s * 1000:.0f} ms")
            assert health.status_code == 503 and health_s < TIMEOUT_MS / 1000 + MARGIN_S
            assert page.status_code == 503 and page_s < TIMEOUT_MS / 1000 + MARGIN_S
            assert (await client.get("/healthz")).status_code == 200  # and it recovers
    finally:
        server.stop()
