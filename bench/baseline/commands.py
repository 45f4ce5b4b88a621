"""Answer MongoDB wire-protocol commands from a litemongo (SQLite) store.

This was the embedded default's bridge, kept as bench/store.py's baseline: mockupdb
parses the wire protocol, litemongo stores and queries the data, and this module only
translates one command document into the matching litemongo call and back.
"""

import datetime

import logging

import bson
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError, OperationFailure, PyMongoError, WriteError

from bench.baseline.cursors import Cursors

log = logging.getLogger(__name__)

MAX_WIRE_VERSION = 21  # MongoDB 7.0

_HELLO = {
    "ismaster": True,
    "isWritablePrimary": True,
    "maxBsonObjectSize": 16 * 1024 * 1024,
    "maxMessageSizeBytes": 48_000_000,
    "maxWriteBatchSize": 100_000,
    "minWireVersion": 0,
    "maxWireVersion": MAX_WIRE_VERSION,
    "readOnly": False,
}


class CommandError(Exception):
    """A command failed in a way the client should see as a server error."""

    def __init__(self, message, code=2, code_name="BadValue"):
        super().__init__(message)
        self.code = code
        self.code_name = code_name


def check_field_names(doc, path=""):
    """Refuse field names that MongoDB refuses for storage."""
    if isinstance(doc, list):
        for item in doc:
            check_field_names(item, path)
        return
    if not isinstance(doc, dict):
        return
    for key, value in doc.items():
        if key.startswith("$"):
            raise CommandError(
                f"Document can't have $ prefixed field names: {path}{key}",
                code=52, code_name="DollarPrefixedFieldName")
        check_field_names(value, f"{path}{key}.")


def _is_operator_update(update):
    return isinstance(update, dict) and any(k.startswith("$") for k in update)


def _check_update(update):
    if isinstance(update, list):
        raise CommandError("Aggregation pipeline updates are not supported by the embedded server",
                           code=115, code_name="CommandNotSupported")
    if _is_operator_update(update):
        for value in update.values():
            check_field_names(value)
    else:
        check_field_names(update)


def sort_key(value):
    """Order values the way MongoDB's BSON comparison does, for distinct."""
    if value is None:
        return (1, 0)
    if isinstance(value, bool):
        return (8, value)
    if isinstance(value, (int, float, bson.Int64, bson.Decimal128)):
        return (2, float(str(value)) if isinstance(value, bson.Decimal128) else value)
    if isinstance(value, str):
        return (3, value)
    if isinstance(value, dict):
        return (4, str(sorted(value.items())))
    if isinstance(value, list):
        return (5, str(value))
    if isinstance(value, (bytes, bson.Binary)):
        return (6, bytes(value))
    if isinstance(value, bson.ObjectId):
        return (7, value.binary)
    if isinstance(value, datetime.datetime):
        return (9, value.replace(tzinfo=None))
    return (10, str(value))


