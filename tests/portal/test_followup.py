"""Following a report up: email to the firm, signed action links, fixed / not fixed, me too."""

import asyncio
import re
from urllib.parse import urlsplit

from core import report_jobs
from core.notify.contacts import add_contact
from tests.factories import ON_TIME
from tests.portal.test_page_changes import settled
from tests.portal.test_reports import GOOD_FAULT, form_token, post_form
from tests.standins.smtp import SMTPStandin


async def report_fault(client, app, **fields):
    response = await post_form(client, f"/e/{ON_TIME}/fault", {**GOOD_FAULT, **fields})
    token = response.headers["Location"].split("/r/")[1].split("?")[0]
    return token, await app.app.store.db.reports.find_one({"token": token})


async def act(client, url, note=""):
    """Follow a firm's link from the email: open it, then confirm the action."""
    parts = urlsplit(url)
    path = f"{parts.path}?{parts.query}"
    page = await (await client.get(path)).get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return await client.post(path, form={"csrf": token, "note": note})


async def test_it_emails_the_firm_with_a_chinese_subject_and_working_links(client, app, monkeypatch):
    db = app.app.store.db
    await add_contact(db, "F1", "fault", "email", "duty@f1.example.com", "zh_Hans")
    await add_contact(db, "U1", "fault", "email", "office@u1.example.com", "zh_Hans")
    with SMTPStandin() as smtp:
        monkeypatch.setenv("LIFTWATCH_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("LIFTWATCH_SMTP_PORT", str(smtp.port))
        monkeypatch.setenv("LIFTWATCH_SMTP_STARTTLS", "0")
        await report_jobs.close_notifier()  # opened when the app started: reopened with these settings
        token, report = await report_fault(client, app)
        for _ in range(100):  # the app's own worker runs the deliver jobs
            if len(smtp.received) == 2:
                break
            await asyncio.sleep(0.1)
    to_firm = next(m for _, rcpt, m in smtp.received if rcpt == ["duty@f1.example.com"])
    assert to_firm["Subject"].startswith("故障报修：")
    assert any(rcpt == ["office@u1.example.com"] for _, rcpt, _ in smtp.received)
    body = to_firm.get_body(("plain",)).get_content()
    links = dict(re.findall(r"(acknowledge|in_progress|fixed|rejected)\?exp=(\S+)", body))
    assert set(links) == {"acknowledge", "in_progress", "fixed", "rejected"}
    base = f"http://127.0.0.1:8000/a/{report['_id']}/"
    assert (await act(client, base + "acknowledge?exp=" + links["acknowledge"])).status_code == 200
    assert (await db.reports.find_one({"_id": report["_id"]}))["state"] == "acknowledged"


def signed(app, report_id, action):
    from core.followup import action_url
    return action_url(app.app.secret_key_bytes, "http://x", report_id, action)


async def test_it_refuses_a_forged_or_expired_action_link(client, app):
    _, report = await report_fault(client, app)
    url = signed(app, report["_id"], "fixed")
    assert (await client.get(url.replace("http://x", "").replace("sig=", "sig=A"))).status_code == 403
    expired = re.sub(r"exp=\d+", "exp=1000", url).replace("http://x", "")
    assert (await client.get(expired)).status_code == 403
    assert (await client.get(f"/a/{report['_id']}/fixed")).status_code == 403


async def test_it_reopens_on_not_fixed_and_tells_the_firm_and_regulator(client, app):
    db = app.app.store.db
    await add_contact(db, "F1", "not_fixed", "email", "duty@f1.example.com", "zh_Hans")
    token, report = await report_fault(client, app)
    assert (await act(client, signed(app, report["_id"], "fixed"), "换了门机皮带")).status_code == 200
    page = await (await client.get(f"/r/{token}")).get_data(as_text=True)
    assert "维保单位称已修好" in page and "换了门机皮带" in page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    assert (await client.post(f"/r/{token}", form={"csrf": csrf, "fixed": "no"})).status_code == 303
    reopened = await db.reports.find_one({"_id": report["_id"]})
    assert reopened["state"] == "reopened" and [h["state"] for h in reopened["history"]] == ["open", "fixed", "reopened"]
    told = await db.deliveries.find({"kind": "not_fixed"}).to_list(None)
    assert {d["address"] for d in told} == {"duty@f1.example.com"}
    assert (await act(client, signed(app, report["_id"], "fixed"), "再修一次")).status_code == 200
    page = await (await client.get(f"/r/{token}")).get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    await client.post(f"/r/{token}", form={"csrf": csrf, "fixed": "yes"})
    assert (await db.reports.find_one({"_id": report["_id"]}))["state"] == "confirmed"


async def test_it_offers_me_too_for_the_same_open_fault(client, app):
    db = app.app.store.db
    _, first = await report_fault(client, app)
    response = await post_form(client, f"/e/{ON_TIME}/fault", GOOD_FAULT)
    page = await response.get_data(as_text=True)
    assert response.status_code == 200 and "已有人报修了这个故障" in page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    done = await client.post(f"/e/{ON_TIME}/fault/metoo", form={"csrf": csrf, "report_id": first["_id"], "comment": "三楼也是"})
    assert done.status_code == 200
    assert (await db.reports.find_one({"_id": first["_id"]}))["metoo_count"] == 1
    assert await db.reports.count_documents({}) == 1
    other = await post_form(client, f"/e/{ON_TIME}/fault", {**GOOD_FAULT, "category": "light"})
    assert other.status_code == 303  # another category is a new report


async def test_it_shows_open_faults_and_ratings_on_the_public_pages(client, app):
    token, report = await report_fault(client, app)
    await post_form(client, f"/e/{ON_TIME}/rating", {"stars": "3"})
    await settled(app.app.store.db)  # the app's worker rebuilds the page summary, which holds them
    page = await (await client.get(f"/e/{ON_TIME}")).get_data(as_text=True)
    assert "未处理的故障报修" in page and "门" in page and "3.0" in page and "1 条评价" in page
    assert "alert(1)" not in page and token not in page  # no description, no tracking token
    await act(client, signed(app, report["_id"], "acknowledge"))
    await act(client, signed(app, report["_id"], "fixed"), "修好了")
    firm = await (await client.get("/firms/F1")).get_data(as_text=True)
    assert "确认收到的中位时间" in firm and "修复的中位时间" in firm and "0.0 小时" in firm
    await settled(app.app.store.db)
    await asyncio.sleep(app.app.page_cache.check_seconds)  # the page cache looks at the version this often
    page = await (await client.get(f"/e/{ON_TIME}")).get_data(as_text=True)
    assert "未处理的故障报修" not in page


async def test_it_escalates_a_report_nobody_acknowledged_in_24_hours_once(client, app):
    import datetime
    from core.followup import escalate_unacknowledged
    db = app.app.store.db
    await add_contact(db, "F1", "fallback", "email", "boss@f1.example.com", "zh_Hans")
    await db.regulators.insert_one({"_id": "R1", "name": "鲤城区市场监督管理局"})
    await add_contact(db, "R1", "unacknowledged", "email", "desk@r1.example.com", "zh_Hans")
    _, late = await report_fault(client, app)
    _, answered = await report_fault(client, app, category="light")
    await act(client, signed(app, answered["_id"], "acknowledge"))
    later = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=25)
    signing = {"key": app.app.secret_key_bytes, "base_url": "http://x"}
    assert await escalate_unacknowledged(db, now=later - datetime.timedelta(hours=2), **signing) == []
    ids = await escalate_unacknowledged(db, now=later, **signing)
    told = await db.deliveries.find({"_id": {"$in": ids}}).to_list(None)
    assert sorted((d["address"], d["copy"]) for d in told) == [("boss@f1.example.com", False), ("desk@r1.example.com", True)]
    assert all(late["_id"] in d["notification_id"] for d in told)
    assert await escalate_unacknowledged(db, now=later, **signing) == []  # once only


async def test_it_shows_on_the_tracking_page_a_notification_that_failed_for_good(client, app):
    import datetime
    from core.store import reports as report_store
    token, report = await report_fault(client, app)
    at = datetime.datetime(2026, 11, 26, 2, 0, tzinfo=datetime.timezone.utc)
    for n, (party, told) in enumerate((("firm", True), ("unit", False))):
        await report_store.note_undelivered(app.app.store.db, report["_id"], {
            "delivery_id": f"d{n}", "party": party, "channel": "email", "told": told, "at": at})
    page = await (await client.get(f"/r/{token}?lang=en")).get_data(as_text=True)
    assert ("A notification could not be delivered to the maintenance firm; its fallback contact and the "
            "regulator were told.") in page
    assert "A notification could not be delivered to the using unit." in page
    page = await (await client.get(f"/r/{token}?lang=zh_Hans")).get_data(as_text=True)
    assert "通知未能送达维保单位；已改为告知其备用联系人和监管部门。" in page
