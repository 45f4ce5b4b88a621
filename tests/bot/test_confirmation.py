"""W5: a valid visit asks the using unit to confirm it, and the signed link confirms it once."""

import re
from dataclasses import replace
from urllib.parse import urlsplit

from core.notify.contacts import add_contact
from portal.app import create_app
from tests.bot.test_visit import through_checklist, work_photo


async def test_it_asks_the_unit_to_confirm_and_the_signed_link_confirms(linked, district, store, bot_config):
    await add_contact(store.db, "U1", "confirmation", "email", "safety@u1.example.com", "en")
    await through_checklist(linked, district["on_time"], store)
    for name in ("coffee", "rocket", "horse"):
        await linked.say(linked.photo(work_photo(name)))
    assert "recorded as valid" in await linked.say(linked.location())
    delivery = await store.db.deliveries.find_one({"kind": "confirmation"})
    assert delivery["org_id"] == "U1" and delivery["address"] == "safety@u1.example.com"
    url = urlsplit(delivery["message"]["links"][0]["url"])
    assert delivery["message"]["links"][0]["label"] == "Confirm the record"
    app = create_app(replace(bot_config, worker_in_serve=False, secret_key=""))
    async with app.test_app():
        client = app.test_client()
        forged = await client.get(url.path + "?" + url.query.replace("sig=", "sig=0"))
        assert forged.status_code == 403
        shown = await client.get(f"{url.path}?{url.query}")
        csrf = re.search(r'name="csrf" value="([^"]+)"', await shown.get_data(as_text=True)).group(1)
        done = await client.post(f"{url.path}?{url.query}", form={"csrf": csrf})
        assert "已确认" in await done.get_data(as_text=True)
    record = await store.db.maintenance_records.find_one({"visit_id": {"$exists": True}})
    assert record["confirmed"]["by"] == "signed link"
