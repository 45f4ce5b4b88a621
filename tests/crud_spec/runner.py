"""Run one test of a unified-format CRUD spec file against a server, through pymongo.

A test ends in one of three ways: it passes; it is *refused* (the server answered an
operation with MongoDB's own error shape for a feature it does not have: code 115
CommandNotSupported, 2 BadValue or 72 InvalidOptions, with a message that says what is
"not supported" and is not a Python exception); or it fails (a wrong answer, no answer
within 5 s, any other error).
"""

import re

from pymongo import MongoClient, monitoring, read_preferences
from pymongo.database import Database
from pymongo.errors import BulkWriteError, ConnectionFailure, OperationFailure, PyMongoError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from tests.crud_spec.matching import Mismatch, match
from tests.crud_spec.operations import RunnerGap, bulk_result, run_collection_op, run_database_op

REFUSAL_CODES = {115: "CommandNotSupported", 2: "BadValue", 72: "InvalidOptions"}
# The embedded server claims MongoDB 7.0 on a standalone server, without transactions.
EMBEDDED_VERSION = (7, 0, 0)
# A missing reply must fail the test quickly rather than hang the suite.
CLIENT_OPTIONS = {"socketTimeoutMS": 5000, "serverSelectionTimeoutMS": 5000, "connectTimeoutMS": 5000}
_IGNORED_COMMANDS = {"configureFailPoint", "authenticate", "saslStart", "saslContinue", "getnonce",
                     "hello", "ismaster", "isMaster", "endSessions"}
_PYTHON_ERROR = re.compile(r"^\w*(Error|Exception)\b|Traceback")
_NOT_SUPPORTED = re.compile(r"not supported|unsupported", re.IGNORECASE)


class Refused(Exception):
    """The server refused an operation with MongoDB's error shape for an unsupported feature."""


class Skip(Exception):
    """The test cannot run here (its requirements, or something the runner lacks)."""


class ServerInfo:
    """What runOnRequirements compare against: the server's version and topology."""

    def __init__(self, client):
        build = client.admin.command("buildInfo")
        self.version = tuple(build.get("versionArray", [0])[:3])
        hello = client.admin.command("hello")
        self.topology = ("sharded" if hello.get("msg") == "isdbgrid"
                         else "replicaset" if hello.get("setName") else "single")

    def unmet(self, requirements):
        """Return why none of the requirements holds, or None when one holds (or there are none)."""
        reasons = [self._unmet_one(r) for r in requirements or [{}]]
        return None if None in reasons else "; ".join(reasons)

    def _unmet_one(self, req):
        if "minServerVersion" in req and self.version < _version(req["minServerVersion"]):
            return f"needs server >= {req['minServerVersion']}"
        if "maxServerVersion" in req and self.version > _version(req["maxServerVersion"], high=True):
            return f"needs server <= {req['maxServerVersion']}"
        if "topologies" in req and self.topology not in req["topologies"]:
            return f"needs topology {'/'.join(req['topologies'])}"
        if req.get("serverless") == "require":
            return "needs serverless"
        unknown = set(req) - {"minServerVersion", "maxServerVersion", "topologies", "serverless"}
        if unknown:
            return f"runner does not check {sorted(unknown)}"
        return None


def _version(text, high=False):
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [99 if high else 0] * (3 - len(parts)))[:3]


class EventLog(monitoring.CommandListener):
    """Collect command monitoring events of one client, in the spec's shape."""

    def __init__(self, kinds, ignored):
        self.kinds = set(kinds)
        self.ignored = _IGNORED_COMMANDS | set(ignored)
        self.events = []

    def _add(self, kind, event, **fields):
        if kind in self.kinds and event.command_name not in self.ignored:
            self.events.append({kind: {"commandName": event.command_name, **fields}})

    def started(self, event):
        self._add("commandStartedEvent", event, command=event.command, databaseName=event.database_name)

    def succeeded(self, event):
        self._add("commandSucceededEvent", event, reply=event.reply)

    def failed(self, event):
        self._add("commandFailedEvent", event)


