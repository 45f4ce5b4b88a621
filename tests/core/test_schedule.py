import datetime

from core.config import Config
from core.schedule import DUE_SOON, OK, OVERDUE, all_due, covers, due_for, inspection_state

DAYS = Config().interval_days
D = datetime.date


def test_it_lets_longer_visits_cover_shorter_intervals():
    assert covers("yearly", "half_monthly") and covers("quarterly", "quarterly")
    assert not covers("half_monthly", "quarterly") and not covers("half_yearly", "yearly")


def test_it_counts_days_left_until_the_15_day_limit():
    due = due_for([(D(2026, 11, 20), "half_monthly")], "half_monthly", D(2026, 1, 1), D(2026, 11, 25), DAYS)
    assert due.due == D(2026, 12, 5) and due.days_left == 10 and not due.overdue
    assert due.state(3) == OK


def test_it_is_due_on_day_15_and_overdue_on_day_16():
    visits = [(D(2026, 11, 1), "half_monthly")]
    on_day = due_for(visits, "half_monthly", D(2026, 1, 1), D(2026, 11, 16), DAYS)
    assert on_day.days_left == 0 and on_day.state(3) == DUE_SOON and not on_day.overdue
    late = due_for(visits, "half_monthly", D(2026, 1, 1), D(2026, 11, 17), DAYS)
    assert late.overdue and late.days_overdue == 1 and late.state(3) == OVERDUE


def test_it_counts_from_the_contract_start_without_visits():
    due = due_for([], "half_monthly", D(2026, 11, 1), D(2026, 11, 25), DAYS)
    assert due.last is None and due.days_overdue == 9


def test_it_uses_the_latest_covering_visit_per_interval():
    visits = [(D(2026, 11, 20), "half_monthly"), (D(2026, 10, 1), "quarterly"), (D(2026, 2, 1), "yearly")]
    dues = {d.interval: d for d in all_due(visits, D(2025, 1, 1), D(2026, 11, 25), DAYS)}
    assert dues["half_monthly"].last == D(2026, 11, 20)
    assert dues["quarterly"].last == D(2026, 10, 1) and dues["quarterly"].days_left == 35
    assert dues["half_yearly"].last == D(2026, 2, 1) and dues["half_yearly"].overdue
    assert dues["yearly"].due == D(2027, 2, 1)


def test_it_reads_interval_lengths_from_configuration():
    short = dict(DAYS, half_monthly=10)
    due = due_for([(D(2026, 11, 20), "half_monthly")], "half_monthly", D(2026, 1, 1), D(2026, 11, 25), short)
    assert due.days_left == 5


def test_it_flags_inspections_past_due():
    today = D(2026, 11, 25)
    assert inspection_state(D(2026, 11, 24), today) == OVERDUE
    assert inspection_state(None, today) == OVERDUE
    assert inspection_state(D(2026, 12, 10), today) == DUE_SOON
    assert inspection_state(D(2027, 6, 1), today) == OK
