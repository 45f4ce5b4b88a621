"""Read queries: plan, scan, check each candidate exactly, sort if the index did not, page."""

import heapq
import itertools

import bson
from bson.raw_bson import RawBSONDocument

from wiremongo import keys
from wiremongo.errors import CommandError
from wiremongo.matching import matches, project
from wiremongo.planner import plan
from wiremongo.scan import can_skip_keys, count_keys, raw_rows, scan

MAX_SORT_BYTES = 100 * 1024 * 1024


def find(db, coll, filter_doc, sort=None, skip=0, limit=0, hint=None, projection=None, conn=None, stats=None,
         raw=False):
    """Yield the documents a find returns, streaming whenever the plan allows (raw: as RawBSONDocuments)."""
    if coll is None:
        return iter(())
    chosen = plan(coll, filter_doc, sort, hint)
    exact = chosen.exact_count and chosen.index is not None and (chosen.sorted or not sort)
    if exact:
        # Every entry in the ranges is a match, in order. On a single-valued index a skip passes
        # over index entries without reading their documents, so a deep page costs what the first does.
        index_skip = skip if can_skip_keys(chosen, sort) else 0
        rows = (data for _, data in raw_rows(db, coll, chosen, conn, stats, index_skip))
        rows = itertools.islice(rows, skip - index_skip, skip - index_skip + limit if limit else None)
        if raw and not projection:
            # Stored BSON goes back as it is: nothing to decode, match, sort or encode again.
            return (RawBSONDocument(data) for data in rows)
        docs = (bson.decode(data) for data in rows)
        return (project(doc, projection) for doc in docs) if projection else docs
    docs = matching(db, coll, chosen, filter_doc, conn, stats)
    if sort and not chosen.sorted:
        docs = sort_documents(docs, sort, skip + limit if limit else None)
    docs = (doc for doc, _ in docs)
    if skip or limit:
        docs = itertools.islice(docs, skip, skip + limit if limit else None)
    if projection:
        docs = (project(doc, projection) for doc in docs)
    return docs


def matching(db, coll, chosen, filter_doc, conn=None, stats=None):
    """Yield (document, size) of the documents along a plan that match filter_doc."""
    exact = chosen.exact_count and chosen.index is not None  # every entry in the ranges matches
    for _, doc, size in scan(db, coll, chosen, conn, stats):
        if exact or matches(filter_doc, doc):
            yield doc, size


def matching_rows(db, coll, filter_doc, sort=None, hint=None, conn=None, limit=0):
    """Return [(rid, document, stored BSON)] of matches in sort order (writes read them, then change them)."""
    chosen = plan(coll, filter_doc, sort, hint)
    exact = chosen.exact_count and chosen.index is not None  # every entry in the ranges matches
    decoded = ((rid, bson.decode(raw), raw) for rid, raw in raw_rows(db, coll, chosen, conn))
    rows = ((doc, 0, (rid, raw)) for rid, doc, raw in decoded if exact or matches(filter_doc, doc))
    if sort and not chosen.sorted:
        ordered = sort_documents(rows, sort, limit or None, keep_rid=True)
        return [(rid, doc, raw) for doc, (rid, raw) in itertools.islice(ordered, limit or None)]
    return [(rid, doc, raw) for doc, _, (rid, raw) in itertools.islice(rows, limit or None)]


def sort_documents(docs, sort, bound=None, keep_rid=False):
    """Sort (document, size[, rid]) tuples in memory: top-k when bounded, else up to 100 MB."""
    spec = list(sort.items())

    def key(item):
        return keys.sort_key(item[0], spec)

    if bound:
        ordered = heapq.nsmallest(bound, docs, key=key)
    else:
        kept, total = [], 0
        for item in docs:
            total += item[1]
            if total > MAX_SORT_BYTES:
                raise CommandError("Sort exceeded memory limit of 104857600 bytes, but did not opt in to "
                                   "external sorting.", 292, "QueryExceededMemoryLimitNoDiskUseAllowed")
            kept.append(item)
        ordered = sorted(kept, key=key)
    if keep_rid:
        return [(item[0], item[2]) for item in ordered]
    return [(item[0], item[1]) for item in ordered]


def count(db, coll, filter_doc, skip=0, limit=0, hint=None, stats=None):
    """Count matches, from index entries alone when the index answers exactly."""
    if coll is None:
        return 0
    if not filter_doc and hint is None:
        total = db.reader().execute(f"SELECT count(*) FROM {coll.table}").fetchone()[0]
    else:
        chosen = plan(coll, filter_doc, None, hint)
        if chosen.exact_count and chosen.index is not None:
            total = count_keys(db, coll, chosen)
        else:
            return _count_by_reading(db, coll, chosen, filter_doc, skip, limit, stats)
    total = max(0, total - skip)
    return min(total, limit) if limit else total


def _count_by_reading(db, coll, chosen, filter_doc, skip, limit, stats):
    stop = skip + limit if limit else None
    found = sum(1 for _ in itertools.islice(matching(db, coll, chosen, filter_doc, stats=stats), stop))
    return max(0, found - skip)
