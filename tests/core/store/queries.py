"""The app's queries, run for real: the portal's pages and forms, the worker's jobs and sweeps, and
the storage calls of the bot and the command line (which need a Telegram chat or a terminal)."""

import dataclasses
import datetime
import re

from bson import ObjectId

from core import clock
from core.store import contacts as contact_store
from core.store import deliveries as delivery_store
from core.store import elevators as elevator_store
from core.store import jobs as job_store
from core.store import meta as meta_store
from core.store import orgs as org_store
from core.store import page_revisions as revision_store
from core.store import records as record_store
from core.store import reports as report_store
from core.store import rescues as rescue_store
from core.store import tallies as tally_store
from core.store import technicians as people_store
from core.store import visits as visit_store
from core.timeutil import today
from core.worker import Worker
from portal.app import create_app
from tests.factories import EQUIPMENT_CODE, FRESH, ON_TIME, OVERDUE, TZ, grade_firm, load_small_district

MOBILE = "13800138000"


async def run_app_queries(config):
    """Run the portal, the worker and the storage calls of the bot and the CLI on the small district."""
    app = create_app(dataclasses.replace(config, page_cache_seconds=0.01))
    async with app.test_app() as running:
        db, day = app.store.db, today(TZ)
        await load_small_district(db, day)
        await grade_firm(db, day, config)
        await portal_requests(running.test_client())
        worker = Worker(db, config)
        await worker.drain()
        await worker.sweep()
        await bot_and_cli_calls(db, day)
        await worker.drain()


async def form(client, path, fields):
    """Open a form as a browser does and send it; return the response."""
    page = await (await client.get(path)).get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return await client.post(path, form={"csrf": token, **fields})


async def portal_requests(client):
    """Ask for every kind of public page, and send each form once."""
    for code in (ON_TIME, OVERDUE, FRESH, EQUIPMENT_CODE, "31103505022099010001"):
        await client.get(f"/e/{code}")
        await client.get(f"/e/{code}?lang=en")
    for path in (f"/e/{ON_TIME}/rescue", "/firms/F1", "/firms/F1?page=1", "/firms/F9", "/healthz",
                 f"/go?code={ON_TIME}", "/open311/v2/services.json", "/open311/v2/requests.json",
                 "/open311/v2/requests.xml?status=open"):
        await client.get(path)
    sent = await form(client, f"/e/{OVERDUE}/fault", {"category": "doors", "description": "门关不上", "phone": ""})
    await client.get(sent.headers["Location"])
    await form(client, f"/e/{OVERDUE}/fault", {"category": "doors", "description": "也关不上", "phone": ""})
    await form(client, f"/e/{ON_TIME}/complaint", {"about": "firm", "category": "slow_repair",
                                                   "description": "修了三天", "phone": MOBILE})
    await form(client, f"/e/{ON_TIME}/rating", {"stars": "4", "comment": "好"})
    await client.get(f"/e/{ON_TIME}")
    await rescue_requests(client)


async def rescue_requests(client):
    """A rescue call sent twice from one form and once more, its status page and the firm's board."""
    page = await (await client.get(f"/e/{OVERDUE}/rescue")).get_data(as_text=True)
    fields = {name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1) for name in ("csrf", "key")}
    sent = await client.post(f"/e/{OVERDUE}/rescue", form={**fields, "people": "2"})
    await client.post(f"/e/{OVERDUE}/rescue", form=fields)
    await client.get(sent.headers["Location"])


async def bot_and_cli_calls(db, day):
    """Make the storage calls the bot and the command line make."""
    now = clock.now()
    await people_calls(db, now)
    await visit_calls(db, now)
    await org_calls(db, day, now)
    await job_and_delivery_calls(db, now)
    await rescue_calls(db, now)


async def rescue_calls(db, now):
    """The rescue flow's reads beyond the portal's: the bot, the sweeps, the board and the digest."""
    call = await db.rescues.find_one({"elevator_id": OVERDUE}, {"_id": 1, "token": 1, "callers": 1})
    await rescue_store.find_by_caller_key(db, call["callers"][0]["key"])
    await rescue_store.find_by_token(db, call["token"])
    await rescue_store.find_rescue(db, call["_id"])
    await rescue_store.find_received_between(db, now - datetime.timedelta(hours=1), now)
    await rescue_store.find_open_for_firm(db, "F1")
    await rescue_store.find_open_accepted_by(db, "P1")
    await rescue_store.find_over_target(db, now - datetime.timedelta(days=1), now)
    await rescue_store.find_figures(db, f"elevator:{OVERDUE}")
    await rescue_store.find_firm_people(db, "F1")
    await rescue_store.bump_board_version(db, "F1")


async def people_calls(db, now):
    """Enrolment, accounts and Telegram updates (bot/enrolment, bot/start)."""
    await people_store.find_person_ids(db)
    await people_store.find_person_by_phone(db, MOBILE)
    await people_store.find_person(db, "P1")
    await people_store.save_face(db, "P1", {"embeddings": [], "reference_photos": [b"x"], "enrolled_at": now})
    await people_store.find_face(db, "P1")
    await people_store.drop_reference_photos(db, "P1")
    await people_store.insert_invite(db, "hash", "P1", now + datetime.timedelta(days=1))
    await people_store.use_invite(db, "hash", now)
    await people_store.link_account(db, 7001, "P1", "en")
    await people_store.find_account(db, 7001)
    await people_store.set_account_lang(db, 7001, "zh_Hans")
    await people_store.record_update(db, 42, now)


