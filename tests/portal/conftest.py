"""Portal fixtures: the app on a fresh database holding the small test district."""

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time

import pytest

from core.timeutil import today
from portal.app import create_app
from tests.factories import TZ, grade_firm, load_small_district


@pytest.fixture
async def app(config, store):
    """Yield a started app whose database holds the small district (dropped by the store fixture)."""
    app = create_app(config)
    async with app.test_app() as running:
        db = app.store.db
        app.codes = await load_small_district(db, today(TZ))
        await grade_firm(db, today(TZ), config)
        yield running


@pytest.fixture
def client(app):
    """Return a test client of the started app."""
    return app.test_client()


@pytest.fixture
def codes(app):
    """Return the codes of the small district's elevators."""
    return app.app.codes


def free_port():
    """Return a TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def serving(config, tmp_path, **settings):
    """Run a real `liftwatch serve` (Uvicorn) with extra LIFTWATCH_ settings; yield (port, log path)."""
    port, log_path = free_port(), tmp_path / "serve.log"
    env = {**os.environ, "LIFTWATCH_MONGODB_URI": config.mongodb_uri, "LIFTWATCH_DB_NAME": config.db_name,
           "LIFTWATCH_PORT": str(port), **{f"LIFTWATCH_{name}": value for name, value in settings.items()}}
    with open(log_path, "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "portal.cli", "serve"], env=env,
                                  stdout=log, stderr=subprocess.STDOUT)
    try:
        await wait_until_up(port)
        yield port, log_path
    finally:
        server.terminate()
        server.wait(30)


@pytest.fixture
async def served(config, store, tmp_path):
    """Yield (port, log path) of a real `liftwatch serve` on the small district."""
    await load_small_district(store.db, today(TZ))
    async with serving(config, tmp_path, PUBLIC_URL="http://lift.example.cn") as served_at:
        yield served_at


async def wait_until_up(port, seconds=30):
    """Wait until something accepts connections on port."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        await writer.wait_closed()
        return
    raise AssertionError(f"nothing listens on port {port}")
