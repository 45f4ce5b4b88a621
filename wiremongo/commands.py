"""Answer MongoDB command documents from SQLite files: the engine behind the wire server.

`Commands(data_dir).run(db_name, command)` is thread-safe: reads run concurrently on
per-thread connections (SQLite WAL), writes take one lock per database file.
"""

import contextlib
import datetime
import logging
import sqlite3
import threading
from pathlib import Path

import bson
from bson.codec_options import DatetimeConversion
from pymongo.errors import OperationFailure

from wiremongo import admin, aggregation, explain, names, reads, writes
from wiremongo.cursors import Cursors
from wiremongo.errors import CommandError, DataDirError
from wiremongo.scan import Stats
from wiremongo.storage import FORMAT_VERSION, Database
from wiremongo.ttl import TTLMonitor

log = logging.getLogger(__name__)

MAX_WIRE_VERSION = 21  # MongoDB 7.0
_CODEC = bson.CodecOptions(document_class=dict, datetime_conversion=DatetimeConversion.DATETIME_AUTO)
# MongoDB commands wiremongo does not implement: refused by name, not "no such command".
_KNOWN_ELSEWHERE = {"collMod", "mapReduce", "validate", "compact", "reIndex", "convertToCapped",
                    "cloneCollectionAsCapped", "createUser", "updateUser", "dropUser", "usersInfo", "createRole",
                    "commitTransaction", "abortTransaction", "bulkWrite", "geoSearch", "shardCollection",
                    "replSetGetStatus", "serverStatus", "currentOp", "killOp", "fsync", "profile", "setParameter",
                    "getLog", "hostInfo", "listCommands", "connectionStatus", "getCmdLineOpts", "top",
                    "createSearchIndexes", "dropSearchIndex", "updateSearchIndex", "analyzeShardKey"}


class Commands:
    """Run command documents against the databases under data_dir/db/."""

    def __init__(self, data_dir, ttl_interval=60.0, raw_batches=False, wire_decoded=False):
        # wire_decoded: commands arrive as wiremongo.wire decodes them (plain dicts, naive UTC
        # datetimes, none out of range), so they need no normalising round trip through BSON.
        self.wire_decoded = wire_decoded
        self.dir = Path(data_dir).absolute() / "db"
        self.dir.mkdir(parents=True, exist_ok=True)
        check_data_dir(self.dir)
        self.cursors = Cursors(raw=raw_batches)
        self.stats = Stats()  # documents and keys read since start, for tests and explain
        self._dbs = {}
        self._dbs_lock = threading.Lock()
        self._handlers = {**_SERVER, **reads.HANDLERS, **writes.HANDLERS, **admin.HANDLERS,
                          **aggregation.HANDLERS, **explain.HANDLERS}
        self.ttl = TTLMonitor(self, ttl_interval)
        self.ttl.start()

    def run(self, db_name, command):
        """Run one command document; always return a reply document, never raise."""
        try:
            return self._run(db_name, command)
        except CommandError as exc:
            return exc.reply()
        except Exception as exc:  # noqa: BLE001 - a client must get an answer, or it waits forever
            return internal_error(exc, command)

    def _run(self, db_name, command):
        if not isinstance(command, dict) or not command:
            raise CommandError("no such command: ''", 59, "CommandNotFound")
        name = next(iter(command))
        handler = self._handlers.get(name)
        if handler is None and name in _KNOWN_ELSEWHERE:
            raise CommandError(f"the command {name} is not supported by wiremongo", 115, "CommandNotSupported")
        if handler is None:
            raise CommandError(f"no such command: '{name}'", 59, "CommandNotFound")
        names.check_db_name(db_name)
        if "startTransaction" in command or "autocommit" in command:
            raise CommandError("transactions are not supported by wiremongo", 115, "CommandNotSupported")
        # One form for every value (naive UTC datetimes, plain dicts); inserts are encoded anyway.
        cmd = command if self.wire_decoded or (name == "insert" and type(command.get("documents")) is list) else \
            bson.decode(bson.encode(command), _CODEC)
        reply = handler(self, db_name, cmd)
        return {**reply, "ok": 1.0}

    def database(self, name, create=False):
        """Return the open database called name; None if it has no file and create is false."""
        with self._dbs_lock:
            db = self._dbs.get(name)
            if db is None:
                path = self.dir / names.db_file_name(name)
                if not create and not path.exists():
                    return None
                db = self._dbs[name] = Database(name, path)
            return db

    @contextlib.contextmanager
    def writing(self, db_name):
        """Open (creating) a database and hold its write transaction."""
        with self.database(db_name, create=True).writing() as txn:
            yield txn

    def database_names(self):
        """Return the names of the databases stored under data_dir."""
        found = (names.db_name_of_file(path.name) for path in self.dir.iterdir())
        return sorted(name for name in found if name is not None)

    def drop_database(self, name):
        """Close a database and delete its files."""
        with self._dbs_lock:
            db = self._dbs.pop(name, None)
            if db is not None:
                db.close()
            base = self.dir / names.db_file_name(name)
            for suffix in ("", "-wal", "-shm"):
                Path(f"{base}{suffix}").unlink(missing_ok=True)

    def close(self):
        """Stop the TTL monitor and close every database."""
        self.ttl.stop()
        with self._dbs_lock:
            for db in self._dbs.values():
                db.close()
            self._dbs.clear()


