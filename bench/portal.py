"""Load the public elevator page against a static template page on the same portal.

    .venv/bin/python bench/portal.py [--duration 10] [--connections 50] [--workers 1 2]
                                     [--elevators 10000 --years 4 [--data-dir DIR]]

For each worker count it serves the demo district (`liftwatch serve --demo`) on a free
loopback port with a temporary data directory and the embedded database, warms up for
2 s, then loads (a) /e/<code> cycling over every elevator code and (b) the index page "/"
(a template with no database read), each for --duration seconds at --connections
keep-alive connections, with the headers a phone sends. It prints req/s, p50 and p99 of
both and their ratio, the portal CPU per elevator page, and the time of the largest
firm's page. The exit status is non-zero only when a request failed.

With --elevators N it measures the classic district and then one of N elevators and
--years Y of history (built first with `liftwatch demo --elevators N --years Y`, timed),
and prints the figures side by side. --data-dir keeps the large district's data there, so
a second run skips the build.

The load generator is wrk (Debian's `wrk` package) when installed, because on a 2-core
machine the generator shares the cores with the portal and its database and wrk costs
little; otherwise a small asyncio keep-alive client from the standard library stands in.
"""

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# bench/ is no package: its sibling modules import from this script's folder, however it is started.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from cpu import cpu_seconds, descendants, load_cpu, machine_busy  # noqa: E402
from figures import print_cached, print_extras, print_side_by_side  # noqa: E402
from load import HOST, run_asyncio, run_wrk  # noqa: E402
from pages import check_page, firm_page_ms, largest_firm, rss_mb  # noqa: E402
from writes import write_to_page_ms  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WARMUP_SECONDS = 2
IDLE_SECONDS = 5
MAX_CACHE_WARMUP_SECONDS = 300
START_TIMEOUT = 180
TARGET_RATIO = 0.6
TARGET_P99_MS = 50.0
FIRM_PAGE_SIZE = 50  # core.public.FIRM_PAGE_SIZE


@dataclass
class Result:
    """What one load run measured."""

    scenario: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    non2xx: int
    socket_errors: int
    hits: int
    cpu: dict  # CPU seconds: portal (one per busy process), db, load (wrk and this script), other

    @property
    def rate(self):
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self):
        return self.non2xx + self.socket_errors


# -- the server under test ----------------------------------------------------------


def free_port():
    """Return a TCP port on loopback that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Portal:
    """`liftwatch serve --demo` in its own process group, on a temporary data directory."""

    def __init__(self, workers, workdir, size=None, cache_seconds="0"):
        self.workers = workers
        self.cache_seconds = cache_seconds
        self.workdir = Path(workdir)
        self.size = size  # (elevators, years), or None for the classic district
        self.port = free_port()
        self.log_path = self.workdir / "serve.log"
        self.process = None
        self.build_seconds = None

    def environment(self):
        """Return the environment the server runs with."""
        env = {k: v for k, v in os.environ.items() if k != "LIFTWATCH_MONGODB_URI"}
        env.update(LIFTWATCH_DATA_DIR=str(self.workdir / "var"), LIFTWATCH_HOST=HOST,
                   LIFTWATCH_PORT=str(self.port), LIFTWATCH_WORKERS=str(self.workers),
                   LIFTWATCH_PUBLIC_URL=self.base, LIFTWATCH_PAGE_CACHE_SECONDS=self.cache_seconds,
                   PYTHONUNBUFFERED="1")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        return env

    def build(self):
        """Build the large district (`liftwatch demo --elevators N --years Y`); return its seconds."""
        elevators, years = self.size
        cmd = [sys.executable, "-m", "portal.cli", "demo", "--elevators", str(elevators), "--years", str(years)]
        began = time.monotonic()
        done = subprocess.run(cmd, cwd=self.workdir, env=self.environment(), stdout=subprocess.PIPE, text=True)
        if done.returncode:
            raise RuntimeError(f"building the district failed ({done.returncode})")
        loaded = "already loaded" not in done.stdout
        self.build_seconds = time.monotonic() - began if loaded else None
        print(done.stdout.splitlines()[0] if done.stdout else "", flush=True)

    @property
    def base(self):
        return f"http://{HOST}:{self.port}"

    def start(self, build=True):
        """Start the server (building the large district first) and wait until /healthz answers 200."""
        env = self.environment()
        if self.size and build:
            self.build()
        cmd = [sys.executable, "-m", "portal.cli", "serve"] + ([] if self.size else ["--demo"])
        with open(self.log_path, "w") as log:
            # Its own session: Ctrl-C reaches only this script, which then stops the whole group.
            self.process = subprocess.Popen(cmd, cwd=self.workdir, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self._wait_healthy()

    def _wait_healthy(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the portal exited with code {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the portal did not answer /healthz in {START_TIMEOUT} s:\n{self.log_tail()}")

    def stop(self):
        """Stop the server, its workers and its embedded database (SIGTERM, then SIGKILL)."""
        if self.process is None or not _signal_group(self.process.pid, signal.SIGTERM):
            return
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and _signal_group(self.process.pid):
            self.process.poll()  # reap it, or its zombie keeps the group alive
            time.sleep(0.1)
        _signal_group(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def log_tail(self, lines=30):
        """Return the end of the server's output."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def processes(self):
        """Return {pid: 'db' or 'portal'} for the server's process tree."""
        tree = {}
        for pid in descendants(self.process.pid) | {self.process.pid}:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                continue
            tree[pid] = "db" if b"wiremongo" in cmdline else "portal"
        return tree


