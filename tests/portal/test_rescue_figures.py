"""Public rescue figures on the elevator and firm pages, and the regulator's digest of late calls."""

import dataclasses
import datetime

import pytest

from core import clock, rescue, rescue_steps
from core.daily import run_daily_round
from core.notify.contacts import REGULATOR, add_contact
from core.store import elevators as elevator_store
from core.store import orgs as org_store
from core.timeutil import local_date, local_midnight_utc
from core.worker import Worker
from tests.factories import ON_TIME, technician

EMPTY = {"people": None, "hurt": None, "phone": None}


@pytest.fixture
def config(config):
    """Run no worker inside the app: these tests drain the jobs themselves, on a stopped clock."""
    return dataclasses.replace(config, worker_in_serve=False)


async def rescued(db, config, minutes_to_arrive, code=ON_TIME):
    """Make one call reached after minutes_to_arrive and closed; return it."""
    elevator = await elevator_store.find_elevator(db, code)
    call, _ = await rescue.call(db, elevator, rescue.new_key(), EMPTY, [])
    await rescue_steps.accept(db, call["_id"], technician())
    clock.advance(minutes=minutes_to_arrive)
    where = {"lat": 24.9, "lng": 118.58, "sent_at": clock.now(), "accuracy": 5}
    call = await rescue_steps.arrive(db, await rescue.find_by_token(db, call["token"]), where, config)
    call = await rescue_steps.close(db, await rescue_steps.release(db, call), "power_cut")
    await Worker(db, config).drain()
    return call


async def test_it_shows_calls_median_and_worst_arrival_on_the_elevator_and_firm_pages(client, app):
    db, config = app.app.store.db, app.app.config["LIFTWATCH"]
    clock.set_time(clock.now() - datetime.timedelta(hours=3))
    for minutes in (12, 20, 41):
        await rescued(db, config, minutes)
    clock.release()
    page = await (await client.get(f"/e/{ON_TIME}?lang=en")).get_data(as_text=True)
    assert "3 rescue calls" in page and "median 20.0 min, worst 41.0 min" in page
    assert "1 reached after 30 minutes" in page
    firm = await (await client.get("/firms/F1?lang=en")).get_data(as_text=True)
    assert "3 rescue calls" in firm and "worst 41.0 min" in firm
    assert "Rescue calls reached after the 30-minute target" in firm  # the grade's deduction, explained


async def test_it_lists_every_call_over_30_minutes_in_the_regulators_digest(app):
    db, config = app.app.store.db, app.app.config["LIFTWATCH"]
    await org_store.upsert_regulators(db, [REGULATOR])
    await add_contact(db, "R01", "digest", "email", "digest@amr.example.com", "en")
    day = local_date(clock.now(), config.timezone)
    clock.set_time(local_midnight_utc(day - datetime.timedelta(days=1), config.timezone) + datetime.timedelta(hours=12))
    late = await rescued(db, config, 45)
    await rescued(db, config, 10, code=app.app.codes["overdue"])
    clock.release()
    await run_daily_round(db, config, {"date": day.isoformat()})
    digest = await db.deliveries.find_one({"kind": "digest", "address": "digest@amr.example.com"})
    assert f"{late['elevator_id']}" in digest["message"]["text"] and "reached after 45 min" in digest["message"]["text"]
    assert app.app.codes["overdue"] not in digest["message"]["text"]
