"""The write commands: insert, update, delete, findAndModify, each in one SQLite transaction."""

import collections.abc
import re

import bson

from wiremongo import fieldnames, matching, query
from wiremongo.errors import CommandError, bad_value
from wiremongo.options import check_collation, check_fields, check_hint_type, collection_name, document
from wiremongo.planner import plan
from wiremongo.scan import raw_rows, scan

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
KEPT_DOCUMENTS = 100  # an update_many keeps this many matches in memory; it reads the others again


def prepare_insert(doc):
    """Check a document for storage; return it with its _id first (a new ObjectId if none) and its BSON."""
    if isinstance(doc, collections.abc.Mapping) and not isinstance(doc, dict):
        doc = bson.decode(bson.encode(doc))
    if not isinstance(doc, dict):
        raise CommandError("document to insert must be an object", 14, "TypeMismatch")
    _check_id(doc.get("_id"))
    if "_id" not in doc:
        doc = {"_id": bson.ObjectId(), **doc}
    elif next(iter(doc)) != "_id":
        doc = {"_id": doc["_id"], **doc}
    fieldnames.check_id_names(doc["_id"])
    raw = bson.encode(doc)
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise CommandError("object to insert too large", 10334, "BSONObjectTooLarge")
    return doc, raw


def _check_id(value):
    if isinstance(value, list):
        raise CommandError("can't use an array for _id", 53, "InvalidIdField")
    if isinstance(value, (re.Pattern, bson.regex.Regex)):
        raise CommandError("can't use a regex for _id", 53, "InvalidIdField")


def _statements(cmd, field):
    items = cmd.get(field)
    if not isinstance(items, list):
        raise CommandError(f"BSON field '{next(iter(cmd))}.{field}' is missing or not an array", 40414,
                           "Location40414")
    return items


def _run_statements(txn, cmd, items, apply):
    """Apply each statement in its own savepoint; collect writeErrors; stop at the first if ordered."""
    errors = []
    for index, item in enumerate(items):
        try:
            with txn.statement():
                apply(index, item)
        except CommandError as exc:
            errors.append({"index": index, "code": exc.code, "errmsg": str(exc), **exc.extra})
            if cmd.get("ordered", True):
                break
    return errors


def _with_errors(reply, errors):
    if errors:
        reply["writeErrors"] = errors
    return reply


def cmd_insert(ctx, db_name, cmd):
    check_fields(cmd, {"documents", "ordered"})
    name = collection_name(db_name, cmd)
    docs = _statements(cmd, "documents")
    done = []
    with ctx.writing(db_name) as txn:
        coll = txn.collection(name)
        errors = _run_statements(txn, cmd, docs, lambda _, doc: done.append(txn.insert(coll, *prepare_insert(doc))))
    return _with_errors({"n": len(done)}, errors)


def cmd_update(ctx, db_name, cmd):
    check_fields(cmd, {"updates", "ordered"})
    name = collection_name(db_name, cmd)
    specs = _statements(cmd, "updates")
    _check_statements(specs, "update.updates", _UPDATE_FIELDS)
    totals = {"n": 0, "nModified": 0}
    upserted = []
    with ctx.writing(db_name) as txn:
        txn.collection(name)

        def apply(index, spec):
            matched, modified, new_id = update_statement(txn, txn.collection(name), spec)
            totals["n"] += matched + (new_id is not None)
            totals["nModified"] += modified
            if new_id is not None:
                upserted.append({"index": index, "_id": new_id})

        errors = _run_statements(txn, cmd, specs, apply)
    reply = dict(totals)
    if upserted:
        reply["upserted"] = upserted
    return _with_errors(reply, errors)


_UPDATE_FIELDS = {"q", "u", "multi", "upsert", "hint", "collation", "arrayFilters", "c"}