class Commands:
    """Dispatch command documents to litemongo; one instance per server, one thread."""

    def __init__(self, client):
        self.client = client
        self.cursors = Cursors()

    def run(self, db_name, cmd):
        """Run one command document and return the reply document."""
        name = next(iter(cmd))
        handler = getattr(self, "cmd_" + name.lower(), None)
        if handler is None:
            return _failure(f"no such command: '{name}'", 59, "CommandNotFound")
        try:
            return {**handler(self.client[db_name], cmd), "ok": 1}
        except CommandError as exc:
            return _failure(str(exc), exc.code, exc.code_name)
        except OperationFailure as exc:
            return _failure(str(exc.details.get("errmsg", exc)) if exc.details else str(exc),
                            exc.code or 8, "UnknownError")
        except (PyMongoError, ValueError, TypeError, KeyError) as exc:
            return _failure(f"{type(exc).__name__}: {exc}", 2, "BadValue")
        except Exception as exc:  # noqa: BLE001 - a client must get an answer, or it waits forever
            log.exception("embedded server failed on %s", name)
            return _failure(f"{type(exc).__name__}: {exc}", 1, "InternalError")

    # -- handshake and server information ---------------------------------------

    def cmd_hello(self, db, cmd):
        return {**_HELLO, "localTime": datetime.datetime.now(datetime.timezone.utc),
                "connectionId": 1}

    cmd_ismaster = cmd_hello

    def cmd_ping(self, db, cmd):
        return {}

    def cmd_buildinfo(self, db, cmd):
        return {"version": "7.0.0", "versionArray": [7, 0, 0, 0], "maxBsonObjectSize": 16 * 1024 * 1024,
                "gitVersion": "liftwatch-embedded"}

    def cmd_endsessions(self, db, cmd):
        return {}

    def cmd_getparameter(self, db, cmd):
        return {"featureCompatibilityVersion": {"version": "7.0"}}

    # -- reads --------------------------------------------------------------------

    def cmd_find(self, db, cmd):
        coll = db[cmd["find"]]
        limit = cmd.get("limit", 0)
        cursor = coll.find(cmd.get("filter") or {}, cmd.get("projection") or None,
                           skip=cmd.get("skip", 0), limit=abs(limit))
        if cmd.get("sort"):
            cursor = cursor.sort(list(cmd["sort"].items()))
        docs = list(cursor)
        single = cmd.get("singleBatch", False) or limit < 0
        return self.cursors.first_batch(_ns(db, cmd["find"]), docs, cmd.get("batchSize"), single)

    def cmd_getmore(self, db, cmd):
        batch = self.cursors.next_batch(cmd["getMore"], cmd.get("batchSize"))
        if batch is None:
            raise CommandError(f"cursor id {cmd['getMore']} not found", code=43, code_name="CursorNotFound")
        return batch

    def cmd_killcursors(self, db, cmd):
        return self.cursors.kill(cmd.get("cursors", []))

    def cmd_aggregate(self, db, cmd):
        docs = list(db[cmd["aggregate"]].aggregate(cmd.get("pipeline", [])))
        batch = (cmd.get("cursor") or {}).get("batchSize")
        return self.cursors.first_batch(_ns(db, cmd["aggregate"]), docs, batch)

    def cmd_count(self, db, cmd):
        coll = db[cmd["count"]]
        query = cmd.get("query") or {}
        n = coll.count_documents(query, skip=cmd.get("skip", 0), **_limit(cmd)) if query or cmd.get("skip") \
            else coll.estimated_document_count()
        return {"n": n}

    def cmd_distinct(self, db, cmd):
        values = db[cmd["distinct"]].distinct(cmd["key"], cmd.get("query") or {})
        return {"values": sorted(values, key=sort_key)}

    # -- writes -------------------------------------------------------------------

    def cmd_insert(self, db, cmd):
        coll = db[cmd["insert"]]
        errors, n = [], 0
        for index, doc in enumerate(cmd.get("documents", [])):
            try:
                check_field_names(doc)
                coll.insert_one(doc)
                n += 1
            except Exception as exc:  # noqa: BLE001 - reported per statement, as MongoDB does
                errors.append(_write_error(index, exc))
                if cmd.get("ordered", True):
                    break
        return _write_reply(n, errors)

    def cmd_update(self, db, cmd):
        coll = db[cmd["update"]]
        errors, matched, modified, upserted = [], 0, 0, []
        for index, spec in enumerate(cmd.get("updates", [])):
            try:
                result = self._update_one_spec(coll, spec)
            except Exception as exc:  # noqa: BLE001 - reported per statement, as MongoDB does
                errors.append(_write_error(index, exc))
                if cmd.get("ordered", True):
                    break
                continue
            matched += result.matched_count
            modified += result.modified_count
            if result.upserted_id is not None:
                upserted.append({"index": index, "_id": result.upserted_id})
        reply = _write_reply(matched + len(upserted), errors)
        reply["nModified"] = modified
        if upserted:
            reply["upserted"] = upserted
        return reply

    def _update_one_spec(self, coll, spec):
        update = spec["u"]
        _check_update(update)
        kwargs = {"upsert": spec.get("upsert", False)}
        if spec.get("arrayFilters"):
            kwargs["array_filters"] = spec["arrayFilters"]
        if not _is_operator_update(update):
            return coll.replace_one(spec["q"], update, **kwargs)
        if spec.get("multi"):
            return coll.update_many(spec["q"], update, **kwargs)
        return coll.update_one(spec["q"], update, **kwargs)

    def cmd_delete(self, db, cmd):
        coll = db[cmd["delete"]]
        errors, n = [], 0
        for index, spec in enumerate(cmd.get("deletes", [])):
            method = coll.delete_one if spec.get("limit") == 1 else coll.delete_many
            try:
                n += method(spec["q"]).deleted_count
            except Exception as exc:  # noqa: BLE001 - reported per statement, as MongoDB does
                errors.append(_write_error(index, exc))
                if cmd.get("ordered", True):
                    break
        return _write_reply(n, errors)

    def cmd_findandmodify(self, db, cmd):
        coll = db[cmd["findAndModify"]]
        query, sort = cmd.get("query") or {}, list((cmd.get("sort") or {}).items()) or None
        projection = cmd.get("fields") or None
        if cmd.get("remove"):
            value = coll.find_one_and_delete(query, projection=projection, sort=sort)
            return {"value": value, "lastErrorObject": {"n": int(value is not None)}}
        update = cmd["update"]
        _check_update(update)
        existed = coll.find_one(query, sort=sort, projection={"_id": 1}) is not None
        upserting = cmd.get("upsert", False) and not existed
        new_id = _upsert_id(query, update) if upserting else None
        if upserting:
            update = _with_id(update, new_id)
        method = coll.find_one_and_update if _is_operator_update(update) else coll.find_one_and_replace
        value = method(query, update, projection=projection, sort=sort, upsert=cmd.get("upsert", False),
                       return_document=ReturnDocument.AFTER if cmd.get("new") else ReturnDocument.BEFORE)
        last = {"n": int(existed or upserting), "updatedExisting": existed}
        if upserting:
            last["upserted"] = new_id
        return {"value": value, "lastErrorObject": last}

    # -- collections, databases and indexes ---------------------------------------

    def cmd_create(self, db, cmd):
        if cmd["create"] in db.list_collection_names():
            raise CommandError(f"Collection {db.name}.{cmd['create']} already exists.", 48, "NamespaceExists")
        db.create_collection(cmd["create"])
        return {}

    def cmd_drop(self, db, cmd):
        db.drop_collection(cmd["drop"])
        return {"ns": _ns(db, cmd["drop"])}

    def cmd_dropdatabase(self, db, cmd):
        self.client.drop_database(db.name)
        return {"dropped": db.name}

    def cmd_listcollections(self, db, cmd):
        names = db.list_collection_names()
        wanted = (cmd.get("filter") or {}).get("name")
        docs = [{"name": n, "type": "collection", "options": {}, "info": {"readOnly": False}}
                for n in sorted(names) if wanted is None or n == wanted]
        if cmd.get("nameOnly"):
            docs = [{"name": d["name"], "type": "collection"} for d in docs]
        return self.cursors.first_batch(_ns(db, "$cmd.listCollections"), docs, None)

    def cmd_listdatabases(self, db, cmd):
        names = self.client.list_database_names()
        return {"databases": [{"name": n, "sizeOnDisk": 0, "empty": False} for n in sorted(names)],
                "totalSize": 0}

    def cmd_createindexes(self, db, cmd):
        coll = db[cmd["createIndexes"]]
        before = len(coll.index_information()) if cmd["createIndexes"] in db.list_collection_names() else 0
        for spec in cmd.get("indexes", []):
            options = {k: v for k, v in spec.items() if k not in ("key", "v")}
            coll.create_index(list(spec["key"].items()), **options)
        after = len(coll.index_information())
        return {"numIndexesBefore": max(before, 1), "numIndexesAfter": after,
                "createdCollectionAutomatically": before == 0}

    def cmd_listindexes(self, db, cmd):
        info = db[cmd["listIndexes"]].index_information()
        docs = [{"v": 2, "key": dict(spec.pop("key")), "name": name, **spec} for name, spec in info.items()]
        return self.cursors.first_batch(_ns(db, cmd["listIndexes"]), docs, None)

    def cmd_dropindexes(self, db, cmd):
        coll = db[cmd["dropIndexes"]]
        index = cmd.get("index", "*")
        if index == "*":
            coll.drop_indexes()
        else:
            coll.drop_index(index if isinstance(index, str) else list(index.items()))
        return {}