def _signal_group(pgid, signum=0):
    """Send a signal to a process group (0: none); tell whether the group still exists."""
    try:
        os.killpg(pgid, signum)
        return True
    except (ProcessLookupError, PermissionError):
        return False


# -- what to load ---------------------------------------------------------------------


def database_uri(portal):
    """Return the URI of the portal's embedded database."""
    sys.path.insert(0, str(ROOT))
    from wiremongo.datadir import DataDir
    from wiremongo.launcher import socket_uri

    return socket_uri(DataDir(portal.workdir / "var").read_state()["socket"])


def district_facts(portal):
    """Read every elevator's primary code and each firm's elevator count from the portal's database."""
    sys.path.insert(0, str(ROOT))
    from core.config import Config
    from core.store.client import open_store
    from core.store.elevators import find_elevator_ids

    uri = database_uri(portal)

    async def read():
        store = await open_store(Config(), uri=uri, create_indexes=False)
        try:
            firms = {f: await store.db.elevators.count_documents({"firm_id": f})
                     for f in await store.db.firms.distinct("_id")}
            return await find_elevator_ids(store.db), firms
        finally:
            await store.close()

    return asyncio.run(read())


def measure(portal, scenario, paths, args, load):
    """Run one load and return its Result, with the CPU each side used."""
    tree = portal.processes()
    before, before_gen, before_all = cpu_seconds(tree), load_cpu(), machine_busy()
    requests, seconds, p50, p99, non2xx, socket_errors, hits = load(
        portal.base, paths, args.duration, args.connections, args.threads, portal.workdir)
    after, after_gen, after_all = cpu_seconds(tree), load_cpu(), machine_busy()
    spent = {pid: after[pid] - before.get(pid, 0.0) for pid in after}
    cpu = {"portal": sorted((s for pid, s in spent.items() if tree[pid] == "portal" and s >= 0.05), reverse=True),
           "db": sum(s for pid, s in spent.items() if tree[pid] == "db"), "load": after_gen - before_gen}
    # Whatever else ran on the machine meanwhile: a busy neighbour makes the figures noisy.
    cpu["other"] = max(0.0, after_all - before_all - sum(spent.values()) - cpu["load"])
    return Result(scenario, requests, seconds, p50, p99, non2xx, socket_errors, hits, cpu)


