"""The elevator page's reports summary and rescue figures come with its page summary, in one read."""

import dataclasses

import pytest

from core.page_writer import inputs_changed
from tests.factories import ON_TIME
from tests.portal.test_page_changes import settled
from tests.portal.test_reports import post_form

RATED = "1 条评价"


@pytest.fixture
def config(config):
    """Serve every elevator page uncached: each one is rendered from what the database holds now."""
    return dataclasses.replace(config, page_cache_seconds=0)


async def page_of(client):
    return await (await client.get(f"/e/{ON_TIME}")).get_data(as_text=True)


async def test_it_renders_the_rating_from_the_page_summary_not_from_the_ratings(client, app):
    db = app.app.store.db
    await post_form(client, f"/e/{ON_TIME}/rating", {"stars": "4"})
    await settled(db)
    summary = await db.elevator_pages.find_one({"_id": ON_TIME})
    assert summary["reports"]["rating"] == {"average": 4.0, "count": 1} and summary["rescue_months"] == {}
    await db.ratings.delete_many({})  # behind the page writer's back: the page still shows its summary
    assert RATED in await page_of(client)
    await inputs_changed(db, [ON_TIME])
    await settled(db)
    assert RATED not in await page_of(client)


async def test_it_reads_reports_live_for_a_page_summary_built_before_it_held_them(client, app):
    db = app.app.store.db
    await post_form(client, f"/e/{ON_TIME}/rating", {"stars": "4"})
    await settled(db)
    await db.elevator_pages.update_one({"_id": ON_TIME}, {"$unset": {"reports": "", "rescue_months": ""}})
    assert RATED in await page_of(client)
    await db.ratings.delete_many({})
    assert RATED not in await page_of(client)
