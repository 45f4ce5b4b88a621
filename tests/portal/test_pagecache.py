import asyncio
import dataclasses
import datetime

from core.district import add_maintenance_records
from core.timeutil import today
from portal.app import create_app
from tests.factories import OVERDUE, TZ, load_small_district, visit


async def test_it_serves_a_new_visit_once_the_cache_notices_the_change(config):
    app = create_app(dataclasses.replace(config, page_cache_seconds=0.2))
    async with app.test_app() as running:
        client, db, day = running.test_client(), app.store.db, today(TZ)
        await load_small_district(db, day)
        first = await (await client.get(f"/e/{OVERDUE}")).get_data(as_text=True)
        assert "维保已超期 5 天" in first
        assert app.page_cache.get((OVERDUE, "zh_Hans", day)) == first
        # The app's own worker rebuilds the page; the cache notices within 0.2 s.
        await add_maintenance_records(db, [visit(OVERDUE, day - datetime.timedelta(days=1))])
        for _ in range(50):
            await asyncio.sleep(0.1)
            fresh = await (await client.get(f"/e/{OVERDUE}")).get_data(as_text=True)
            if "半月维保还有 14 天到期" in fresh:
                break
        assert "半月维保还有 14 天到期" in fresh
        await app.store.client.drop_database(config.db_name)


async def test_it_never_caches_unknown_codes(client, app):
    for n in range(20):
        assert (await client.get(f"/e/3110350502209901{n:04d}")).status_code == 404
    assert len(app.app.page_cache) == 0


async def test_it_says_whether_an_elevator_page_came_from_the_cache(client):
    assert (await client.get(f"/e/{OVERDUE}")).headers["X-Page-Cache"] == "miss"
    assert (await client.get(f"/e/{OVERDUE}")).headers["X-Page-Cache"] == "hit"


async def test_it_says_so_when_the_page_cache_is_off(config):
    app = create_app(dataclasses.replace(config, page_cache_seconds=0))
    async with app.test_app() as running:
        await load_small_district(app.store.db, today(TZ))
        for _ in range(2):
            assert (await running.test_client().get(f"/e/{OVERDUE}")).headers["X-Page-Cache"] == "off"
        await app.store.client.drop_database(config.db_name)