def idle_cpu_ms_per_s(portal, seconds=IDLE_SECONDS):
    """Return the portal's CPU milliseconds per second over `seconds` with no request: its job worker's."""
    tree = portal.processes()
    before = cpu_seconds(tree)
    time.sleep(seconds)
    after = cpu_seconds(tree)
    return 1000 * sum(after[pid] - before.get(pid, 0.0) for pid in after if tree[pid] == "portal") / seconds


def bench_workers(workers, args, load, size=None, workdir=None):
    """Serve a district with this many workers, uncached then cached; return (elevator, static, extras)."""
    with contextlib.ExitStack() as stack:
        workdir = workdir or stack.enter_context(tempfile.TemporaryDirectory(prefix="liftwatch-bench-"))
        elevator, static, extras, codes = bench_uncached(workers, args, load, size, workdir)
        extras["cached"] = bench_cached(workers, args, load, size, workdir, codes, elevator.rate)
        return elevator, static, extras


def bench_uncached(workers, args, load, size, workdir):
    """With the page cache off: load both pages, time firm pages and a write; return (…, codes)."""
    portal = Portal(workers, workdir, size)
    try:
        began = time.monotonic()
        portal.start()
        codes, portal.firm_sizes = district_facts(portal)
        if not codes:
            raise RuntimeError("the demo district has no elevators")
        elevator_paths = [f"/e/{code}" for code in codes]
        sizes = (check_page(portal.base, elevator_paths[0]), check_page(portal.base, "/"))
        print(f"\nworkers={workers}: portal up in {time.monotonic() - began:.1f} s on {portal.base}, "
              f"{len(codes)} elevator codes; gzip bytes on the wire: elevator {sizes[0]}, static {sizes[1]}",
              flush=True)
        warm = argparse.Namespace(**{**vars(args), "duration": WARMUP_SECONDS})
        measure(portal, "warm-up", elevator_paths + ["/"], warm, load)
        idle_before = idle_cpu_ms_per_s(portal)
        elevator = measure(portal, "elevator /e/<code>", elevator_paths, args, load)
        static = measure(portal, "static /", ["/"], args, load)
        idle = (idle_before, idle_cpu_ms_per_s(portal))
        firm_id, firm_elevators = largest_firm(portal)
        last_page = max(1, -(-firm_elevators // FIRM_PAGE_SIZE))
        extras = {"elevators": len(codes), "build_s": portal.build_seconds, "idle_cpu": idle, "firm": firm_id,
                  "firm_elevators": firm_elevators, "firm_ms": firm_page_ms(portal.base, firm_id),
                  "firm_last_page": last_page, "firm_last_ms": firm_page_ms(portal.base, firm_id, last_page),
                  "write": write_to_page_ms(database_uri(portal), portal.base, codes), "rss_mb": rss_mb(portal)}
        return elevator, static, extras, codes
    finally:
        portal.stop()


def bench_cached(workers, args, load, size, workdir, codes, uncached_rate):
    """With the page cache on: warm it over every code, then load; return the hit rate and latencies."""
    cache_seconds = os.environ.get("LIFTWATCH_PAGE_CACHE_SECONDS") or "1.0"
    portal = Portal(workers, workdir, size, cache_seconds=cache_seconds if float(cache_seconds) > 0 else "1.0")
    try:
        portal.start(build=False)
        paths = [f"/e/{code}" for code in codes]
        # Long enough for the one-connection-per-path round robin to reach every code at least once.
        warm_s = min(MAX_CACHE_WARMUP_SECONDS, int(1.5 * len(paths) / max(uncached_rate, 20)) + WARMUP_SECONDS)
        warm = measure(portal, "cache warm-up", paths, argparse.Namespace(**{**vars(args), "duration": warm_s}),
                       load)
        cached = measure(portal, "elevator, cached", paths, args, load)
        return {"warm_s": warm_s, "warm_requests": warm.requests, "result": cached,
                "hit_rate": cached.hits / cached.requests if cached.requests else 0.0,
                "cache_seconds": portal.cache_seconds, "rss_mb": rss_mb(portal)}
    finally:
        portal.stop()


def _portal_cpu(seconds):
    total = f"{sum(seconds):.1f}"
    return total if len(seconds) < 2 else f"{total} ({' + '.join(f'{s:.1f}' for s in seconds)})"


def report(workers, elevator, static, generator, args):
    """Print the table, the ratio and p99 against their targets, and what is compared."""
    print(f"{'scenario':<20} {'requests':>9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"
          f"   cpu s: portal (per process) / db / load / other")
    for r in (elevator, static):
        print(f"{r.scenario:<20} {r.requests:>9} {r.rate:>9.1f} {r.p50_ms:>8.2f} {r.p99_ms:>8.2f} {r.errors:>7}"
              f"   {_portal_cpu(r.cpu['portal'])} / {r.cpu['db']:.1f} / {r.cpu['load']:.1f} / {r.cpu['other']:.1f}")
        if r.socket_errors:
            print(f"  ({r.scenario}: {r.non2xx} non-2xx, {r.socket_errors} connect/read/write/timeout errors)")
    ratio = elevator.rate / static.rate if static.rate else 0.0
    print(f"ratio (elevator/static req/s): {ratio:.2f} (target >= {TARGET_RATIO})")
    print(f"p99 elevator: {elevator.p99_ms:.1f} ms (target <= {TARGET_P99_MS:.0f} ms)")
    page = "page cache off (LIFTWATCH_PAGE_CACHE_SECONDS=0): one database read, template, gzip"
    print(f"baseline: the elevator page /e/<code> ({page}) is compared with "
          f"the static template page / (template and gzip, no database read) on the same server: "
          f"LIFTWATCH_WORKERS={workers}, {args.connections} connections, {args.duration} s each, "
          f"{generator}, Accept-Encoding: gzip, Accept-Language: zh-CN")


def parse_args(argv=None):
    """Read the command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario (default 10)")
    parser.add_argument("--connections", type=int, default=50, help="concurrent connections (default 50)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1],
                        help="LIFTWATCH_WORKERS values to measure, one server each (default 1)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1)")
    parser.add_argument("--client", choices=("auto", "wrk", "asyncio"), default="auto",
                        help="load generator (default: wrk when installed)")
    parser.add_argument("--elevators", type=int, help="also measure a district of this many elevators")
    parser.add_argument("--years", type=int, default=1, help="years of history of that district (default 1)")
    parser.add_argument("--data-dir", help="keep that district's data here and reuse it (default: temporary)")
    args = parser.parse_args(argv)
    if args.duration < 1 or args.connections < 1 or args.threads < 1 or min(args.workers) < 1:
        parser.error("--duration, --connections, --threads and --workers must be at least 1")
    if (args.elevators is not None and args.elevators < 1) or args.years < 1:
        parser.error("--elevators and --years must be at least 1")
    args.threads = min(args.threads, args.connections)
    return args


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    """Run the benchmark for each worker count; exit 1 if any request failed."""
    args = parse_args(argv)
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    if use_wrk and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install -y wrk), or use --client asyncio")
    load = run_wrk if use_wrk else run_asyncio
    generator = f"wrk -t{args.threads}" if use_wrk else "asyncio keep-alive client"
    # SIGTERM takes the same way out as Ctrl-C, so the server is always stopped.
    signal.signal(signal.SIGTERM, _interrupt)
    failed, runs = False, []
    sizes = [None] + ([(args.elevators, args.years)] if args.elevators else [])
    try:
        for size in sizes:
            for workers in args.workers:
                workdir = args.data_dir if size else None
                if workdir:
                    Path(workdir).mkdir(parents=True, exist_ok=True)
                elevator, static, extras = bench_workers(workers, args, load, size, workdir)
                report(workers, elevator, static, generator, args)
                print_extras(elevator, extras)
                print_cached(extras["cached"])
                label = f"{'classic' if size is None else f'{size[0]} x {size[1]}y'}, {workers}w"
                runs.append((label, (elevator, static, extras)))
                failed |= bool(elevator.errors or static.errors)
        if len(runs) > 1:
            print_side_by_side(runs)
    except KeyboardInterrupt:
        print("\ninterrupted: the server was stopped", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