async def visit_calls(db, now):
    """A visit from check-in to check-out (core/visits.py)."""
    await visit_store.find_elevators_of(db, "P1")
    await elevator_store.find_elevator_by_code(db, EQUIPMENT_CODE)
    visit_id = await visit_store.insert_visit(db, {"person_id": "P1", "elevator_id": ON_TIME, "firm_id": "F1",
                                                   "open": True, "started_at": now, "checkin": {"at": now}})
    await visit_store.find_open_visit(db, "P1")
    await visit_store.find_visit(db, visit_id)
    await visit_store.update_visit(db, visit_id, {"$set": {"step": "photos"}})
    await visit_store.find_last_checkin(db, "P1")
    await visit_store.find_visits_open_since(db, now)
    await visit_store.find_firm_photo_hashes(db, "F1")
    await visit_store.insert_work_photo(db, "F1", visit_id, "0f0f")
    await visit_store.push_selfie_hash(db, "P1", "0f0f")
    await visit_store.record_exists(db, visit_id)
    await visit_store.save_location_request(db, "P1", "today", now + datetime.timedelta(minutes=5))
    await visit_store.find_location_request(db, "P1", "today", now)
    await visit_store.delete_location_request(db, "P1")
    record = await db.maintenance_records.find_one({"elevator_id": ON_TIME}, {"_id": 1})
    await record_store.find_maintenance_record(db, str(record["_id"]))
    await record_store.find_elevator_ids_served_by(db, "P1")
    # A correction of the technician's latest record (bot/correction.py), the unit's officers (W5).
    await record_store.find_latest_record_of(db, "P1")
    await record_store.save_pending_correction(db, "P1", str(record["_id"]), now)
    since = now - datetime.timedelta(minutes=30)
    await record_store.find_pending_correction(db, "P1", since)
    await record_store.take_pending_correction(db, "P1", since)
    await record_store.find_unconfirmed_records(db, now)
    await db.people.insert_one({"_id": "P90", "org_id": "U1", "roles": ["safety_officer"], "phone": "13900000090"})
    await people_store.find_officer_accounts(db, "U1")
    await people_store.find_accounts_of(db, ["P1"])
    await people_store.find_accounts_of_cached(db, ["P2"])


async def org_calls(db, day, now):
    """Labels, contacts, the regulator, firm pages and tallies (portal/cli*, core/daily, core/grading)."""
    await org_store.find_firms(db)
    await org_store.find_regulators(db)
    await org_store.find_org(db, "F1")
    await elevator_store.find_elevators(db, firm_id="F1")
    await elevator_store.find_elevators(db, unit_id="U1")
    await elevator_store.find_elevator_ids(db)
    await elevator_store.find_elevator_ids_of_unit(db, "U1")
    await elevator_store.find_page_tallies(db, "F1")
    await tally_store.find_tally(db, "F1")
    await contact_store.find_contacts(db)
    await contact_store.find_contacts(db, "F1")
    contact = {"org_id": "F1", "kind": "fault", "channel": "email", "address": "duty@f1.example", "lang": "en"}
    await contact_store.upsert_contact(db, contact)
    await contact_store.upsert_contacts(db, [contact])
    await contact_store.find_contacts_of_orgs(db, ["F1", "U1"])
    await contact_store.delete_contacts(db, "F1", "fault", "email", "duty@f1.example")
    await meta_store.find_meta(db, "demo")
    await meta_store.holds_elevators(db)
    await meta_store.trim_page_changes(db)
    await revision_store.find_stale(db, now)
    await revision_store.find_revision(db, ON_TIME)
    await report_store.find_api_key(db, "hash")
    await report_store.find_firm_report_times(db, "F1")
    await report_store.sum_ratings(db, firm_id="F1")
    report = await db.reports.find_one({"kind": "fault"})
    await report_store.find_report(db, report["_id"])
    await report_store.change_state(db, report["_id"], ["open"], "acknowledged", {"at": now}, {"acknowledged_at": now})
    await report_store.claim_unacknowledged(db, now, now)


async def job_and_delivery_calls(db, now):
    """`liftwatch jobs`, and a delivery's life (core/notify)."""
    await job_store.count_jobs(db)
    await job_store.find_failed_jobs(db)
    await job_store.find_retrying_jobs(db)
    await job_store.find_job(db, "page:x")
    delivery = await db.deliveries.find_one({})
    delivery_id = delivery["_id"] if delivery else ObjectId()
    await delivery_store.find_delivery(db, delivery_id)
    await delivery_store.find_deliveries(db, delivery["notification_id"] if delivery else ObjectId())
    await delivery_store.claim_delivery(db, delivery_id, now, 60)
    await delivery_store.mark_failed(db, delivery_id, now, "test", False)
    await delivery_store.mark_sent(db, delivery_id, now)
    await delivery_store.find_pending_notifications(db, now)
