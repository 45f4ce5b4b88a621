"""An elevator whose page could contradict itself: quarterly items long overdue, inspection failed."""

import datetime
import re

import pytest

from core.codes import make_registration_code
from core.district import add_elevators, add_inspections, add_maintenance_records
from core.page_writer import rebuild_page
from core.timeutil import today
from tests.factories import TZ, at, elevator, visit

LATE = make_registration_code("3110", "350502", 2019, 5, 7)


@pytest.fixture
async def late(app):
    """Add an elevator visited half-monthly on time, quarterly items 310 days late, failed inspection."""
    db, day = app.app.store.db, today(TZ)
    await add_elevators(db, [elevator(LATE, day, address="泉州市鲤城区西街9号")])
    visits = [visit(LATE, day - datetime.timedelta(days=3 + 14 * n)) for n in range(20)]
    visits.append(visit(LATE, day - datetime.timedelta(days=400), interval="yearly"))
    await add_maintenance_records(db, visits)
    await add_inspections(db, [{"elevator_id": LATE, "body": "泉州市特种设备检验研究院", "result": "fail",
                                "date": at(day - datetime.timedelta(days=20)),
                                "next_due": at(day + datetime.timedelta(days=345))}])
    await rebuild_page(db, LATE)
    return LATE


def card(html, kind):
    return re.search(rf'<section class="card {kind} (\w+)">(.*?)</section>', html, re.S).groups()


async def test_it_says_the_same_lateness_in_headline_colour_and_table(client, late):
    html = await (await client.get(f"/e/{late}?lang=en")).get_data(as_text=True)
    state, body = card(html, "due")
    assert state == "overdue"
    assert "Quarterly maintenance overdue by 310 days" in body
    quarterly = re.search(r"<tr[^>]*><td>Quarterly</td>.*?</tr>", body).group(0)
    assert "310 days overdue" in quarterly and "bad" in quarterly
    assert "due in" not in body


async def test_it_draws_a_failed_inspection_as_failed(client, late):
    html = await (await client.get(f"/e/{late}")).get_data(as_text=True)
    state, body = card(html, "insp")
    assert state == "failed"
    assert "最近一次定期检验不合格" in body and "下次检验日期" not in body


async def test_it_counts_days_on_an_overdue_inspection(client, codes):
    html = await (await client.get(f"/e/{codes['overdue']}?lang=en")).get_data(as_text=True)
    state, body = card(html, "insp")
    assert state == "overdue" and "Inspection overdue by 35 days" in body
