"""What the public pages show: one call per page, framework-free."""

import re

from core.checklists import CATEGORIES
from core.codes import group_digits, normalise_code
from core.standing import elevator_standing, firm_counts
from core.store import elevators as elevator_store
from core.store import orgs as org_store
from core.timeutil import local_date, today as local_today

FIRM_PAGE_SIZE = 50
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
    state = elevator_standing(page, today, config)
    last_valid = next((row for row in page["maintenance"] if row["valid"] and row.get("interval")), None)
    return {
        "page": page, "code": code, "code_grouped": group_digits(page["_id"]),
        "category": category_names(page["category"]), "standing": state,
        "maintenance": state.worst_maintenance, "inspection": state.inspection,
        "last_valid": last_valid, "today": today, "config_days": config.interval_days["half_monthly"],
    }


async def find_elevator(db, raw_code):
    """Return the elevator a code names, or raise NotFound or InvalidCode (a form's post needs no page)."""
    code = normalise_code(raw_code)
    elevator = await elevator_store.find_elevator_by_code(db, code)
    if elevator is None:
        raise NotFound(code)
    return elevator


def page_number(raw):
    """Return the 1-based page number a ?page= value asks for (1 when unreadable)."""
    text = (raw or "1").strip()
    return int(text) if text.isdigit() and 0 < len(text) <= 6 and int(text) > 0 else 1


async def firm_view(db, firm_id, config, page=1):
    """Return the firm's public page content (one page of its elevators), or raise NotFound."""
    if not isinstance(firm_id, str) or not _FIRM_ID.match(firm_id):
        raise NotFound(firm_id)
    firm = await org_store.find_firm(db, firm_id)
    if firm is None:
        raise NotFound(firm_id)
    today = local_today(config.timezone)
    counts = await firm_counts(db, firm_id, today, config)
    pages = max(1, -(-counts["elevators"] // FIRM_PAGE_SIZE))
    if page > pages:
        raise NotFound(page)
    rows = await elevator_store.find_firm_page_rows(db, firm_id, (page - 1) * FIRM_PAGE_SIZE, FIRM_PAGE_SIZE)
    licences = [{**lic, "expired": local_date(lic["expires"], config.timezone) < today}
                for lic in firm.get("licences", [])]
    return {"firm": firm, "counts": counts, "licences": licences, "credit": firm.get("credit") or {},
            "today": today, "page": page, "pages": pages, "first": (page - 1) * FIRM_PAGE_SIZE + 1,
            "rows": [(row, elevator_standing(row, today, config).worst) for row in rows]}
