"""The rescue call in a phone-sized Chromium with JavaScript off, as a trapped passenger's phone may be."""

import re

from playwright.async_api import async_playwright

from core import clock
from portal import rescue as portal_rescue
from tests.factories import ON_TIME
from tests.portal.test_browser import CHROMIUM, FLAGS, base_url, phone, pytestmark  # noqa: F401 (fixtures)


async def test_it_sends_a_call_and_reads_the_status_page_without_javascript(base_url, phone, app):
    await phone.goto(f"{base_url}/e/{ON_TIME}/rescue")
    button = phone.get_by_role("button", name="一键求救").first
    box = await button.bounding_box()
    assert box["y"] + box["height"] <= 667 and box["x"] + box["width"] <= 375  # above the fold, no sideways scroll
    assert box["height"] >= 60  # a big target for a shaking hand
    await phone.get_by_label("被困人数？").fill("3")
    await button.click()
    assert "/rescue/" in phone.url
    assert await phone.get_by_role("heading", name="已收到您的求救").is_visible() or \
        await phone.get_by_role("heading", name="已通知维保单位").is_visible()
    assert await phone.get_by_text("不要强行扒门").is_visible()
    assert await phone.locator('a[href="tel:96333"]').count() >= 2
    assert await phone.locator('a[href="tel:0595-22000002"]').count() == 1
    call = await app.app.store.db.rescues.find_one({"elevator_id": ON_TIME})
    assert call["people"] == 3 and call["callers"][0]["flags"] == []
    await phone.reload()
    assert await app.app.store.db.rescues.count_documents({}) == 1


async def test_it_updates_the_status_page_live_where_javascript_runs(base_url, app, monkeypatch):
    monkeypatch.setattr(portal_rescue, "EVENTS_POLL_SECONDS", 0.2)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = await (await browser.new_context(viewport={"width": 375, "height": 667}, locale="zh-CN")).new_page()
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        await page.goto(f"{base_url}/e/{ON_TIME}/rescue")
        await page.get_by_role("button", name="一键求救").first.click()
        await page.wait_for_url("**/rescue/*")
        assert re.fullmatch(r"\d+:\d\d", await page.locator("#clock").inner_text())  # the ticking clock
        await app.app.store.db.rescues.update_one({}, {"$set": {
            "state": "accepted", "accepted_at": clock.now(),
            "accepted_by": {"person_id": "P1", "name": "林建明", "firm_name": "示例电梯"}}})
        await page.get_by_role("heading", name="维保人员正在赶来").wait_for(timeout=10_000)  # no reload
        assert "林建明" in await page.locator("#tech").inner_text() and not errors
        await browser.close()
