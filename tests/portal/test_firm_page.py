"""The firm page: counts by state, and its elevator list one page at a time."""

import datetime
import re

from core.codes import make_registration_code
from core.district import add_elevators, add_maintenance_records
from core.page_writer import rebuild_page
from core.timeutil import today
from tests.factories import TZ, elevator, history

EXTRA = 57  # with the small district's 3: 60 elevators, two pages of 50


async def add_many(db):
    """Add EXTRA elevators to firm F1, every fifth one with no maintenance for 400 days."""
    day = today(TZ)
    codes = [make_registration_code("3110", "350502", 2020, 1, 100 + n) for n in range(EXTRA)]
    await add_elevators(db, [elevator(code, day) for code in codes])
    await add_maintenance_records(db, [v for n, code in enumerate(codes) if n % 5
                                       for v in history(code, day, 2, count=24)])
    for code in codes:
        await rebuild_page(db, code)
    return codes


def listed(html):
    return re.findall(r'<li class="[^"]*"><a href="/e/(\d+)">', html)


async def test_it_counts_elevators_by_state_and_pages_the_list(app, client):
    await add_many(app.app.store.db)
    first = await (await client.get("/firms/F1?lang=en")).get_data(as_text=True)
    assert "Elevators maintained: <b>60</b>" in first
    overdue = re.search(r'<td class="bad">Overdue: <b>(\d+)</b>', first).group(1)
    assert int(overdue) == 2 + 12  # the small district's overdue and unvisited ones, and every fifth added
    assert "1–50 of 60" in first and "Page 1 of 2" in first and 'href="?page=2"' in first
    second = await (await client.get("/firms/F1?page=2")).get_data(as_text=True)
    one, two = listed(first), listed(second)
    assert len(one) == 50 and len(two) == 10 and not set(one) & set(two)
    assert first.index("overdue by") < first.index("due in")  # most overdue first


async def test_it_answers_404_past_the_last_page_and_page_1_for_nonsense(client):
    assert (await client.get("/firms/F1?page=2")).status_code == 404
    response = await client.get("/firms/F1?page=abc")
    assert response.status_code == 200 and len(listed(await response.get_data(as_text=True))) == 3
