"""What the public pages show: one call per page, framework-free."""

import re

from core import schedule
from core.checklists import CATEGORIES
from core.codes import group_digits, normalise_code
from core.pages import due_states, is_overdue
from core.store import elevators as elevator_store
from core.store import orgs as org_store
from core.timeutil import local_date, today as local_today

_FIRM_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


class NotFound(LookupError):
    """The thing asked for does not exist (or the request could never name one)."""


def category_names(code):
    """Return (zh, en) names of an equipment category."""
    return CATEGORIES.get(code, (code, code))


async def elevator_view(db, raw_code, config):
    """Return everything the elevator page shows, or raise NotFound or InvalidCode."""
    code = normalise_code(raw_code)
    page = await elevator_store.find_elevator_page(db, code)
    if page is None:
        raise NotFound(code)
    today = local_today(config.timezone)
    dues = due_states(page, today, config)
    inspection_due = page["next_inspection_due"]
    inspection_day = local_date(inspection_due, config.timezone) if inspection_due else None
    last_valid = next((row for row in page["maintenance"] if row["valid"]), None)
    return {
        "page": page, "code": code, "code_grouped": group_digits(page["_id"]),
        "category": category_names(page["category"]),
        "half_monthly": dues[0], "dues": dues,
        "due_state": schedule.OVERDUE if any(d.overdue for d in dues) else dues[0].state(config.due_soon_days),
        "inspection_state": schedule.inspection_state(inspection_day, today),
        "inspection_due": inspection_day, "last_valid": last_valid, "today": today,
        "config_days": config.interval_days["half_monthly"],
    }


async def firm_view(db, firm_id, config):
    """Return the firm's public page content, or raise NotFound."""
    if not isinstance(firm_id, str) or not _FIRM_ID.match(firm_id):
        raise NotFound(firm_id)
    firm = await org_store.find_firm(db, firm_id)
    if firm is None:
        raise NotFound(firm_id)
    pages = await elevator_store.find_elevator_pages(db, firm_id)
    today = local_today(config.timezone)
    overdue = [p for p in pages if is_overdue(p, today, config)]
    licences = [{**lic, "expired": local_date(lic["expires"], config.timezone) < today}
                for lic in firm.get("licences", [])]
    return {"firm": firm, "pages": pages, "overdue": overdue, "licences": licences,
            "credit": firm.get("credit") or {}, "today": today}