def wire_backend(data_dir):
    """Return the engine the wire server runs: commands as the wire decodes them, batches already encoded."""
    return Commands(data_dir, raw_batches=True, wire_decoded=True)


def check_data_dir(directory):
    """Raise DataDirError if directory holds another store's files or another format's databases."""
    for path in directory.iterdir():
        if path.is_dir():
            raise DataDirError(f"{directory} holds databases in another format ({path.name}/ is a directory, as "
                               "the previous embedded store wrote them); move it away or use another data directory")
        if names.db_name_of_file(path.name) is not None:
            with open(path, "rb") as handle:
                header = handle.read(64)
            version = int.from_bytes(header[60:64], "big") if len(header) == 64 else FORMAT_VERSION
            if version not in (0, FORMAT_VERSION):
                raise DataDirError(f"{path} was written in wiremongo format {version}, not {FORMAT_VERSION}")


def internal_error(exc, command):
    """Log one line for an unexpected failure and return code 1 InternalError."""
    if isinstance(exc, NotImplementedError):
        return CommandError(f"not supported by wiremongo: {exc}", 115, "CommandNotSupported").reply()
    if isinstance(exc, OperationFailure):
        return CommandError(str(exc.details.get("errmsg", exc)) if exc.details else str(exc),
                            exc.code or 2, "BadValue").reply()
    if isinstance(exc, (bson.errors.InvalidDocument, ValueError)):
        return CommandError(f"{exc}", 2, "BadValue").reply()
    if isinstance(exc, sqlite3.OperationalError) and "no such table" in str(exc):
        # A collection dropped (or a database dropped) while a query on it was running.
        return CommandError("the collection was dropped while the query ran", 175, "QueryPlanKilled").reply()
    name = next(iter(command), "?") if isinstance(command, dict) else "?"
    log.warning("wiremongo: %s failed: %s: %s", name, type(exc).__name__, exc)
    log.debug("wiremongo: traceback", exc_info=True)
    return CommandError(f"internal error in {name}: {type(exc).__name__}", 1, "InternalError").reply()


def _hello(ctx, db_name, cmd):
    return {"isWritablePrimary": True, "ismaster": True, "helloOk": True,
            "maxBsonObjectSize": 16 * 1024 * 1024, "maxMessageSizeBytes": 48_000_000,
            "maxWriteBatchSize": 100_000, "localTime": datetime.datetime.now(datetime.timezone.utc),
            "logicalSessionTimeoutMinutes": 30, "connectionId": 1, "minWireVersion": 0,
            "maxWireVersion": MAX_WIRE_VERSION, "readOnly": False}


def _build_info(ctx, db_name, cmd):
    return {"version": "7.0.0", "versionArray": [7, 0, 0, 0], "gitVersion": "wiremongo",
            "maxBsonObjectSize": 16 * 1024 * 1024, "bits": 64}


def _empty(ctx, db_name, cmd):
    return {}


_SERVER = {
    "hello": _hello, "isMaster": _hello, "ismaster": _hello, "ping": _empty, "buildInfo": _build_info,
    "buildinfo": _build_info, "endSessions": _empty, "killAllSessions": _empty,
    "getParameter": lambda ctx, db, cmd: {"featureCompatibilityVersion": {"version": "7.0"}},
}
