"""Indexes, created idempotently at start-up, and the queries each one serves.

tests/core/store/test_indexes_used.py runs the app's queries, explains each on the server and
fails on a collection scan not listed in FULL_SCANS, or on an index serving a function that
SERVES does not name for it.
"""

from pymongo import ASCENDING, DESCENDING, IndexModel

INDEXES = {
    # Each code belongs to one elevator: that is enforced by elevator_codes' _id, not by a
    # unique index on the `codes` array (the embedded server cannot enforce multikey uniqueness).
    "elevators": [IndexModel([("codes", ASCENDING)], name="codes"),
                  IndexModel([("firm_id", ASCENDING)], name="firm"),
                  IndexModel([("unit_id", ASCENDING)], name="unit"),
                  IndexModel([("technician_ids", ASCENDING)], name="technician")],
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
                            # A person's change reaches the pages whose records name them; a
                            # technician's latest record (a correction) is the first entry.
                            IndexModel([("technician_ids", ASCENDING), ("date", DESCENDING),
                                        ("created_at", DESCENDING)], name="technician_date"),
                            # The daily round's list of records the using unit has not confirmed.
                            IndexModel([("confirmed", ASCENDING), ("created_at", ASCENDING)], name="unconfirmed")],
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
             # claim_job of one kind (a worker's lane of its own, core/worker.py): {kind, state, due <= now}.
             IndexModel([("kind", ASCENDING), ("state", ASCENDING), ("due", ASCENDING)], name="kind_state_due"),
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
    # The bot waiting for a technician's location for /today (the _id is the person's): the read
    # checks expires_at itself, since the server's expiry runs only about once a minute.
    "location_requests": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expires")],
    "work_photos": [IndexModel([("firm_id", ASCENDING)], name="firm")],
    # Rescue calls (core/rescue.py): `slot` is unique, so an elevator has one open call and
    # simultaneous first taps join it; the status page finds a call by token; a caller's
    # idempotency key is unique across calls, so a repeated tap cannot join or open a call
    # (it fails with a duplicate key, and only then is its call looked up by the key); the dispatch sweep reads calls still
    # `received`; the dispatch board a firm's open calls; the bot a technician's accepted call;
    # the regulator's digest the calls over the arrival target by the day they began.
    "rescues": [IndexModel([("slot", ASCENDING)], unique=True, name="slot_unique"),
                IndexModel([("token", ASCENDING)], unique=True, name="token"),
                IndexModel([("callers.key", ASCENDING)], unique=True, name="caller_key_unique"),
                IndexModel([("state", ASCENDING), ("created_at", ASCENDING)], name="state_created"),
                IndexModel([("firm_id", ASCENDING), ("open", ASCENDING), ("created_at", ASCENDING)],
                           name="firm_open"),
                IndexModel([("accepted_by.person_id", ASCENDING), ("open", ASCENDING)], name="accepted_by"),
                IndexModel([("over_target", ASCENDING), ("created_at", ASCENDING)], name="over_target")],
    "people": [IndexModel([("phone", ASCENDING)], unique=True, name="phone_unique"),
               IndexModel([("org_id", ASCENDING)], name="org")],
    # Rescue dispatch, reminders and confirmations find the Telegram accounts of people.
    "telegram_accounts": [IndexModel([("person_id", ASCENDING)], name="person")],
}


_ELEVATORS, _RECORDS, _REPORTS = "core.store.elevators.", "core.store.records.", "core.store.reports."
_JOBS, _VISITS, _RESCUES = "core.store.jobs.", "core.store.visits.", "core.store.rescues."
_CONTACTS = ("core.store.contacts.find_contacts", "core.store.contacts._read_contacts_of_orgs",
             "core.store.contacts.upsert_contact", "core.store.contacts.upsert_contacts",
             "core.store.contacts.delete_contacts")
_TTL = "the server's expiry of old documents (TTL)"

