"""Passengers' forms through the real app and database: fault, complaint, rating, tracking."""

import re

from core.notify.contacts import add_contact
from tests.factories import ON_TIME, OVERDUE

GOOD_FAULT = {"category": "doors", "description": "门关不上 <script>alert(1)</script>", "phone": ""}


async def form_token(client, path):
    """Open a form like a browser does and return its signed token."""
    page = await (await client.get(path)).get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


async def post_form(client, path, fields, files=None):
    token = await form_token(client, path)
    return await client.post(path, form={"csrf": token, **fields}, files=files)


async def test_it_saves_a_fault_report_and_shows_its_tracking_page(client, app):
    response = await post_form(client, f"/e/{ON_TIME}/fault", GOOD_FAULT)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/r/") and location.endswith("?sent=1")
    page = await (await client.get(location)).get_data(as_text=True)
    assert "门" in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    doc = await app.app.store.db.reports.find_one({"elevator_id": ON_TIME})
    assert doc["state"] == "open" and doc["category"] == "doors" and len(doc["token"]) >= 20


async def test_it_keeps_what_was_typed_and_says_what_to_fix(client):
    response = await post_form(client, f"/e/{ON_TIME}/complaint",
                               {"about": "firm", "category": "slow_repair", "description": "修了三天", "phone": "1234"})
    page = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert "修了三天" in page and "11 位" in page or "11-digit" in page
    assert 'href="tel:12315"' in page


async def test_it_refuses_a_form_without_its_token(client):
    response = await client.post(f"/e/{ON_TIME}/fault", form=GOOD_FAULT)
    assert response.status_code == 403
    assert "重新打开" in await response.get_data(as_text=True)


async def test_it_limits_reports_per_hour_with_429(client):
    for n in range(5):
        assert (await post_form(client, f"/e/{ON_TIME}/fault", {**GOOD_FAULT, "category": "noise", "new": "1"})).status_code == 303
    response = await post_form(client, f"/e/{ON_TIME}/fault", {**GOOD_FAULT, "new": "1"})
    assert response.status_code == 429 and response.headers["Retry-After"] == "3600"


async def test_it_refuses_the_honeypot(client):
    response = await post_form(client, f"/e/{ON_TIME}/fault", {**GOOD_FAULT, "website": "http://spam"})
    assert response.status_code == 400


async def test_it_takes_one_rating_per_browser_per_month_and_averages(client, app):
    assert (await post_form(client, f"/e/{OVERDUE}/rating", {"stars": "4"})).status_code == 200
    assert (await post_form(client, f"/e/{OVERDUE}/rating", {"stars": "2"})).status_code == 409
    from core.reports import rating_summary
    assert await rating_summary(app.app.store.db, elevator_id=OVERDUE) == {"average": 4.0, "count": 1}


async def test_it_records_deliveries_to_the_firm_for_a_fault(client, app):
    db = app.app.store.db
    await add_contact(db, "F1", "fault", "email", "duty@f1.example.com", "zh_Hans")
    await post_form(client, f"/e/{ON_TIME}/fault", GOOD_FAULT)
    deliveries = await db.deliveries.find({}).to_list(None)
    assert [d["address"] for d in deliveries] == ["duty@f1.example.com"]
    assert deliveries[0]["message"]["subject"].startswith("故障报修：")


async def test_it_speaks_english_on_the_forms_and_their_errors(client):
    page = await (await client.get(f"/e/{ON_TIME}/complaint?lang=en")).get_data(as_text=True)
    assert "Whom do you complain about?" in page and "Slow rescue" in page
    response = await post_form(client, f"/e/{ON_TIME}/complaint", {"about": "unit", "description": "", "phone": ""})
    page = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Please fill this in." in page and "Please choose one." in page and "11-digit mobile number" in page