def _check_statements(specs, name, allowed):
    """Refuse the whole command when a statement is not an object or has a field MongoDB 7 does not know."""
    for spec in specs:
        if not isinstance(spec, dict):
            raise CommandError(f"BSON field '{name}' must be an array of objects", 14, "TypeMismatch")
        unknown = set(spec) - allowed
        if unknown:
            raise CommandError(f"BSON field '{name}.{unknown.pop()}' is an unknown field.", 40415, "Location40415")


def update_statement(txn, coll, spec):
    """Apply one update statement; return (matched, modified, upserted _id or None)."""
    _refuse_extras(spec)
    filter_doc = matching.check_filter(spec.get("q") or {})
    update = spec.get("u")
    matching.check_update(update)
    multi = bool(spec.get("multi"))
    if multi and not matching.is_operator_update(update):
        raise CommandError("multi update is not supported for replacement-style update", 9, "FailedToParse")
    hint = check_hint_type(spec.get("hint"))
    if multi:
        # The matches are all found before any changes, so a moved index key is never met twice.
        # Only the first documents are kept, so a large update_many holds few at a time; the rest
        # are read again by row id (no statement changes a row before its own turn).
        chosen = plan(coll, filter_doc, None, hint)
        exact = chosen.exact_count and chosen.index is not None
        rids = []
        for rid, raw in raw_rows(txn.db, coll, chosen, txn.conn):
            doc = bson.decode(raw)
            if exact or matching.matches(filter_doc, doc):
                rids.append((rid, doc, raw) if len(rids) < KEPT_DOCUMENTS else (rid, None, None))
        rows = (row if row[1] is not None else _stored(txn, coll, row[0]) for row in rids)
    else:
        rids = rows = query.matching_rows(txn.db, coll, filter_doc, hint=hint, conn=txn.conn, limit=1)
    modified = sum(_modify(txn, coll, rid, doc, raw, filter_doc, update) for rid, doc, raw in rows)
    if rids or not spec.get("upsert"):
        return len(rids), modified, None
    new, raw = upsert_document(filter_doc, update)
    txn.insert(coll, new, raw)
    return 0, 0, new["_id"]


def _stored(txn, coll, rid):
    raw = txn.conn.execute(f"SELECT doc FROM {coll.table} WHERE rid=?", (rid,)).fetchone()[0]
    return rid, bson.decode(raw), raw


def _refuse_extras(spec):
    check_collation(spec.get("collation"))
    if spec.get("arrayFilters"):
        raise CommandError("arrayFilters are not supported by wiremongo", 115, "CommandNotSupported")
    if spec.get("c") is not None:
        raise CommandError("the option 'let' (c) is not supported by wiremongo", 115, "CommandNotSupported")


def _modify(txn, coll, rid, doc, stored, filter_doc, update):
    """Apply update to one stored document (stored: its BSON as read); tell whether it changed."""
    new = matching.apply_update(doc, filter_doc, update, False)
    _check_id(new.get("_id"))
    raw = bson.encode(new)
    if raw == stored:
        return False
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise CommandError("document after update is too large", 17419, "BSONObjectTooLarge")
    txn.replace(coll, rid, doc, new, raw)
    return True


def upsert_document(filter_doc, update):
    """Return the document an upsert inserts, as MongoDB builds it, and its BSON."""
    seed = matching.upsert_seed(filter_doc)
    if matching.is_operator_update(update):
        new = matching.apply_update(seed, filter_doc, update, True)
    else:
        if "_id" in seed and "_id" in update and bson.encode({"v": seed["_id"]}) != bson.encode({"v": update["_id"]}):
            raise CommandError("The _id field cannot be changed", 66, "ImmutableField")
        new = {**({"_id": seed["_id"]} if "_id" in seed else {}), **update}
    return prepare_insert(new)


