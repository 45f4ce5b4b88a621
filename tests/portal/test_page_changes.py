"""The page cache at city scale: per-elevator invalidation, epochs that never repeat, stale-if-error."""

import asyncio
import dataclasses
import datetime

from core.config import Config
from core.store.embedded import EmbeddedProcess
from core.store.meta import record_global_page_change, record_page_change, record_page_changes
from core.timeutil import today
from portal.app import create_app
from portal.pagecache import PageCache
from tests.factories import FRESH, ON_TIME, OVERDUE, TZ, load_small_district, visit

ZH = {"Accept-Language": "zh-CN"}


async def started(config, seconds=0.1):
    """Return a started test app (and its client) on the small district, checking every `seconds`."""
    app = create_app(dataclasses.replace(config, page_cache_seconds=seconds))
    running = app.test_app()
    await running.__aenter__()
    await load_small_district(app.store.db, today(TZ))
    await settled(app.store.db)
    return app, running, running.test_client()


async def settled(db):
    """Wait until the app's own worker has finished the page and grade jobs the district asked for."""
    for _ in range(200):
        if not await db.jobs.count_documents({"state": "pending", "kind": {"$in": ["page", "grade"]}}):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("page and grade jobs still pending after 10 s")


async def view_all(client, *codes):
    for code in codes:
        assert (await client.get(f"/e/{code}", headers=ZH)).status_code == 200


def key(code):
    return (code, "zh_Hans", today(TZ))


async def test_it_drops_only_the_pages_of_the_elevator_that_changed(config, store):
    app, running, client = await started(config)
    try:
        await view_all(client, ON_TIME, OVERDUE)
        await record_page_change(app.store.db, OVERDUE)
        await asyncio.sleep(0.15)
        await view_all(client, FRESH)  # any request looks at the change log
        assert app.page_cache.get(key(OVERDUE)) is None
        assert app.page_cache.get(key(ON_TIME)) is not None and app.page_cache.get(key(FRESH)) is not None
        await record_global_page_change(app.store.db)
        await asyncio.sleep(0.15)
        await view_all(client, FRESH)
        assert app.page_cache.get(key(ON_TIME)) is None and len(app.page_cache) == 1
    finally:
        await running.__aexit__(None, None, None)


async def test_it_never_serves_a_page_of_a_database_that_was_dropped_and_loaded_again(config, store):
    app, running, client = await started(config)
    try:
        await view_all(client, OVERDUE)
        assert "维保已超期 5 天" in app.page_cache.get(key(OVERDUE))
        db, day = app.store.db, today(TZ)
        await app.store.client.drop_database(config.db_name)  # what demo --reset does, without telling anyone
        await db.maintenance_records.insert_many([visit(OVERDUE, day - datetime.timedelta(days=1))])
        await load_small_district(db, day)
        await asyncio.sleep(0.15)
        html = await (await client.get(f"/e/{OVERDUE}", headers=ZH)).get_data(as_text=True)
        assert "维保已超期" not in html
    finally:
        await running.__aexit__(None, None, None)


async def test_it_serves_the_page_in_hand_when_only_the_change_check_fails(tmp_path):
    server = EmbeddedProcess(tmp_path)
    config = Config.from_env(mongodb_uri=server.start(), db_name="stale", db_timeout_ms=300)
    try:
        app, running, client = await started(config)
        await view_all(client, ON_TIME)
        cached = app.page_cache.get(key(ON_TIME))
        server.stop()
        await asyncio.sleep(0.15)
        response = await client.get(f"/e/{ON_TIME}", headers=ZH)
        assert response.status_code == 200 and await response.get_data(as_text=True) == cached
        assert (await client.get(f"/e/{OVERDUE}", headers=ZH)).status_code == 503  # no page in hand
        await running.__aexit__(None, None, None)
    finally:
        server.stop()


async def test_it_keeps_95_percent_hits_with_10000_codes_in_two_languages_rotating(store):
    cache = PageCache(Config().page_cache_entries, check_seconds=0.05)
    codes = [f"3110350502{n:010d}" for n in range(10_000)]
    requests = [(code, lang) for code in codes for lang in ("zh_Hans", "en")]

    async def rotate():
        hits = 0
        for code, lang in requests:
            ticket = await cache.sync(store.db)
            if cache.get_gzip((code, lang)) is not None:
                hits += 1
            else:
                cache.put((code, lang), b"page", ticket, code)
        return hits / len(requests)

    assert await rotate() == 0  # warm-up
    await record_page_changes(store.db, codes[:100])
    await asyncio.sleep(0.06)
    assert 0.95 <= await rotate() < 1  # the 100 changed elevators were rendered again
    assert len(cache) == len(requests)


def test_it_evicts_the_least_recently_used_page_and_forgets_its_elevator():
    cache = PageCache(max_entries=3, check_seconds=1)
    for code in ("A", "B", "C"):
        cache.put((code, "en"), b"page " + code.encode(), 0, code)
    assert cache.get_gzip(("A", "en")) is not None  # A is now the most recently used
    cache.put(("D", "en"), b"page D", 0, "D")
    assert cache.get_gzip(("B", "en")) is None and len(cache) == 3
    cache.drop("B")  # already gone: nothing else is touched
    cache.drop("A")
    assert cache.get_gzip(("A", "en")) is None and cache.get_gzip(("C", "en")) is not None
    cache.put(("A", "en"), b"old page A", 0, "A")  # rendered before the drop: not kept
    assert cache.get_gzip(("A", "en")) is None