# (collection, index) -> the storage functions whose queries it serves (module.function), or why it is kept.
# A write gathered with other tasks' (core/store/batch.py) is named by the run function of its Gatherer.
SERVES = {
    ("elevators", "codes"): (_ELEVATORS + "find_elevator_by_code",),
    ("elevators", "firm"): (_ELEVATORS + "find_elevators", _ELEVATORS + "find_elevator_ids"),
    ("elevators", "unit"): (_ELEVATORS + "find_elevators", _ELEVATORS + "find_elevator_ids_of_unit"),
    ("elevators", "technician"): (_VISITS + "find_elevators_of",),
    ("elevator_pages", "codes"): (_ELEVATORS + "find_elevator_page",),
    ("elevator_pages", "firm"): (_ELEVATORS + "find_page_tallies", _ELEVATORS + "count_firm_pages"),
    ("elevator_pages", "firm_due"): (_ELEVATORS + "find_firm_page_rows", _ELEVATORS + "count_firm_pages"),
    ("elevator_pages", "firm_inspection"): (_ELEVATORS + "count_firm_pages",),
    ("page_revisions", "stale_since"): ("core.store.page_revisions.find_stale",),
    ("maintenance_records", "elevator_date"): (_RECORDS + "find_maintenance_records",),
    ("maintenance_records", "firm_date"): ("kept for bench/store.py's count of a firm's records; no query of "
                                           "the app uses it since grading reads the firm tally",),
    ("maintenance_records", "technician_date"): (_RECORDS + "find_elevator_ids_served_by",
                                                 _RECORDS + "find_latest_record_of"),
    ("maintenance_records", "unconfirmed"): (_RECORDS + "find_unconfirmed_records",),
    ("telegram_accounts", "person"): ("core.store.technicians.find_officer_accounts",
                                      "core.store.technicians.find_accounts_of"),
    ("inspections", "elevator_date"): (_RECORDS + "find_inspections",),
    ("supervisions", "elevator_date"): (_RECORDS + "find_supervisions",),
    ("supervisions", "firm"): ("no query of the app uses it yet (a firm's supervision findings come from "
                               "its tally)",),
    ("contacts", "org_kind_address"): _CONTACTS,
    ("deliveries", "notification"): ("core.store.deliveries.find_deliveries",),
    ("deliveries", "state_created"): ("core.store.deliveries.find_pending_notifications",),
    ("reports", "token"): (_REPORTS + "find_report_by_token",),
    ("reports", "elevator_kind_state"): (_REPORTS + "find_open_reports",),
    ("reports", "firm_created"): (_REPORTS + "find_firm_report_times",),
    ("reports", "state_created"): (_REPORTS + "claim_unacknowledged",),
    ("reports", "kind_created"): (_REPORTS + "find_reports",),
    ("ratings", "elevator"): (_REPORTS + "sum_ratings",),
    ("ratings", "firm"): (_REPORTS + "sum_ratings",),
    ("rate_limits", "expires"): (_TTL,),
    ("jobs", "key_unique"): (_JOBS + "_upsert_together", _JOBS + "find_job", _JOBS + "delete_job"),
    ("jobs", "state_due"): (_JOBS + "claim_job", _JOBS + "find_retrying_jobs"),
    ("jobs", "kind_state_due"): (_JOBS + "claim_job",),
    ("jobs", "state_finished"): (_JOBS + "remove_done_jobs", _JOBS + "find_failed_jobs"),
    ("telegram_updates", "expires"): (_TTL,),
    ("invites", "expires"): (_TTL,),
    ("visits", "person_open"): (_VISITS + "find_open_visit",),
    ("visits", "person_checkin"): (_VISITS + "find_last_checkin",),
    ("visits", "open_started"): (_VISITS + "find_visits_open_since",),
    ("location_requests", "expires"): (_TTL,),
    ("work_photos", "firm"): (_VISITS + "find_firm_photo_hashes",),
    ("people", "phone_unique"): ("core.store.technicians.find_person_by_phone",),
    ("people", "org"): ("core.store.technicians.find_officer_accounts", _RESCUES + "find_firm_people"),
    ("rescues", "slot_unique"): (_RESCUES + "_join_all",),
    ("rescues", "token"): (_RESCUES + "find_by_token",),
    ("rescues", "caller_key_unique"): (_RESCUES + "find_by_caller_key", _RESCUES + "_join_all"),
    ("rescues", "state_created"): (_RESCUES + "find_received_between",),
    ("rescues", "firm_open"): (_RESCUES + "find_open_for_firm",),
    ("rescues", "accepted_by"): (_RESCUES + "find_open_accepted_by",),
    ("rescues", "over_target"): (_RESCUES + "find_over_target",),
}

# Queries that read a whole collection on purpose, and why that is fine.
FULL_SCANS = {
    "core.store.jobs.count_jobs": "`liftwatch jobs` counts every job by kind and state; done jobs are deleted "
                                  "after LIFTWATCH_JOB_KEEP_DONE_HOURS, so the collection holds about a day's work",
    "core.store.meta.holds_elevators": "reads one document (limit 1) to tell an empty database from a full one",
    "core.store.technicians.find_person_ids": "an enrolment reads every person's id for the next free P-number "
                                              "(MongoDB answers it from the _id index, DISTINCT_SCAN)",
}

# Indexes an earlier version created and this one replaced: dropped before the new ones are made
# (MongoDB refuses a second index on the same keys under another name).
RETIRED = {"rescues": ("caller_key",)}


async def ensure_indexes(db):
    """Create every index the application relies on, after dropping retired ones; existing ones are left alone."""
    for collection, names in RETIRED.items():
        held = {index["name"] async for index in await db[collection].list_indexes()}
        for name in set(names) & held:
            await db[collection].drop_index(name)
    for collection, models in INDEXES.items():
        await db[collection].create_indexes(models)
