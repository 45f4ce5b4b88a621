"""Indexes, created idempotently at start-up."""

from pymongo import ASCENDING, DESCENDING, IndexModel

INDEXES = {
    # Each code belongs to one elevator: that is enforced by elevator_codes' _id, not by a
    # unique index on the `codes` array (the embedded server cannot enforce multikey uniqueness).
    "elevators": [IndexModel([("codes", ASCENDING)], name="codes"),
                  IndexModel([("firm_id", ASCENDING)], name="firm"),
                  IndexModel([("unit_id", ASCENDING)], name="unit")],
    # Firm pages: the list sorted by maintenance due date (most overdue first), and counts by
    # state as range queries on the stored due dates (core/standing.py, firm_counts).
    "elevator_pages": [IndexModel([("codes", ASCENDING)], name="codes"),
                       IndexModel([("firm.id", ASCENDING)], name="firm"),
                       IndexModel([("firm.id", ASCENDING), ("due.maintenance", ASCENDING), ("_id", ASCENDING)],
                                  name="firm_due"),
                       IndexModel([("firm.id", ASCENDING), ("inspection_result", ASCENDING),
                                   ("due.inspection", ASCENDING)], name="firm_inspection")],
    # The page sweep: {stale_since <= a minute ago}.
    "page_revisions": [IndexModel([("stale_since", ASCENDING)], name="stale_since")],
    "maintenance_records": [IndexModel([("elevator_id", ASCENDING), ("date", DESCENDING)], name="elevator_date"),
                            IndexModel([("firm_id", ASCENDING), ("date", DESCENDING)], name="firm_date"),
                            # A person's change reaches the pages whose records name them.
                            IndexModel([("technician_ids", ASCENDING)], name="technician")],
    "inspections": [IndexModel([("elevator_id", ASCENDING), ("date", DESCENDING)], name="elevator_date")],
    "supervisions": [IndexModel([("elevator_id", ASCENDING), ("date", DESCENDING)], name="elevator_date"),
                     IndexModel([("firm_id", ASCENDING)], name="firm")],
    "contacts": [IndexModel([("org_id", ASCENDING), ("kind", ASCENDING), ("channel", ASCENDING),
                             ("address", ASCENDING)], unique=True, name="org_kind_address")],
    "deliveries": [IndexModel([("notification_id", ASCENDING), ("seq", ASCENDING)], name="notification"),
                   IndexModel([("state", ASCENDING), ("created_at", ASCENDING)], name="state_created")],
    # A report's tracking page is found by its token; the elevator page and the me-too offer
    # list an elevator's open reports of a kind; the firm page reads a firm's latest reports.
    "reports": [IndexModel([("token", ASCENDING)], unique=True, name="token"),
                IndexModel([("elevator_id", ASCENDING), ("kind", ASCENDING), ("state", ASCENDING),
                            ("created_at", DESCENDING)], name="elevator_kind_state"),
                IndexModel([("firm_id", ASCENDING), ("created_at", DESCENDING)], name="firm_created"),
                # The 24-hour escalation looks for reports still open since before a cutoff.
                IndexModel([("state", ASCENDING), ("created_at", ASCENDING)], name="state_created"),
                # Open311 GET requests: public (fault) reports by date, newest first.
                IndexModel([("kind", ASCENDING), ("created_at", DESCENDING)], name="kind_created")],
    # Averages on the elevator page and the firm page (one voter per month is the _id).
    "ratings": [IndexModel([("elevator_id", ASCENDING)], name="elevator"),
                IndexModel([("firm_id", ASCENDING)], name="firm")],
    # Counters expire after their window (keys carry the window anyway).
    "rate_limits": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expires")],
    # Every job has a key (generated when the caller gives none): one job per key.
    "jobs": [IndexModel([("key", ASCENDING)], unique=True, name="key_unique"),
             # claim_job: {state: pending, due <= now} sorted by due.
             IndexModel([("state", ASCENDING), ("due", ASCENDING)], name="state_due"),
             # remove_done_jobs and the failed list of `liftwatch jobs`.
             IndexModel([("state", ASCENDING), ("finished_at", ASCENDING)], name="state_finished")],
    # Telegram's retries of one update: its id is the _id; forgotten after a week.
    "telegram_updates": [IndexModel([("at", ASCENDING)], expireAfterSeconds=7 * 86400, name="expires")],
    # Unused invites are useless after expiry; the document goes a day later.
    "invites": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=86400, name="expires")],
    # A person's open visit (one at a time), the latest check-in, and the sweep of visits left open.
    "visits": [IndexModel([("person_id", ASCENDING), ("open", ASCENDING)], name="person_open"),
               IndexModel([("person_id", ASCENDING), ("checkin.at", DESCENDING)], name="person_checkin"),
               IndexModel([("open", ASCENDING), ("started_at", ASCENDING)], name="open_started")],
    "work_photos": [IndexModel([("firm_id", ASCENDING)], name="firm")],
    # Rescue calls (core/rescue.py): `slot` is unique, so an elevator has one open call and
    # simultaneous first taps join it; the status page finds a call by token; a repeated tap
    # finds its call by the caller's idempotency key; the dispatch sweep reads calls still
    # `received`; the dispatch board a firm's open calls; the bot a technician's accepted call;
    # the regulator's digest the calls over the arrival target by the day they began.
    "rescues": [IndexModel([("slot", ASCENDING)], unique=True, name="slot_unique"),
                IndexModel([("token", ASCENDING)], unique=True, name="token"),
                IndexModel([("callers.key", ASCENDING)], name="caller_key"),
                IndexModel([("state", ASCENDING), ("created_at", ASCENDING)], name="state_created"),
                IndexModel([("firm_id", ASCENDING), ("open", ASCENDING), ("created_at", ASCENDING)],
                           name="firm_open"),
                IndexModel([("accepted_by.person_id", ASCENDING), ("open", ASCENDING)], name="accepted_by"),
                IndexModel([("over_target", ASCENDING), ("created_at", ASCENDING)], name="over_target")],
    # Rescue dispatch finds the Telegram accounts of the elevator's technicians.
    "telegram_accounts": [IndexModel([("person_id", ASCENDING)], name="person")],
    "people": [IndexModel([("phone", ASCENDING)], unique=True, name="phone_unique"),
               IndexModel([("org_id", ASCENDING)], name="org")],
}


async def ensure_indexes(db):
    """Create every index the application relies on; existing ones are left alone."""
    for collection, models in INDEXES.items():
        await db[collection].create_indexes(models)
