import datetime

from core.config import Config
from core.standing import DUE_SOON, FAILED, OK, OVERDUE, due_dates, elevator_standing, firm_counts
from core.timeutil import local_midnight_utc
from core.wording import headline

CONFIG = Config()
TODAY = datetime.date(2026, 6, 15)


def at(day):
    return local_midnight_utc(day, CONFIG.timezone) + datetime.timedelta(hours=10)


def days_ago(n):
    return TODAY - datetime.timedelta(days=n)


def page(half_monthly=5, quarterly=30, half_yearly=30, yearly=30, inspection_due=200, result="pass"):
    """Return the fields of a page summary that its standing is computed from."""
    # As a summary stores them: a longer interval's visit also counts for the shorter ones.
    last = {"half_monthly": min(half_monthly, quarterly, half_yearly, yearly),
            "quarterly": min(quarterly, half_yearly, yearly), "half_yearly": min(half_yearly, yearly),
            "yearly": yearly}
    return {"maintenance_start": at(days_ago(2000)),
            "last_by_interval": {k: at(days_ago(v)) for k, v in last.items()},
            "next_inspection_due": at(TODAY + datetime.timedelta(days=inspection_due)) if inspection_due is not None else None,
            "inspection_result": result}


def test_it_names_the_most_overdue_interval_as_the_worst():
    standing = elevator_standing(page(half_monthly=20, quarterly=400, half_yearly=400, yearly=400), TODAY, CONFIG)
    worst = standing.worst_maintenance
    assert (worst.interval, worst.state, worst.days) == ("quarterly", OVERDUE, 310)
    assert standing.maintenance[0].days == 5 and standing.maintenance_overdue
    assert headline(worst, "en") == "Quarterly maintenance overdue by 310 days"
    assert headline(worst, "zh_Hans") == "季度维保已超期 310 天"


def test_it_names_the_next_due_interval_when_none_is_late():
    standing = elevator_standing(page(half_monthly=4, yearly=363), TODAY, CONFIG)
    worst = standing.worst_maintenance
    assert (worst.interval, worst.state, worst.days) == ("yearly", DUE_SOON, 2)
    assert not standing.maintenance_overdue
    assert headline(worst, "en") == "Yearly maintenance due in 2 days"
    assert elevator_standing(page(), TODAY, CONFIG).worst.state == OK


def test_it_shows_a_failed_inspection_as_failed_and_worst():
    standing = elevator_standing(page(result="fail"), TODAY, CONFIG)
    assert standing.inspection.state == FAILED and standing.worst.state == FAILED
    assert headline(standing.inspection, "en") == "Failed its last inspection"
    late = elevator_standing(page(result="fail", inspection_due=-12), TODAY, CONFIG).inspection
    assert (late.state, late.days) == (FAILED, 12)


def test_it_counts_the_days_an_inspection_is_overdue():
    inspection = elevator_standing(page(inspection_due=-40), TODAY, CONFIG).inspection
    assert (inspection.state, inspection.days) == (OVERDUE, 40)
    assert headline(inspection, "zh_Hans") == "定期检验已超期 40 天"
    never = elevator_standing(page(inspection_due=None, result=None), TODAY, CONFIG).inspection
    assert never.state == OVERDUE and headline(never, "en") == "No inspection on record."


async def test_it_counts_a_firms_states_as_the_standing_says(store):
    cases = [page(), page(half_monthly=16), page(quarterly=400, half_yearly=400, yearly=400), page(half_monthly=13), page(result="fail"),
             page(inspection_due=-3), page(inspection_due=None, result=None), page(yearly=364)]
    docs = []
    for n, case in enumerate(cases):
        doc = {**case, "_id": f"E{n}", "firm": {"id": "F1"}}
        doc["due"] = due_dates(doc, CONFIG)
        docs.append(doc)
    await store.db.elevator_pages.insert_many(docs)
    counts = await firm_counts(store.db, "F1", TODAY, CONFIG)
    standings = [elevator_standing(d, TODAY, CONFIG) for d in docs]
    assert counts["elevators"] == len(docs)
    assert counts["maintenance_overdue"] == sum(s.worst_maintenance.state == OVERDUE for s in standings) == 2
    assert counts["maintenance_due_soon"] == sum(s.worst_maintenance.state == DUE_SOON for s in standings) == 2
    assert counts["inspection_failed"] == sum(s.inspection.state == FAILED for s in standings) == 1
    assert counts["inspection_overdue"] == sum(s.inspection.state == OVERDUE for s in standings) == 2
