"""One SQLite file per database: a catalog, a table of BSON documents per collection, a table per index.

Table names are numbers from the catalog (`c<tid>` for documents, `x<tid>` for an index),
so no user-chosen name ever reaches SQL or the file system.
"""

import contextlib
import dataclasses
import functools
import sqlite3
import threading

import bson

from wiremongo import keys
from wiremongo.errors import DataDirError, duplicate_key

FORMAT_VERSION = 2  # 2: descending index components stored inverted
_WRITER_CACHE_KIB = 32 * 1024
_READER_CACHE_KIB = 8 * 1024
_ABSENT = object()

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS collections (name TEXT PRIMARY KEY, tid INTEGER NOT NULL UNIQUE,
    options BLOB NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS indexes (coll TEXT NOT NULL, name TEXT NOT NULL, tid INTEGER NOT NULL UNIQUE,
    spec BLOB NOT NULL, multikey INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (coll, name)) WITHOUT ROWID;
INSERT OR IGNORE INTO meta VALUES ('next_tid', 1);
"""


@dataclasses.dataclass
class Index:
    """A declared secondary index and the table that holds its keys."""

    name: str
    tid: int
    spec: dict
    multikey: bool = False

    @property
    def table(self):
        return f"x{self.tid}"

    @functools.cached_property
    def fields(self):
        return list(self.spec["key"])

    @functools.cached_property
    def directions(self):
        return list(self.spec["key"].values())

    @property
    def unique(self):
        return bool(self.spec.get("unique"))

    def untouched(self, old, new):
        """Tell whether new holds the very objects old holds in every top-level field this index reads."""
        if "partialFilterExpression" in self.spec:
            return False  # its filter may read any field
        return all(old.get(top, _ABSENT) is new.get(top, _ABSENT) for top in self.tops)

    @functools.cached_property
    def tops(self):
        """Return the top-level field names of the index's fields."""
        return {field.split(".", 1)[0] for field in self.fields}

    def keys_of(self, doc):
        """Return the keys doc has in this index (none if a sparse or partial index skips it)."""
        if self.spec.get("sparse") and all(keys.path_values(doc, f) == [keys.MISSING] for f in self.fields):
            return set()
        partial = self.spec.get("partialFilterExpression")
        if partial is not None:
            from wiremongo.matching import matches
            if not matches(partial, doc):
                return set()
        return keys.index_keys(doc, self.fields, self.directions)


@dataclasses.dataclass
class Collection:
    """A collection's table and its secondary indexes."""

    name: str
    tid: int
    options: dict
    indexes: list

    @property
    def table(self):
        return f"c{self.tid}"

    def index_named(self, name):
        return next((index for index in self.indexes if index.name == name), None)


def connect(path, cache_kib):
    """Open a connection in WAL mode with a bounded page cache."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30, cached_statements=1024)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(f"PRAGMA cache_size=-{cache_kib}")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


class Database:
    """One database file: a writer connection behind a lock, a reader connection per thread."""

    def __init__(self, name, path):
        self.name = name
        self.path = str(path)
        self.lock = threading.RLock()
        self._closed = False
        self._local = threading.local()
        self.writer = connect(self.path, _WRITER_CACHE_KIB)
        self.writer.executescript(_SCHEMA)
        self._check_version()
        self.catalog = self._load_catalog(self.writer)

    def _check_version(self):
        version = self.writer.execute("PRAGMA user_version").fetchone()[0]
        if version == 0:
            self.writer.execute(f"PRAGMA user_version={FORMAT_VERSION}")
        elif version != FORMAT_VERSION:
            raise DataDirError(f"{self.path} was written in wiremongo format {version}, not {FORMAT_VERSION}")

    @staticmethod
    def _load_catalog(conn):
        catalog = {}
        for name, tid, options in conn.execute("SELECT name, tid, options FROM collections"):
            catalog[name] = Collection(name, tid, bson.decode(options), [])
        rows = conn.execute("SELECT coll, name, tid, spec, multikey FROM indexes ORDER BY tid")
        for coll, name, tid, spec, multikey in rows:
            catalog[coll].indexes.append(Index(name, tid, bson.decode(spec), bool(multikey)))
        return catalog

    def reader(self):
        """Return this thread's read connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = connect(self.path, _READER_CACHE_KIB)
        return conn

    def fetch(self, sql, params, small):
        """Return every row of a read statement.

        A small one (a first chunk of at most scan.FIRST_CHUNK rows) runs on the writer
        connection when no write is under way, whose page cache every commit keeps warm (a
        reader's is dropped after each commit of another connection); it never waits for the
        write lock. Anything else runs on this thread's reader connection.
        """
        if small and not getattr(self._local, "writing", False) and self.lock.acquire(blocking=False):
            try:
                if not self._closed:
                    return self.writer.execute(sql, params).fetchall()
            finally:
                self.lock.release()
        return self.reader().execute(sql, params).fetchall()

    def collection(self, name):
        """Return the committed collection called name, or None."""
        return self.catalog.get(name)

    @contextlib.contextmanager
    def writing(self):
        """Hold the write lock inside one SQLite transaction; commit on success, else roll back."""
        with self.lock:
            txn = Transaction(self)
            self.writer.execute("BEGIN IMMEDIATE")
            was_writing, self._local.writing = getattr(self._local, "writing", False), True
            try:  # meanwhile this thread's reads through fetch() stay off the writer connection
                yield txn
            except BaseException:
                self.writer.execute("ROLLBACK")
                self.catalog = self._load_catalog(self.writer)
                raise
            finally:
                self._local.writing = was_writing
            self.writer.execute("COMMIT")
            self.catalog = txn.catalog

    def close(self):
        """Close the writer connection."""
        with self.lock:
            self._closed = True
            self.writer.close()


class Transaction:
    """Writes inside one transaction, with the catalog as this transaction sees it."""

    def __init__(self, db):
        self.db = db
        self.conn = db.writer
        self.catalog = dict(db.catalog)

    @contextlib.contextmanager
    def statement(self):
        """Run one statement of a batch: undo just it if it fails."""
        self.conn.execute("SAVEPOINT stmt")
        catalog = dict(self.catalog)
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK TO stmt")
            self.conn.execute("RELEASE stmt")
            self.catalog = catalog
            raise
        self.conn.execute("RELEASE stmt")

    def _next_tid(self):
        tid = self.conn.execute("SELECT value FROM meta WHERE key='next_tid'").fetchone()[0]
        self.conn.execute("UPDATE meta SET value=? WHERE key='next_tid'", (tid + 1,))
        return tid

    def collection(self, name, create=True):
        """Return the collection, creating it (and its table) if asked."""
        coll = self.catalog.get(name)
        if coll is None and create:
            coll = Collection(name, self._next_tid(), {}, [])
            self.conn.execute("INSERT INTO collections VALUES (?, ?, ?)", (name, coll.tid, bson.encode({})))
            self.conn.execute(f"CREATE TABLE {coll.table} (rid INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, "
                              "doc BLOB NOT NULL)")
            self.catalog[name] = coll
        return coll

    def drop_collection(self, name):
        """Drop a collection with its indexes; tell whether it existed."""
        coll = self.catalog.pop(name, None)
        if coll is None:
            return False
        for index in coll.indexes:
            self.conn.execute(f"DROP TABLE {index.table}")
        self.conn.execute(f"DROP TABLE {coll.table}")
        self.conn.execute("DELETE FROM collections WHERE name=?", (name,))
        self.conn.execute("DELETE FROM indexes WHERE coll=?", (name,))
        return True

    def rename_collection(self, old, new):
        """Give a collection another name in the catalog (its tables keep their numbers)."""
        coll = self.catalog.pop(old)
        self.catalog[new] = dataclasses.replace(coll, name=new)
        self.conn.execute("UPDATE collections SET name=? WHERE name=?", (new, old))
        self.conn.execute("UPDATE indexes SET coll=? WHERE coll=?", (new, old))

    def add_index(self, coll, name, spec):
        """Create an index table and fill it from the collection's documents."""
        index = Index(name, self._next_tid(), spec)
        key_columns = "k BLOB NOT NULL PRIMARY KEY, rid INTEGER NOT NULL" if index.unique else \
            "k BLOB NOT NULL, rid INTEGER NOT NULL, PRIMARY KEY (k, rid)"
        self.conn.execute(f"CREATE TABLE {index.table} ({key_columns}) WITHOUT ROWID")
        self.conn.execute("INSERT INTO indexes VALUES (?, ?, ?, ?, 0)", (coll.name, name, index.tid, bson.encode(spec)))
        for rid, raw in self.conn.execute(f"SELECT rid, doc FROM {coll.table}").fetchall():
            self._add_keys(coll, index, rid, bson.decode(raw))
        self.catalog[coll.name] = dataclasses.replace(coll, indexes=coll.indexes + [index])
        return index

    def drop_index(self, coll, index):
        """Drop one secondary index."""
        self.conn.execute(f"DROP TABLE {index.table}")
        self.conn.execute("DELETE FROM indexes WHERE tid=?", (index.tid,))
        self.catalog[coll.name] = dataclasses.replace(coll, indexes=[i for i in coll.indexes if i is not index])

    def insert(self, coll, doc, raw=None):
        """Store a new document (raw: its BSON, if known) and its index keys; return its row id."""
        raw = raw or bson.encode(doc)
        try:
            rid = self.conn.execute(f"INSERT INTO {coll.table} (id, doc) VALUES (?, ?)",
                                    (keys.encode(doc["_id"]), raw)).lastrowid
        except sqlite3.IntegrityError:
            raise duplicate_key(self._ns(coll), "_id_", {"_id": 1}, {"_id": doc["_id"]}) from None
        if any("partialFilterExpression" in index.spec for index in coll.indexes):
            doc = bson.decode(raw)  # the matcher compares naive UTC datetimes, as stored
        for index in coll.indexes:
            self._add_keys(coll, index, rid, doc)
        return rid

    def replace(self, coll, rid, old, new, raw=None):
        """Overwrite a stored document (raw: the new one's BSON, if known), moving only the index keys that changed."""
        self.conn.execute(f"UPDATE {coll.table} SET doc=? WHERE rid=?", (raw or bson.encode(new), rid))
        for index in coll.indexes:
            if index.untouched(old, new):
                continue
            before, after = index.keys_of(old), index.keys_of(new)
            for key in before - after:
                self.conn.execute(f"DELETE FROM {index.table} WHERE k=? AND rid=?", (key, rid))
            self._insert_keys(coll, index, rid, new, after, after - before)

    def delete(self, coll, rid, doc):
        """Remove a stored document and its index keys."""
        for index in coll.indexes:
            for key in index.keys_of(doc):
                self.conn.execute(f"DELETE FROM {index.table} WHERE k=? AND rid=?", (key, rid))
        self.conn.execute(f"DELETE FROM {coll.table} WHERE rid=?", (rid,))

    def _add_keys(self, coll, index, rid, doc):
        all_keys = index.keys_of(doc)
        self._insert_keys(coll, index, rid, doc, all_keys, all_keys)

    def _insert_keys(self, coll, index, rid, doc, all_keys, new_keys):
        # Multikey (several keys for one document) changes what the planner may assume.
        if len(all_keys) > 1 and not index.multikey:
            index.multikey = True
            self.conn.execute("UPDATE indexes SET multikey=1 WHERE tid=?", (index.tid,))
        try:
            for key in new_keys:
                self.conn.execute(f"INSERT INTO {index.table} (k, rid) VALUES (?, ?)", (key, rid))
        except sqlite3.IntegrityError:
            value = {f: _first(keys.path_values(doc, f)) for f in index.fields}
            raise duplicate_key(self._ns(coll), index.name, index.spec["key"], value) from None

    def _ns(self, coll):
        return f"{self.db.name}.{coll.name}"


def _first(values):
    value = values[0]
    return None if value is keys.MISSING else value