def cmd_delete(ctx, db_name, cmd):
    check_fields(cmd, {"deletes", "ordered"})
    name = collection_name(db_name, cmd)
    specs = _statements(cmd, "deletes")
    _check_statements(specs, "delete.deletes", {"q", "limit", "hint", "collation"})
    deleted = [0]
    db = ctx.database(db_name)
    if db is None or db.collection(name) is None:
        return {"n": 0}
    with db.writing() as txn:
        def apply(_, spec):
            deleted[0] += delete_statement(txn, txn.collection(name, create=False), spec)

        errors = _run_statements(txn, cmd, specs, apply)
    return _with_errors({"n": deleted[0]}, errors)


def delete_statement(txn, coll, spec):
    """Delete the documents one statement names; return how many."""
    check_collation(spec.get("collation"))
    if coll is None:
        return 0
    filter_doc = matching.check_filter(spec.get("q") or {})
    limit = spec.get("limit", 0)
    if limit not in (0, 1):
        raise bad_value("The limit field in delete objects must be 0 or 1")
    chosen = plan(coll, filter_doc, None, check_hint_type(spec.get("hint")))
    n = 0
    # Deleting behind a keyset scan never disturbs it: later chunks start after the last key.
    for rid, doc, _ in scan(txn.db, coll, chosen, txn.conn):
        if matching.matches(filter_doc, doc):
            txn.delete(coll, rid, doc)
            n += 1
            if limit == 1:
                break
    return n


_FAM_FIELDS = {"query", "sort", "remove", "update", "new", "fields", "upsert", "hint", "arrayFilters"}


def cmd_find_and_modify(ctx, db_name, cmd):
    check_fields(cmd, _FAM_FIELDS)
    name = collection_name(db_name, cmd)
    if cmd.get("arrayFilters"):
        raise CommandError("arrayFilters are not supported by wiremongo", 115, "CommandNotSupported")
    remove, update = bool(cmd.get("remove")), cmd.get("update")
    if remove == (update is not None):
        raise CommandError("Either an update or remove=true must be specified", 9, "FailedToParse")
    if remove and (cmd.get("upsert") or cmd.get("new")):
        raise CommandError("Cannot specify both an update and remove=true, or upsert/new with remove", 9,
                           "FailedToParse")
    filter_doc = matching.check_filter(document(cmd, "query") or {})
    if update is not None:
        matching.check_update(update)
    with ctx.writing(db_name) as txn:
        return _find_and_modify(txn, txn.collection(name), cmd, filter_doc, update)


def _find_and_modify(txn, coll, cmd, filter_doc, update):
    sort = document(cmd, "sort") or None
    rows = query.matching_rows(txn.db, coll, filter_doc, sort, check_hint_type(cmd.get("hint")), txn.conn, 1)
    fields = document(cmd, "fields") or None
    if cmd.get("remove"):
        for rid, doc, _ in rows:
            txn.delete(coll, rid, doc)
        value = matching.project(rows[0][1], fields) if rows else None
        return {"lastErrorObject": {"n": len(rows)}, "value": value}
    if rows:
        rid, doc, stored = rows[0]
        new = matching.apply_update(doc, filter_doc, update, False)
        _check_id(new.get("_id"))
        raw = bson.encode(new)
        if raw != stored:
            txn.replace(coll, rid, doc, new, raw)
        value = new if cmd.get("new") else doc
        return {"lastErrorObject": {"n": 1, "updatedExisting": True}, "value": matching.project(value, fields)}
    if not cmd.get("upsert"):
        return {"lastErrorObject": {"n": 0, "updatedExisting": False}, "value": None}
    new, raw = upsert_document(filter_doc, update)
    txn.insert(coll, new, raw)
    value = matching.project(new, fields) if cmd.get("new") else None
    return {"lastErrorObject": {"n": 1, "updatedExisting": False, "upserted": new["_id"]}, "value": value}


HANDLERS = {"insert": cmd_insert, "update": cmd_update, "delete": cmd_delete, "findAndModify": cmd_find_and_modify,
            "findandmodify": cmd_find_and_modify}
