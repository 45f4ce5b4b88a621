"""Stream documents out of a collection along a Plan, in chunks resumed by key (keyset paging).

No statement stays open between chunks, so a cursor can wait between getMores (and move to
another thread) without holding a read transaction that would stop WAL checkpoints.
"""

import sqlite3

import bson

from wiremongo.planner import ID_INDEX

FIRST_CHUNK = 16
MAX_CHUNK = 1024


class Stats:
    """What a query read: index entries and documents (what explain reports)."""

    def __init__(self, parent=None):
        self.keys = 0
        self.docs = 0
        self.parent = parent

    def add(self, keys, docs):
        """Count index entries and documents read, here and in the parent."""
        self.keys += keys
        self.docs += docs
        if self.parent is not None:
            self.parent.add(keys, docs)


def scan(db, coll, plan, conn=None, stats=None):
    """Yield (rid, document, size) along plan; conn is a connection or a function returning one."""
    for rid, raw in raw_rows(db, coll, plan, conn, stats):
        yield rid, bson.decode(raw), len(raw)


def raw_rows(db, coll, plan, conn=None, stats=None, skip=0):
    """Yield (rid, stored BSON) along plan, each document once, counting what was read.

    skip > 0 passes over that many index entries without reading their documents: only for
    a plan whose ranges hold exactly the matches of a single-valued index (see can_skip_keys).
    """
    stats = stats if stats is not None else Stats()
    if conn is None:
        get_conn, fetch = db.reader, db.fetch
    else:
        get_conn = (lambda: conn) if isinstance(conn, sqlite3.Connection) else conn

        def fetch(sql, params, small):
            return get_conn().execute(sql, params).fetchall()
    if plan.index is None:
        rows = _collscan(coll, fetch, plan.backward)
    else:
        rows = _ranges(coll, plan, get_conn, fetch, skip, stats)
    seen = set() if plan.index is not None and plan.index.multikey else None
    for rid, raw in rows:
        if seen is not None:
            if rid in seen:
                stats.add(1, 0)
                continue
            seen.add(rid)
        stats.add(1, 1)
        yield rid, raw


def _chunks():
    size = FIRST_CHUNK
    while True:
        yield size
        size = min(size * 4, MAX_CHUNK)


def _collscan(coll, fetch, backward=False):
    last = 2 ** 63 - 1 if backward else 0
    sql = f"SELECT rid, doc FROM {coll.table} WHERE rid {'<' if backward else '>'} ? " \
          f"ORDER BY rid {'DESC' if backward else ''} LIMIT ?"
    for size in _chunks():
        rows = fetch(sql, (last, size), size <= FIRST_CHUNK)
        yield from rows
        if len(rows) < size:
            return
        last = rows[-1][0]


def can_skip_keys(plan, sort):
    """Tell whether a skip can pass over index entries unread: each entry in the ranges is one match, in order."""
    return plan.index is not None and plan.exact_count and not plan.index.multikey and (plan.sorted or not sort)


def _ranges(coll, plan, get_conn, fetch, skip=0, stats=None):
    if plan.index is ID_INDEX:
        source, key, rid = f"{coll.table} c", "c.id", "c.rid"
        keys_only = (coll.table, "id", "rid")
    else:
        source, key, rid = f"{plan.index.table} i JOIN {coll.table} c ON c.rid = i.rid", "i.k", "i.rid"
        keys_only = (plan.index.table, "k", "rid")
    if plan.backward:
        sql = (f"SELECT {key}, {rid}, c.doc FROM {source} WHERE ({key}, {rid}) < (?, ?) AND {key} >= ? "
               f"ORDER BY {key} DESC, {rid} DESC LIMIT ?")
    else:
        sql = (f"SELECT {key}, {rid}, c.doc FROM {source} WHERE ({key}, {rid}) > (?, ?) AND {key} < ? "
               f"ORDER BY {key}, {rid} LIMIT ?")
    ranges = reversed(plan.ranges) if plan.backward else plan.ranges
    for lo, hi in ranges:
        start = None
        if skip:
            start, skip = _skip_in_range(get_conn(), keys_only, lo, hi, skip, plan.backward, stats)
            if start is False:
                continue  # the whole range was skipped
        yield from _one_range(fetch, sql, lo, hi, plan.backward, start)


def _skip_in_range(conn, keys_only, lo, hi, skip, backward, stats):
    """Pass over skip entries of one range, reading keys only; return (position after them, skip left).

    The position is (key, rid), or False when the range holds no more than skip entries.
    """
    table, key, rid = keys_only
    order = f"{key} DESC, {rid} DESC" if backward else f"{key}, {rid}"
    row = conn.execute(f"SELECT {key}, {rid} FROM {table} WHERE {key} >= ? AND {key} < ? ORDER BY {order} "
                       "LIMIT 1 OFFSET ?", (lo, hi, skip - 1)).fetchone()
    if row is not None:
        stats.add(skip, 0)
        return (row[0], row[1]), 0
    held = conn.execute(f"SELECT count(*) FROM {table} WHERE {key} >= ? AND {key} < ?", (lo, hi)).fetchone()[0]
    stats.add(held, 0)
    return False, skip - held


def _one_range(fetch, sql, lo, hi, backward, start=None):
    last_key, last_rid, bound = (hi, -1, lo) if backward else (lo, -1, hi)
    if start is not None:
        last_key, last_rid = start
    if lo >= hi:
        return
    for size in _chunks():
        rows = fetch(sql, (last_key, last_rid, bound, size), size <= FIRST_CHUNK)
        for _, rid, raw in rows:
            yield rid, raw
        if len(rows) < size:
            return
        last_key, last_rid = rows[-1][0], rows[-1][1]


def count_keys(db, coll, plan, conn=None):
    """Count the documents in plan's key ranges without reading them."""
    conn = conn or db.reader()
    if plan.index is ID_INDEX:
        table, key, what = coll.table, "id", "count(*)"
    else:
        table, key = plan.index.table, "k"
        what = "count(DISTINCT rid)" if plan.index.multikey else "count(*)"
    where = " OR ".join(f"({key} >= ? AND {key} < ?)" for _ in plan.ranges)
    params = [bound for pair in plan.ranges for bound in pair]
    return conn.execute(f"SELECT {what} FROM {table} WHERE {where}", params).fetchone()[0]
