"""Shared fixtures: a real database (the embedded default, or LIFTWATCH_TEST_MONGODB_URI)."""

import os
import uuid

import pytest

from core import clock
from core.config import Config
from core.store.client import open_store
from core.store.embedded import EmbeddedProcess


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory):
    """Yield the URI of the database server the tests use."""
    uri = os.environ.get("LIFTWATCH_TEST_MONGODB_URI")
    if uri:
        yield uri
        return
    server = EmbeddedProcess(tmp_path_factory.mktemp("embedded-db"))
    yield server.start()
    server.stop()


@pytest.fixture
def config(mongo_uri):
    """Return a configuration pointing at a fresh database of its own."""
    return Config.from_env(mongodb_uri=mongo_uri, db_name=f"t_{uuid.uuid4().hex[:16]}",
                           public_url="http://127.0.0.1:8000")


@pytest.fixture
async def store(config):
    """Yield an open store on a fresh database, dropped afterwards."""
    opened = await open_store(config)
    yield opened
    await opened.client.drop_database(config.db_name)
    await opened.close()


@pytest.fixture(autouse=True)
def real_clock():
    """Give every test the system clock back, whatever it did with core.clock."""
    yield
    clock.release()
