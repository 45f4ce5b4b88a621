"""Measure the embedded database as a district would use it, on the new engine and the old one.

    .venv/bin/python bench/store.py [--sizes 10000 100000 1000000] [--quick] [--engine new|old|both]

For each size (n maintenance records, n/50 elevators and page summaries) and engine it
starts the server as a child process on a temporary data directory, loads the documents
with insert_many, and measures through pymongo: find_one by _id and by an indexed field,
the last 24 visits of one elevator, count_documents matching 2,500, ping while an
aggregate runs on another connection, RSS, and the first query after a restart. Every
step is bounded: a step that takes longer prints "> N s (gave up)". See bench/README.md.
"""

import argparse
import math
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pymongo import MongoClient  # noqa: E402
from pymongo.errors import PyMongoError  # noqa: E402

from bench import storedata as data  # noqa: E402
from bench.storeservers import STARTERS  # noqa: E402

FIGURES = [  # key, label, target (issue 5)
    ("insert", "insert_many, docs/s", ">= 5,000"),
    ("find_id", "find_one by _id, p50 / p99 ms", "<= 1 / <= 5"),
    ("find_indexed", "find_one by elevator_id, p50 / p99 ms", "<= 1 / <= 5"),
    ("last24", "last 24 visits of one elevator, p50 / p99 ms", "<= 3"),
    ("count", "count_documents = 2,500, p50 ms", "<= 20"),
    ("rss", "RSS of the database, MB (peak)", "<= 300 at 1M"),
    ("ping", "ping p99 ms while an aggregate runs", "<= 50"),
    ("restart", "first indexed query after a restart, ms", "<= 100"),
]
BATCH = 1000
AGGREGATE_SECONDS = 10.0


class GaveUp(Exception):
    """A step did not finish within its time budget."""


def main(argv=None):
    """Parse arguments, measure every size on every engine, print the tables."""
    args = parse_args(argv)
    engines = ["new", "old"] if args.engine == "both" else [args.engine]
    runnable = []
    for engine in engines:
        missing = STARTERS[engine][1]()
        if missing:
            print(f"skipping the {engine} engine: {missing}", flush=True)
        else:
            runnable.append(engine)
    results = {}
    for size in args.sizes:
        for engine in runnable:
            print(f"-- {engine} engine, {size:,} records", flush=True)
            results[(engine, size)] = measure(engine, size, args)
        print_table(size, runnable, results)
    return 0


def parse_args(argv):
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--quick", action="store_true", help="10,000 records only")
    parser.add_argument("--engine", choices=["new", "old", "both"], default="both")
    parser.add_argument("--samples", type=int, default=1000, help="samples per latency figure")
    parser.add_argument("--step-seconds", type=float, default=60.0, help="give up a step after this long")
    parser.add_argument("--load-seconds", type=float, default=1800.0, help="give up loading after this long")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes = [10_000]
    if min(args.sizes) < data.COUNT_MATCHES:
        parser.error(f"sizes must be at least {data.COUNT_MATCHES:,} (the count figure matches that many)")
    return args


def measure(engine, size, args):
    """Start an engine on a fresh data directory, load size records and take every figure."""
    with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
        run = Run(STARTERS[engine][0], Path(tmp) / "data", args.step_seconds)
        try:
            out = {"insert": run.step("insert", lambda db: load(db, size, args.load_seconds))}
            if not out["insert"].startswith(">"):
                out.update(query_figures(run, size, args))
            return out
        finally:
            run.close()


