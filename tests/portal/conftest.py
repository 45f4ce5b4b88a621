"""Portal fixtures: the app on a fresh database holding the small test district."""

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
