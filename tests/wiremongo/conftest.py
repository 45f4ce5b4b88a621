"""Fixtures for the engine: a Commands instance on a fresh data directory."""

import pytest

from wiremongo.commands import Commands


@pytest.fixture
def cmds(tmp_path):
    """Yield an engine on an empty data directory."""
    engine = Commands(tmp_path / "data")
    yield engine
    engine.close()