def _upsert_id(query, update):
    """Return the _id an upsert will insert: the filter's or the replacement's, else a new one."""
    if not _is_operator_update(update) and "_id" in update:
        return update["_id"]
    if "_id" in query and not isinstance(query["_id"], dict):
        return query["_id"]
    return bson.ObjectId()


def _with_id(update, new_id):
    """Fix the _id of the document an upsert inserts, so the reply can name it."""
    if _is_operator_update(update):
        on_insert = {**update.get("$setOnInsert", {}), "_id": new_id}
        return {**update, "$setOnInsert": on_insert}
    return {**update, "_id": new_id}


def _ns(db, coll_name):
    return f"{db.name}.{coll_name}"


def _limit(cmd):
    return {"limit": cmd["limit"]} if cmd.get("limit") else {}


def _failure(message, code, code_name):
    return {"ok": 0, "errmsg": message, "code": code, "codeName": code_name}


def _write_error(index, exc):
    if isinstance(exc, DuplicateKeyError):
        return {"index": index, "code": 11000, "errmsg": f"E11000 duplicate key error: {exc}"}
    if isinstance(exc, CommandError):
        return {"index": index, "code": exc.code, "errmsg": str(exc)}
    code = getattr(exc, "code", None) or (2 if isinstance(exc, WriteError) else 8)
    return {"index": index, "code": code, "errmsg": str(exc)}


def _write_reply(n, errors):
    reply = {"n": n}
    if errors:
        reply["writeErrors"] = errors
    return reply
