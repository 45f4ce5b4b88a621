"""The read commands: find, getMore, killCursors, count, distinct (explain: wiremongo/explain.py)."""

from wiremongo import keys, query
from wiremongo.errors import CommandError, bad_value
from wiremongo.matching import check_filter
from wiremongo.options import check_fields, check_hint_type, collection_name, document, number
from wiremongo.planner import plan
from wiremongo.scan import Stats

_FIND_FIELDS = {"filter", "sort", "projection", "hint", "skip", "limit", "batchSize", "singleBatch",
                "noCursorTimeout", "allowPartialResults", "allowDiskUse"}
_FIND_REFUSED = {"min", "max", "returnKey", "showRecordId", "tailable", "awaitData", "oplogReplay", "readOnce"}


def _coll(ctx, db_name, name):
    db = ctx.database(db_name)
    return db, (db.collection(name) if db is not None else None)


def find_query(ctx, db_name, cmd, stats=None):
    """Check a find command and return (namespace, document iterator, single batch?)."""
    check_fields(cmd, _FIND_FIELDS, _FIND_REFUSED)
    name = collection_name(db_name, cmd)
    filter_doc = check_filter(document(cmd, "filter") or {})
    sort = _sort_spec(document(cmd, "sort"))
    skip, limit = number(cmd, "skip"), number(cmd, "limit")
    if skip < 0:
        raise bad_value("skip value must be non-negative")
    db, coll = _coll(ctx, db_name, name)
    hint = check_hint_type(cmd.get("hint"))
    if coll is not None and hint is not None:
        plan(coll, {}, None, hint)  # refuses a hint naming no index, even for an empty result
    docs = query.find(db, coll, filter_doc, sort, skip, abs(limit), hint, document(cmd, "projection"),
                      stats=_tee(ctx, stats), raw=ctx.cursors.raw and stats is None)
    return f"{db_name}.{name}", docs, bool(cmd.get("singleBatch")) or limit < 0


def _tee(ctx, stats):
    return Stats(parent=ctx.stats) if stats is None else stats


def _sort_spec(sort):
    if not sort:
        return None
    for field, direction in sort.items():
        if isinstance(direction, dict) or direction not in (1, -1):
            raise bad_value(f"$sort key ordering must be 1 (for ascending) or -1 (for descending): {field}")
    return sort


def cmd_find(ctx, db_name, cmd):
    ns, docs, single = find_query(ctx, db_name, cmd)
    batch = number(cmd, "batchSize", None)
    if batch is not None and batch < 0:
        raise bad_value("batchSize must be non-negative")
    return ctx.cursors.first_batch(ns, docs, batch, single)


def cmd_get_more(ctx, db_name, cmd):
    check_fields(cmd, {"collection", "batchSize", "term", "lastKnownCommittedOpTime"})
    cursor_id = cmd["getMore"]
    ns = f"{db_name}.{cmd.get('collection')}"
    batch = ctx.cursors.next_batch(int(cursor_id), ns, number(cmd, "batchSize") or None)
    if batch is None:
        raise CommandError(f"cursor id {cursor_id} not found", 43, "CursorNotFound")
    return batch


def cmd_kill_cursors(ctx, db_name, cmd):
    check_fields(cmd, {"cursors"})
    return ctx.cursors.kill([int(c) for c in cmd.get("cursors") or []])


def cmd_count(ctx, db_name, cmd):
    check_fields(cmd, {"query", "skip", "limit", "hint", "fields"})
    name = collection_name(db_name, cmd)
    filter_doc = check_filter(document(cmd, "query") or {})
    db, coll = _coll(ctx, db_name, name)
    hint = check_hint_type(cmd.get("hint"))
    return {"n": query.count(db, coll, filter_doc, number(cmd, "skip"), abs(number(cmd, "limit")), hint, ctx.stats)}


def cmd_distinct(ctx, db_name, cmd):
    check_fields(cmd, {"key", "query", "hint"})
    name = collection_name(db_name, cmd)
    key = cmd.get("key")
    if not isinstance(key, str) or not key:
        raise bad_value("distinct key must be a non-empty string")
    filter_doc = check_filter(document(cmd, "query") or {})
    db, coll = _coll(ctx, db_name, name)
    values = {}
    for doc in query.find(db, coll, filter_doc, hint=check_hint_type(cmd.get("hint")), stats=ctx.stats):
        for value in keys.path_values(doc, key):
            if value is not keys.MISSING:
                values.setdefault(keys.encode(value), value)
    return {"values": [values[k] for k in sorted(values)]}


HANDLERS = {"find": cmd_find, "getMore": cmd_get_more, "killCursors": cmd_kill_cursors, "count": cmd_count,
            "distinct": cmd_distinct}