def query_figures(run, size, args):
    """Take every figure after loading: reads, count, memory, ping under load, restart."""
    rng = random.Random(f"samples-{size}")
    elevators = data.elevator_count(size)
    # Keys are drawn before the clock starts: only the round trip is timed.
    ids = iter([data.record_id(size, rng.randrange(size)) for _ in range(args.samples)])
    codes = iter([data.elevator_code(rng.randrange(elevators)) for _ in range(2 * args.samples)])
    n, budget = args.samples, args.step_seconds
    out = {
        "find_id": run.step("find_id", lambda db: latencies(
            lambda: db.maintenance_records.find_one({"_id": next(ids)}), n, budget)),
        "find_indexed": run.step("find_indexed", lambda db: latencies(
            lambda: db.maintenance_records.find_one({"elevator_id": next(codes)}), n, budget)),
        "last24": run.step("last24", lambda db: latencies(lambda: last_visits(db, next(codes)), n, budget)),
        "count": run.step("count", lambda db: latencies(lambda: count_firm(db), 100, budget, p99=False)),
    }
    rss, peak = run.server.rss_mb()
    out["rss"] = f"{rss:,.0f} ({max(peak, run.earlier_peak):,.0f})"
    out["ping"] = run.step("ping", lambda db: ping_under_aggregate(run.server.uri, budget, size))
    out["restart"] = run.step("restart", lambda db: run.restart_and_query(
        lambda db2: db2.maintenance_records.find_one({"elevator_id": data.elevator_code(7 % elevators)})))
    return out


class Run:
    """One server under test, its client, and how each step is bounded."""

    def __init__(self, start, data_dir, step_seconds):
        self.start, self.data_dir, self.step_seconds = start, data_dir, step_seconds
        self.server = start(data_dir)
        self.client = self._connect()
        self.earlier_peak = 0.0  # peak RSS of servers this run replaced, MB

    def _connect(self):
        # A socket timeout bounds each single operation; a step that hits it gives up.
        return MongoClient(self.server.uri, socketTimeoutMS=int(self.step_seconds * 1000),
                           serverSelectionTimeoutMS=30_000)

    @property
    def db(self):
        """Return the benchmark's database."""
        return self.client.bench

    def step(self, name, fn):
        """Run one step and return its figure as text; restart a server left busy by a timeout."""
        began = time.monotonic()
        try:
            text = fn(self.db)
        except (GaveUp, PyMongoError) as exc:
            took = time.monotonic() - began
            print(f"   {name}: gave up after {took:.0f} s ({type(exc).__name__})", flush=True)
            self._replace_server(kill=True)
            return f"> {took:.0f} s (gave up: {exc if isinstance(exc, GaveUp) else type(exc).__name__})"
        print(f"   {name}: {text}", flush=True)
        return text

    def restart_and_query(self, query):
        """Stop and start the server, then time the first query on a connected client."""
        self._replace_server(kill=False)
        self.client.admin.command("ping")
        began = time.perf_counter()
        query(self.db)
        return f"{(time.perf_counter() - began) * 1000:,.1f}"

    def _replace_server(self, kill):
        self.client.close()
        self.earlier_peak = max(self.earlier_peak, self.server.rss_mb()[1])
        self.server.kill() if kill else self.server.stop()
        self.server = self.start(self.data_dir)
        self.client = self._connect()

    def close(self):
        """Close the client and stop the server."""
        self.client.close()
        self.server.stop()


def load(db, size, budget):
    """Create the application's indexes, insert everything; return records/s."""
    for name, indexes in data.INDEXES.items():
        for keys, index_name in indexes:
            db[name].create_index(keys, name=index_name)
    deadline = time.monotonic() + budget
    elevators = data.elevator_count(size)
    insert_all(db.elevators, (data.elevator(i) for i in range(elevators)), deadline)
    insert_all(db.elevator_pages, (data.page(size, i) for i in range(elevators)), deadline)
    inserted, seconds = insert_all(db.maintenance_records, (data.record(size, i) for i in range(size)), deadline)
    return f"{inserted / seconds:,.0f}"


def insert_all(collection, docs, deadline):
    """Insert docs in batches; return (count, seconds spent in insert_many), or raise GaveUp."""
    count, spent, batch = 0, 0.0, []
    for doc in docs:
        batch.append(doc)
        if len(batch) == BATCH:
            spent += _insert(collection, batch, deadline)
            count, batch = count + len(batch), []
    if batch:
        spent += _insert(collection, batch, deadline)
        count += len(batch)
    return count, spent


