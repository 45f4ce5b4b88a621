from core.config import Config
from core.store.embedded import EmbeddedProcess
from portal.app import create_app
from tests.factories import ON_TIME, TZ, load_small_district
from core.timeutil import today


async def test_it_answers_503_and_a_readable_page_when_the_database_is_down(tmp_path):
    server = EmbeddedProcess(tmp_path)
    config = Config.from_env(mongodb_uri=server.start(), db_name="health", db_timeout_ms=300)
    app = create_app(config)
    try:
        async with app.test_app() as running:
            client = running.test_client()
            await load_small_district(app.store.db, today(TZ))
            assert (await client.get("/healthz")).status_code == 200
            server.stop()
            assert (await client.get("/healthz")).status_code == 503
            response = await client.get(f"/e/{ON_TIME}")
            html = await response.get_data(as_text=True)
            assert response.status_code == 503
            assert "暂时无法" in html and 'href="tel:96333"' in html and "Traceback" not in html
    finally:
        server.stop()
