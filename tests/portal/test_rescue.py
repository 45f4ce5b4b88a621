"""The passenger's rescue call through the real app and database: one tap, never lost, never doubled."""

import asyncio
import gzip
import json
import re
from pathlib import Path

from core import clock
from portal import rescue as portal_rescue
from tests.factories import ON_TIME, OVERDUE

STATIC = Path(__file__).resolve().parents[2] / "static"


async def open_form(client, code=ON_TIME):
    """Open the rescue page like a browser does; return (csrf, key)."""
    page = await (await client.get(f"/e/{code}/rescue")).get_data(as_text=True)
    return (re.search(r'name="csrf" value="([^"]+)"', page).group(1),
            re.search(r'name="key" value="([^"]+)"', page).group(1))


async def tap(client, code=ON_TIME, **fields):
    """Send the rescue form as opened; return the response."""
    csrf, key = await open_form(client, code)
    return await client.post(f"/e/{code}/rescue", form={"csrf": csrf, "key": key, **fields})


async def test_it_stores_a_call_and_shows_its_status_page(client, app):
    response = await tap(client, people="2", hurt="no", phone="138 0000 1234")
    assert response.status_code == 303 and response.headers["Location"].startswith("/rescue/")
    call = await app.app.store.db.rescues.find_one({"elevator_id": ON_TIME})
    assert call["people"] == 2 and call["callers"][0]["phone"] == "13800001234" and call["open"]
    page = await (await client.get(response.headers["Location"])).get_data(as_text=True)
    assert "已收到您的求救" in page and 'href="tel:96333"' in page and 'href="tel:0595-22000002"' in page
    assert "13800001234" not in page and "不要强行扒门" in page


async def test_it_keeps_one_call_for_a_double_tap_a_retry_and_a_second_person(client, app):
    csrf, key = await open_form(client)
    first = await client.post(f"/e/{ON_TIME}/rescue", form={"csrf": csrf, "key": key})
    again = await client.post(f"/e/{ON_TIME}/rescue", form={"csrf": csrf, "key": key})
    assert first.headers["Location"] == again.headers["Location"]
    other = await tap(client, people="3")
    assert other.headers["Location"] == first.headers["Location"]
    calls = await app.app.store.db.rescues.find({}).to_list(None)
    assert len(calls) == 1 and len(calls[0]["callers"]) == 2 and calls[0]["people"] == 3


async def test_it_never_loses_a_call_for_bad_answers_or_a_missing_token(client, app):
    response = await client.post(f"/e/{OVERDUE}/rescue", form={"people": "many", "hurt": "<b>", "phone": "12",
                                                               "website": "x", "key": "$ne"})
    assert response.status_code == 303
    call = await app.app.store.db.rescues.find_one({"elevator_id": OVERDUE})
    assert call is not None and not call.get("people")
    assert set(call["callers"][0]["flags"]) == {"people_unreadable", "hurt_unreadable", "phone_unreadable",
                                                "no_form_token", "honeypot"}


async def test_it_flags_many_calls_instead_of_refusing_them(client, app):
    for _n in range(12):
        assert (await tap(client)).status_code == 303
    call = await app.app.store.db.rescues.find_one({"elevator_id": ON_TIME})
    assert len(call["callers"]) == 12 and "many_calls" in call["callers"][-1]["flags"]
    assert "many_calls" not in call["callers"][0]["flags"]


async def test_it_keeps_the_rescue_page_within_6_kb_gzip_with_its_css(client):
    html = await (await client.get(f"/e/{ON_TIME}/rescue", headers={"Accept-Encoding": "identity"})).get_data()
    assert b"<script" not in html and b'method="post"' in html
    total = sum(len(gzip.compress(data, 6)) for data in
                (html, (STATIC / "app.css").read_bytes(), (STATIC / "rescue.css").read_bytes()))
    assert total <= 6 * 1024, total


async def test_it_answers_404_for_an_unknown_elevator_or_token(client):
    assert (await client.post("/e/31103505022099990000/rescue", form={})).status_code == 404
    assert (await client.get("/rescue/not-a-real-token-at-all")).status_code == 404


async def test_it_streams_each_change_of_state_as_a_server_sent_event(client, app, monkeypatch):
    monkeypatch.setattr(portal_rescue, "EVENTS_POLL_SECONDS", 0.05)
    monkeypatch.setattr(portal_rescue, "EVENTS_STREAM_SECONDS", 1.0)
    location = (await tap(client)).headers["Location"]

    async def arrive_later():
        await asyncio.sleep(0.3)
        await app.app.store.db.rescues.update_one({}, {"$set": {"state": "arrived", "arrived_at": clock.now()}})

    later = asyncio.create_task(arrive_later())
    response = await client.get(f"{location}/events?lang=en")
    await later
    body = (await response.get_data()).decode()
    assert response.headers["Content-Type"] == "text/event-stream" and response.headers["Content-Encoding"] == "identity"
    events = [json.loads(line[6:]) for line in body.splitlines() if line.startswith("data: ")]
    assert [e["state"] for e in events][-1] == "arrived" and events[0]["state"] in ("received", "notified")
    assert events[-1]["state_label"] == "The technician has arrived" and events[-1]["steps"][3]["at"]


async def test_it_serves_the_status_script_from_static_under_the_strict_policy(client):
    location = (await tap(client)).headers["Location"]
    response = await client.get(location)
    page = await response.get_data(as_text=True)
    assert '<script src="/static/rescue.js' in page and "<script>" not in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"] or \
        "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert '<noscript><meta http-equiv="refresh"' in page
    assert (await client.get("/static/rescue.js")).status_code == 200


async def test_it_shows_the_firm_its_open_calls_at_a_signed_revocable_address(client, app):
    from core.rescue_board import dispatch_link
    db, key = app.app.store.db, app.app.secret_key_bytes
    await tap(client, code=OVERDUE)
    url = (await dispatch_link(db, key, "http://x", "F1")).removeprefix("http://x")
    page = await (await client.get(url)).get_data(as_text=True)
    assert OVERDUE in page and "已收到您的求救" in page and 'http-equiv="refresh" content="15"' in page
    assert (await client.get(url.replace("sig=", "sig=x"))).status_code == 404
    assert (await client.get(url.replace("/F1?", "/F2?"))).status_code == 404
    fresh = (await dispatch_link(db, key, "http://x", "F1", revoke=True)).removeprefix("http://x")
    assert (await client.get(url)).status_code == 404 and (await client.get(fresh)).status_code == 200