class CaseRun:
    """The entities and state of one test."""

    def __init__(self, uri, spec, test, internal):
        self.uri, self.spec, self.test, self.internal = uri, spec, test, internal
        self.entities, self.logs, self.clients, self.fail_points = {}, {}, [], []

    def run(self):
        """Run the test; raise Skip, Refused or an AssertionError/driver error on failure."""
        try:
            self._prepare()
            for op in self.test["operations"]:
                self._operation(op)
            self._check_events()
            self._check_outcome()
        finally:
            self._close()

    def _prepare(self):
        for db_name in _database_names(self.spec):
            self.internal.drop_database(db_name)
        for data in self.spec.get("initialData", []):
            coll = self.internal[data["databaseName"]].get_collection(
                data["collectionName"], write_concern=WriteConcern(w="majority"))
            coll.drop()
            if data["documents"]:
                coll.insert_many(data["documents"])
            else:
                coll.database.create_collection(data["collectionName"])
        for entity in self.spec.get("createEntities", []):
            self._create(*next(iter(entity.items())))

    def _create(self, kind, spec):
        if kind == "client":
            log = EventLog(spec.get("observeEvents", []), spec.get("ignoreCommandMonitoringEvents", []))
            client = MongoClient(self.uri, event_listeners=[log], **{**CLIENT_OPTIONS, **spec.get("uriOptions", {})})
            self.clients.append(client)
            self.logs[spec["id"]] = log
            self.entities[spec["id"]] = client
        elif kind == "database":
            options = _concerns(spec.get("databaseOptions", {}))
            self.entities[spec["id"]] = self.entities[spec["client"]].get_database(spec["databaseName"], **options)
        elif kind == "collection":
            options = _concerns(spec.get("collectionOptions", {}))
            self.entities[spec["id"]] = self.entities[spec["database"]].get_collection(spec["collectionName"],
                                                                                         **options)
        else:
            raise Skip(f"the runner does not create {kind} entities")

    def _operation(self, op):
        try:
            result = self._execute(op)
        except RunnerGap as gap:
            raise Skip(str(gap)) from gap
        except (PyMongoError, ValueError, TypeError) as exc:
            self._unexpected_or_expected(op, exc)
            return
        if "expectError" in op:
            raise Mismatch(f"{op['name']}: expected an error {op['expectError']}, got {result!r}")
        if "expectResult" in op:
            match(op["expectResult"], result)

    def _execute(self, op):
        target, name, args = op["object"], op["name"], op.get("arguments", {})
        if target == "testRunner":
            return self._runner_op(name, args)
        entity = self.entities[target]
        if name == "clientBulkWrite" or isinstance(entity, MongoClient):
            raise RunnerGap(f"client operation {name}")
        if isinstance(entity, Database):
            return run_database_op(entity, name, args)
        return run_collection_op(entity, name, args)

    def _runner_op(self, name, args):
        if name != "failPoint":
            raise RunnerGap(f"testRunner operation {name}")
        client = self.entities[args["client"]]
        try:
            client.admin.command(args["failPoint"])
        except OperationFailure as exc:
            raise Skip(f"the server has no fail points (test commands off): {exc.code}") from exc
        self.fail_points.append((client, args["failPoint"]["configureFailPoint"]))

    def _unexpected_or_expected(self, op, exc):
        expected = op.get("expectError")
        if expected is not None:
            try:
                check_error(expected, exc)
                return
            except Mismatch as mismatch:
                _raise_if_refusal(exc)
                raise Mismatch(f"{op['name']}: {mismatch}") from exc
        _raise_if_refusal(exc)
        raise exc

    def _check_events(self):
        for expected in self.test.get("expectEvents", []):
            actual = self.logs[expected["client"]].events
            wanted = expected["events"]
            if expected.get("eventType", "command") != "command":
                raise Skip(f"the runner does not observe {expected['eventType']} events")
            if expected.get("ignoreExtraEvents"):
                actual = actual[:len(wanted)]
            if len(actual) != len(wanted):
                raise Mismatch(f"expected {len(wanted)} events {wanted!r}, got {len(actual)}: {actual!r}")
            for i, (e, a) in enumerate(zip(wanted, actual)):
                (kind, fields), = e.items()
                if kind not in a:
                    raise Mismatch(f"event {i}: expected {kind}, got {a!r}")
                for key, value in fields.items():
                    if key not in a[kind]:
                        raise Mismatch(f"event {i}: {kind} has no {key}")
                    # Each part of an event (its command, its reply) is a root-level document.
                    match(value, a[kind][key], True, f"event[{i}].{kind}.{key}")

    def _check_outcome(self):
        for data in self.test.get("outcome", []):
            coll = self.internal[data["databaseName"]].get_collection(
                data["collectionName"], read_concern=ReadConcern("local"))
            docs = list(coll.find({}, sort=[("_id", 1)]))
            match(data["documents"], docs, False, f"outcome {data['collectionName']}")

    def _close(self):
        for client, name in self.fail_points:
            try:
                client.admin.command({"configureFailPoint": name, "mode": "off"})
            except PyMongoError:
                pass
        for client in self.clients:
            client.close()


