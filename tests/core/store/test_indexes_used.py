"""Every query the app makes uses an index, and core/store/indexes.py names the queries each index serves.

The app's real code runs against the database while the driver's command monitoring (a real
pymongo feature, no stand-in) writes down every query with the storage function that sent it.
Each query is then explained on the same server: a collection scan fails the test, unless
indexes.FULL_SCANS names that function and says why; an index used by a function that
indexes.SERVES does not list for it fails too, so the names stay true.
"""

import re
import sys
from pathlib import Path

import pytest
from pymongo import monitoring

from core import clock
from core.store import indexes
from tests.core.store.queries import run_app_queries

ROOT = Path(__file__).resolve().parents[3]
STORE = ROOT / "core" / "store"
BATCH = STORE / "batch.py"
QUERIES = {"find", "count", "distinct", "aggregate", "findAndModify", "update", "delete"}
EXPLAINED_FIELDS = {"find": ("filter", "sort", "projection", "skip", "limit", "hint"), "count": ("query", "hint"),
                    "distinct": ("key", "query"), "aggregate": ("pipeline",),
                    "findAndModify": ("query", "sort", "update", "remove", "upsert", "new", "fields")}


class QueryLog(monitoring.CommandListener):
    """Write down each query sent while recording, with the storage function that sent it."""

    def __init__(self):
        self.recording = None

    def started(self, event):
        if self.recording is not None and event.command_name in QUERIES:
            self.recording.append((sender(sys._getframe(1)), event.database_name, dict(event.command)))

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


LOG = QueryLog()
# Registered once: it applies to every client made afterwards, and records only inside the test.
monitoring.register(LOG)


def sender(frame):
    """Return module.function of the innermost app frame that sent a query (core.store first)."""
    outside = None
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if frame.f_code.co_name.startswith("<") or path == BATCH:
            # A comprehension's frame: its function is further out; the batching's
            # (core/store/batch.py): the Gatherer's run function in the owning module is.
            frame = frame.f_back
            continue
        if path.is_relative_to(STORE):
            return f"core.store.{path.stem}.{frame.f_code.co_name}"
        if outside is None and path.is_relative_to(ROOT) and path.parts[len(ROOT.parts)] in ("core", "portal", "bot"):
            outside = f"{'.'.join(path.relative_to(ROOT).with_suffix('').parts)}.{frame.f_code.co_name}"
        frame = frame.f_back
    return outside  # None: the driver's own or the test's reads


def explained_commands(command):
    """Return the explainable commands of one query (one per statement of an update or delete)."""
    name = next(iter(command))
    if name in ("update", "delete"):
        return [{name: command[name], f"{name}s": [statement]} for statement in command.get(f"{name}s", [])]
    body = {name: command[name], **{k: command[k] for k in EXPLAINED_FIELDS[name] if k in command}}
    return [{**body, "cursor": {}} if name == "aggregate" else body]


def shape(value):
    """Return a query's shape: its operators and field names, with every value replaced by its type."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(v) for v in value[:1]]
    return type(value).__name__


def plans(reply):
    """Yield every plan stage of an explain reply (either server's shape), with its index name."""
    if isinstance(reply, dict):
        if "stage" in reply:
            yield reply["stage"], reply.get("indexName")
        for value in reply.values():
            yield from plans(value)
    elif isinstance(reply, list):
        for value in reply:
            yield from plans(value)


@pytest.fixture
async def recorded(config, store):
    """Run the app's queries while recording them; yield [(function, command)] with one of each shape."""
    LOG.recording = []
    try:
        await run_app_queries(config)
    finally:
        sent, LOG.recording = LOG.recording, None
        clock.release()
    unique = {}
    for function, db_name, command in sent:
        if function is not None and db_name == config.db_name:
            for body in explained_commands(command):
                unique.setdefault((function, repr(shape(body))), body)
    return [(function, body) for (function, _), body in unique.items()]


async def test_it_finds_every_query_of_the_app_served_by_an_index_named_for_it(recorded, store):
    scans, unnamed, served = [], [], set()
    for function, body in recorded:
        reply = await store.db.command({"explain": body, "verbosity": "queryPlanner"})
        stages = list(plans(reply.get("queryPlanner", reply)))
        collection = body[next(iter(body))]
        if any(stage == "COLLSCAN" for stage, _ in stages) and function not in indexes.FULL_SCANS:
            scans.append(f"{function}: {body}")
        for _, index in stages:
            if index and index != "_id_":
                served.add((collection, index, function))
                if function not in indexes.SERVES.get((collection, index), ()):
                    unnamed.append(f"{collection}.{index} serves {function}, not named in core/store/indexes.py")
    assert not scans, "queries without an index:\n" + "\n".join(scans)
    assert not unnamed, "\n".join(sorted(set(unnamed)))
    named = {(c, i, f) for (c, i), functions in indexes.SERVES.items() for f in functions if " " not in f}
    assert named <= served, "named in indexes.py, but not seen using that index:\n" + "\n".join(
        f"{c}.{i}: {f}" for c, i, f in sorted(named - served))


def test_it_names_only_indexes_that_exist_and_functions_that_exist():
    for (collection, index), functions in indexes.SERVES.items():
        assert index in {m.document["name"] for m in indexes.INDEXES[collection]}, (collection, index)
        for function in functions:
            if " " in function:
                continue  # why the index is kept although no query of the app uses it
            module, name = function.rsplit(".", 1)
            source = (ROOT / Path(*module.split("."))).with_suffix(".py").read_text()
            assert re.search(rf"^async def {name}\(", source, re.M), function
    for (collection, models) in indexes.INDEXES.items():
        for model in models:
            assert (collection, model.document["name"]) in indexes.SERVES, (collection, model.document["name"])
    assert all(reason for reason in indexes.FULL_SCANS.values())
