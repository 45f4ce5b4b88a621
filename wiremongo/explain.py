"""The explain command: the plan the planner chooses for a find, count, distinct, aggregate,
findAndModify, update or delete, in MongoDB's shape (`queryPlanner.winningPlan.stage` is
IXSCAN with `indexName`, or COLLSCAN).

A find or count also runs, and reports what it read (`executionStats`); the others are
planned only, as MongoDB's "queryPlanner" verbosity does, so explaining a write changes nothing.
"""

from wiremongo import aggregation, query, reads
from wiremongo.errors import CommandError, bad_value
from wiremongo.matching import check_filter
from wiremongo.options import check_fields, check_hint_type, collection_name, document, number
from wiremongo.planner import plan
from wiremongo.scan import Stats

VERBOSITIES = ("queryPlanner", "executionStats", "allPlansExecution")


def cmd_explain(ctx, db_name, cmd):
    """Report the plan of the explained command (and, for a find or count, what it read)."""
    check_fields(cmd, {"verbosity"})
    if cmd.get("verbosity", "allPlansExecution") not in VERBOSITIES:
        raise bad_value(f"verbosity must be one of {', '.join(VERBOSITIES)}")
    inner = cmd["explain"]
    kind = next(iter(inner), None) if isinstance(inner, dict) else None
    if kind not in _PLANNED:
        raise CommandError(f"explain of {kind!r} is not supported by wiremongo", 115, "CommandNotSupported")
    if kind in ("find", "count"):
        return _executed(ctx, db_name, inner, kind)
    filter_doc, sort = _PLANNED[kind](inner)
    name = collection_name(db_name, inner)
    return {"queryPlanner": _planner(ctx, db_name, name, check_filter(filter_doc), sort, inner.get("hint"))}


def _executed(ctx, db_name, inner, kind):
    """Run a find or count, and report its plan and what it read."""
    stats = Stats(parent=ctx.stats)
    if kind == "find":
        ns, docs, _ = reads.find_query(ctx, db_name, inner, stats)
        returned = sum(1 for _ in docs)
        filter_doc, sort = inner.get("filter") or {}, inner.get("sort")
    else:
        check_fields(inner, {"query", "skip", "limit", "hint", "fields"})
        name, filter_doc, sort = collection_name(db_name, inner), check_filter(document(inner, "query") or {}), None
        db = ctx.database(db_name)
        coll = db.collection(name) if db is not None else None
        ns = f"{db_name}.{name}"
        returned = query.count(db, coll, filter_doc, number(inner, "skip"), abs(number(inner, "limit")),
                               check_hint_type(inner.get("hint")), stats)
    return {"queryPlanner": _planner(ctx, db_name, ns.split(".", 1)[1], filter_doc, sort, inner.get("hint")),
            "executionStats": {"nReturned": returned, "totalDocsExamined": stats.docs,
                               "totalKeysExamined": stats.keys}}


def _planner(ctx, db_name, name, filter_doc, sort, hint):
    """Return the queryPlanner section: the namespace and the winning plan's stage."""
    db = ctx.database(db_name)
    coll = db.collection(name) if db is not None else None
    chosen = plan(coll, filter_doc, sort, hint) if coll is not None else None
    # A collection that does not exist has nothing to scan: MongoDB reports EOF.
    stage = "EOF" if chosen is None else "IXSCAN" if chosen.index else "COLLSCAN"
    return {"namespace": f"{db_name}.{name}",
            "winningPlan": {"stage": stage, "indexName": chosen.name if chosen and chosen.index else None,
                            "sortInMemory": bool(sort) and not (chosen and chosen.sorted)}}


def _distinct(inner):
    return document(inner, "query") or {}, None


def _aggregate(inner):
    """Return the filter and sort of the leading stages the planner runs (as run_pipeline does)."""
    pipeline = inner.get("pipeline")
    if not isinstance(pipeline, list):
        raise CommandError("'pipeline' option must be specified as an array", 14, "TypeMismatch")
    filter_doc, sort, *_ = aggregation.leading_stages(pipeline)
    return filter_doc, sort


def _find_and_modify(inner):
    return document(inner, "query") or {}, document(inner, "sort") or None


def _one_statement(field):
    def statement(inner):
        specs = inner.get(field + "s")
        if not isinstance(specs, list) or len(specs) != 1 or not isinstance(specs[0], dict):
            raise bad_value(f"explain of {field} takes exactly one {field} statement")
        return specs[0].get("q") or {}, None
    return statement


_PLANNED = {"find": None, "count": None, "distinct": _distinct, "aggregate": _aggregate,
            "findAndModify": _find_and_modify, "update": _one_statement("update"),
            "delete": _one_statement("delete")}

HANDLERS = {"explain": cmd_explain}