def check_error(expected, exc):
    """Raise Mismatch unless exc is the error the spec expects."""
    server = isinstance(exc, (OperationFailure, ConnectionFailure))
    if expected.get("isClientError") is True and server:
        raise Mismatch(f"expected a client error, got a server error: {exc!r}")
    if expected.get("isClientError") is False and not server:
        raise Mismatch(f"expected a server error, got {exc!r}")
    code, code_name, message = server_error(exc) or (None, None, str(exc))
    if "errorCode" in expected and code != expected["errorCode"]:
        raise Mismatch(f"expected error code {expected['errorCode']}, got {code}: {message}")
    if "errorCodeName" in expected and code_name != expected["errorCodeName"]:
        raise Mismatch(f"expected error {expected['errorCodeName']}, got {code_name}: {message}")
    if "errorContains" in expected and expected["errorContains"].lower() not in str(message).lower():
        raise Mismatch(f"expected an error containing {expected['errorContains']!r}, got {message!r}")
    if "errorResponse" in expected:
        match(expected["errorResponse"], getattr(exc, "details", None) or {})
    for label in expected.get("errorLabelsContain", []):
        if not exc.has_error_label(label):
            raise Mismatch(f"expected error label {label}")
    for label in expected.get("errorLabelsOmit", []):
        if isinstance(exc, PyMongoError) and exc.has_error_label(label):
            raise Mismatch(f"unexpected error label {label}")
    if "expectResult" in expected:
        if not isinstance(exc, BulkWriteError):
            raise Mismatch(f"expected a partial result, got {exc!r}")
        match(expected["expectResult"], bulk_result(exc.details))


def server_error(exc):
    """Return (code, codeName, message) of a server's error reply, or None for other errors."""
    if isinstance(exc, BulkWriteError):
        first = (exc.details.get("writeErrors") or exc.details.get("writeConcernErrors") or [{}])[0]
        return first.get("code"), first.get("codeName"), first.get("errmsg", "")
    if isinstance(exc, OperationFailure):
        details = exc.details or {}
        return exc.code, details.get("codeName"), details.get("errmsg", str(exc))
    return None


def _raise_if_refusal(exc):
    error = server_error(exc)
    if error is None:
        return
    code, code_name, message = error
    if code in REFUSAL_CODES and _NOT_SUPPORTED.search(message) and not _PYTHON_ERROR.search(message):
        raise Refused(f"{code} {code_name or REFUSAL_CODES[code]}: {message}") from exc


def _concerns(options):
    kwargs = {}
    if "readConcern" in options:
        kwargs["read_concern"] = ReadConcern(**options["readConcern"])
    if "writeConcern" in options:
        kwargs["write_concern"] = WriteConcern(**options["writeConcern"])
    if "readPreference" in options:
        kwargs["read_preference"] = _read_preference(options["readPreference"])
    unknown = set(options) - {"readConcern", "writeConcern", "readPreference"}
    if unknown:
        raise Skip(f"the runner does not support entity options {sorted(unknown)}")
    return kwargs


def _read_preference(spec):
    classes = {"primary": read_preferences.Primary, "primaryPreferred": read_preferences.PrimaryPreferred,
               "secondary": read_preferences.Secondary, "secondaryPreferred": read_preferences.SecondaryPreferred,
               "nearest": read_preferences.Nearest}
    mode = classes[spec["mode"]]
    if mode is read_preferences.Primary:
        return mode()
    return mode(max_staleness=spec.get("maxStalenessSeconds", -1))


def _database_names(spec):
    names = {e["database"]["databaseName"] for e in spec.get("createEntities", []) if "database" in e}
    names |= {d["databaseName"] for d in spec.get("initialData", [])}
    return sorted(names)
