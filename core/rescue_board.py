"""The firm dispatcher's board of open rescue calls, at a signed address the firm can revoke.

The address carries the firm's board version; `liftwatch dispatch-link F01 --revoke` moves
the version on, so every address given out before stops working at once.
"""

import hmac

from core import clock, guard
from core.rescue import STATES
from core.store import orgs as org_store
from core.store import rescues as store


def board_signature(key, firm_id, version):
    """Return the signature of a firm's board address of one version."""
    return guard.link_signature(key, firm_id, "rescue-board", str(version))


def board_url(key, base_url, firm_id, version):
    """Return the board's signed address."""
    return f"{base_url}/dispatch/{firm_id}?v={version}&sig={board_signature(key, firm_id, version)}"


async def dispatch_link(db, key, base_url, firm_id, revoke=False):
    """Return the firm's current board address (a new one, revoking the old, with revoke); None for no firm."""
    firm = await org_store.find_firm(db, firm_id)
    if firm is None:
        return None
    version = await store.bump_board_version(db, firm_id) if revoke else firm.get("dispatch_board_version", 0)
    return board_url(key, base_url, firm_id, version)


async def open_board(db, key, firm_id, version, signature):
    """Return the firm whose board this address opens, or None when it is not ours or was revoked."""
    if not (isinstance(version, str) and version.isdigit() and len(version) < 10 and isinstance(signature, str)):
        return None
    firm = await org_store.find_firm(db, firm_id) if isinstance(firm_id, str) and len(firm_id) < 40 else None
    if firm is None or int(version) != firm.get("dispatch_board_version", 0):
        return None
    return firm if hmac.compare_digest(board_signature(key, firm_id, int(version)), signature) else None


async def board_rows(db, firm_id):
    """Return the firm's open calls with minutes since each was received, oldest first."""
    now = clock.now()
    rows = []
    for rescue in await store.find_open_for_firm(db, firm_id):
        rows.append({"rescue": rescue, "minutes": int((now - rescue["created_at"]).total_seconds() // 60),
                     "state_label": STATES[rescue["state"]]})
    return rows
