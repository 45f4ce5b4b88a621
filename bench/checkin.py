"""Time check-ins under load: many technicians send their selfie at once through the Bot API stand-in.

    .venv/bin/python bench/checkin.py [--technicians 50]

Each technician is linked, starts a visit at an elevator of their firm and shares a location;
then every selfie (the astronaut, cropped and rotated) is delivered at the same moment, through
the portal's webhook (`/telegram/webhook`, as in production, requests handled concurrently),
and the time from each selfie's delivery to the bot's answer is measured. Prints p50, p99, max.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import clock, faces, photos, technicians  # noqa: E402
from core.config import Config  # noqa: E402
from core.store.client import open_store  # noqa: E402
from core.store.embedded import EmbeddedProcess  # noqa: E402
from core.store import technicians as people_store  # noqa: E402
from portal.app import create_app  # noqa: E402
from tests import face_samples as samples  # noqa: E402
from tests.bot.conftest import Chat  # noqa: E402
from tests.factories import load_small_district  # noqa: E402
from tests.standins.telegram import TelegramStandin  # noqa: E402

SECRET = "bench-secret"


async def post(client, update):
    """Deliver one update to the webhook."""
    answer = await client.post("/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert answer.status_code == 200, answer.status_code


async def prepare(db, count, chats, client, code):
    """Enrol, link and bring each technician's visit to the selfie step."""
    reference = samples.encode(samples.astronaut())
    face = {"embeddings": faces.enrol_sync([reference]), "reference_hashes": [photos.phash(reference)],
            "enrolled_at": clock.now()}
    for n, chat in enumerate(chats):
        person = f"P{500 + n}"
        await db.people.insert_one({"_id": person, "name": f"技师{n}", "org_id": "F1", "roles": ["technician"],
                                    "phone": f"1390000{n:04d}"})
        await people_store.save_face(db, person, face)
        await post(client, chat.command(f"/start {await technicians.invite(db, person)}"))
        await post(client, chat.command(f"/start v_{code}"))
        await post(client, chat.tap("t:half_monthly"))
        await post(client, chat.location())


async def run(count):
    """Run the benchmark and print its figures."""
    with tempfile.TemporaryDirectory() as data_dir, TelegramStandin() as telegram:
        server = EmbeddedProcess(Path(data_dir) / "db")
        uri = server.start()
        try:
            config = Config.from_env(mongodb_uri=uri, db_name=f"bench_{uuid.uuid4().hex[:8]}", data_dir=Path(data_dir),
                                     worker_in_serve=False)
            config = replace(config, telegram_token=telegram.token, telegram_api_url=telegram.url,
                             telegram_webhook_secret=SECRET)
            store = await open_store(config)
            codes = await load_small_district(store.db, clock.now().date())
            app = create_app(config)
            async with app.test_app():
                client = app.test_client()
                chats = [Chat(telegram, user_id=9000 + n) for n in range(count)]
                await prepare(store.db, count, chats, client, codes["on_time"])
                selfie = samples.encode(samples.variations(samples.astronaut())["crop+rotate+bright+jpeg"])
                updates = [chat.photo(selfie) for chat in chats]
                await faces.warm_up()

                async def one(update):
                    started = time.perf_counter()
                    await post(client, update)
                    return time.perf_counter() - started

                times = await asyncio.gather(*(one(u) for u in updates))
            accepted = sum("/" in m["text"].split()[0] for c in chats for m in c.replies()[-1:])
            await store.client.drop_database(config.db_name)
            await store.close()
        finally:
            faces.shutdown()
            server.stop()
    times = sorted(times)
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    print(f"{count} selfies at once through the webhook: accepted {accepted}; "
          f"p50 {statistics.median(times):.2f} s, p99 {p99:.2f} s, max {times[-1]:.2f} s")


def main():
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--technicians", type=int, default=50)
    asyncio.run(run(parser.parse_args().technicians))


if __name__ == "__main__":
    main()