def _insert(collection, batch, deadline):
    if time.monotonic() > deadline:
        raise GaveUp("loading took too long")
    began = time.perf_counter()
    collection.insert_many(batch)
    return time.perf_counter() - began


def last_visits(db, elevator_id):
    """Read the last 24 visits of one elevator, newest first; check there are 24."""
    visits = list(db.maintenance_records.find({"elevator_id": elevator_id}).sort("date", -1).limit(24))
    if len(visits) != 24 or any(a["date"] < b["date"] for a, b in zip(visits, visits[1:])):
        raise GaveUp(f"wrong answer: {len(visits)} visits, or not newest first")


def count_firm(db):
    """Count the records of the firm that has exactly 2,500; check the count."""
    n = db.maintenance_records.count_documents({"firm_id": data.COUNT_FIRM})
    if n != data.COUNT_MATCHES:
        raise GaveUp(f"wrong answer: counted {n}, not {data.COUNT_MATCHES}")


def latencies(fn, samples, budget, p99=True):
    """Call fn up to samples times within budget seconds; return 'p50 / p99' in ms."""
    times, deadline = [], time.monotonic() + budget
    while len(times) < samples and time.monotonic() < deadline:
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    if not times:
        raise GaveUp("no sample within the budget")
    text = f"{percentile(times, 50):,.2f} / {percentile(times, 99):,.2f}" if p99 else f"{percentile(times, 50):,.1f}"
    return text + (f" ({len(times)} samples)" if len(times) < samples else "")


def percentile(values, p):
    """Return the p-th percentile of values (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def ping_under_aggregate(uri, budget, size):
    """Ping every 10 ms on one connection while aggregates run back to back for 10 s on another."""
    timeout = int(budget * 1000)
    busy, pinger = MongoClient(uri, socketTimeoutMS=timeout), MongoClient(uri, socketTimeoutMS=timeout)
    try:
        pinger.admin.command("ping")
        runs, errors, done = [], [], threading.Event()
        worker = threading.Thread(target=_aggregate_for, args=(busy, size, runs, errors, done), daemon=True)
        worker.start()
        pings, began_all = [], time.monotonic()
        while not done.wait(0.01):
            began = time.perf_counter()
            pinger.admin.command("ping")
            pings.append((time.perf_counter() - began) * 1000)
        worker.join()
        if errors and (isinstance(errors[0], GaveUp) or not pings):
            raise GaveUp(f"the aggregate failed: {errors[0]}")
        # An aggregate longer than the step's budget still tells how ping fared meanwhile.
        busy_text = (f"the aggregate gave up after {time.monotonic() - began_all:.0f} s" if errors
                     else f"{len(runs)} aggregate(s) of {sum(runs) / len(runs):,.2f} s")
        return f"{percentile(pings, 99):,.1f} (max {max(pings):,.0f}; {busy_text})"
    finally:
        busy.close()
        pinger.close()


def _aggregate_for(client, size, runs, errors, done):
    """Group all records by firm, again and again, until AGGREGATE_SECONDS have passed."""
    pipeline = [{"$group": {"_id": "$firm_id", "n": {"$sum": 1}, "last": {"$max": "$date"}}}]
    end = time.monotonic() + AGGREGATE_SECONDS
    try:
        while True:
            began = time.perf_counter()
            groups = list(client.bench.maintenance_records.aggregate(pipeline))
            runs.append(time.perf_counter() - began)
            if sum(g["n"] for g in groups) != size:
                raise GaveUp(f"wrong answer: the groups hold {sum(g['n'] for g in groups)} records, not {size}")
            if time.monotonic() >= end:
                break
    except (GaveUp, PyMongoError) as exc:
        errors.append(exc)
    finally:
        done.set()


def print_table(size, engines, results):
    """Print one size's figures beside the targets, one column per engine."""
    columns = [f"{engine} engine" for engine in engines]
    rows = [(label, target, *[results[(e, size)].get(key, "-") for e in engines]) for key, label, target in FIGURES]
    header = (f"{size:,} records", "target", *columns)
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print()
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
    print(flush=True)


if __name__ == "__main__":
    sys.exit(main())
