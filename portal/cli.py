"""The `liftwatch` command: serve, demo, labels, worker, jobs, db, contacts and apikeys."""

import argparse
import asyncio
import contextlib
import os
import sys
from pathlib import Path

from core.config import Config
from core.store import embedded
from portal import cli_apikeys, cli_contacts


@contextlib.contextmanager
def database(config):
    """Yield a config whose URI points at a database, starting the embedded one if needed."""
    if config.mongodb_uri:
        yield config
        return
    server = embedded.EmbeddedProcess(config.data_dir)
    uri = server.start()
    try:
        yield Config.from_env(mongodb_uri=uri)
    finally:
        server.stop()


async def _load_demo(config, reset):
    from core import demo
    from core.store.client import open_store
    from core.timeutil import today
    store = await open_store(config)
    try:
        return await demo.load_demo(store.db, config, today(config.timezone), reset=reset)
    finally:
        await store.close()


def _print_demo(summary, config):
    counts = {k: v for k, v in summary.items() if type(v) is int}
    state = "already loaded" if summary.get("already_loaded") else "loaded"
    print(f"demo district {state}:", ", ".join(f"{k}={v}" for k, v in counts.items()))
    for label, code in (summary.get("examples") or {}).items():
        print(f"  {label:>24}: {config.public_url}/e/{code}")


def cmd_demo(args):
    """Load the demo district into the configured database."""
    with database(Config.from_env()) as config:
        _print_demo(asyncio.run(_load_demo(config, args.reset)), config)


def cmd_serve(args):
    """Serve the portal with Hypercorn, on the embedded database when no URI is set."""
    with database(Config.from_env()) as config:
        os.environ["LIFTWATCH_MONGODB_URI"] = config.mongodb_uri
        if args.demo:
            _print_demo(asyncio.run(_load_demo(config, False)), config)
        _run_hypercorn(config)


def _run_hypercorn(config):
    from hypercorn.config import Config as HypercornConfig
    from hypercorn.run import run
    hyper = HypercornConfig()
    hyper.bind = [f"{config.host}:{config.port}"]
    hyper.application_path = "portal.asgi:app"
    hyper.workers = config.workers if config.workers > 1 else 0  # 0: serve in this process
    hyper.accesslog = None
    hyper.errorlog = "-"
    if sys.platform != "win32":
        hyper.worker_class = "uvloop"
    print(f"liftwatch portal on http://{config.host}:{config.port}/", flush=True)
    run(hyper)


async def _write_labels(config, args):
    from core.labels import Label, write_label_sheets
    from core.store.client import open_store
    from core.store.elevators import find_elevators
    store = await open_store(config)
    try:
        elevators = await find_elevators(store.db, firm_id=args.firm, unit_id=args.unit)
    finally:
        await store.close()
    if not elevators:
        raise SystemExit("no elevators match; load the demo (liftwatch demo) or check --firm/--unit")
    labels = [Label(e["_id"], e["address"], e.get("building", "")) for e in elevators]
    name = args.firm or args.unit or "all"
    return write_label_sheets(labels, config.public_url, Path(args.out), name)


def cmd_labels(args):
    """Write printable QR label sheets (PDF and SVG)."""
    with database(Config.from_env()) as config:
        for path in asyncio.run(_write_labels(config, args)):
            print(path)


async def _run_worker(config):
    import signal
    from core.store.client import open_store
    from core.worker import Worker
    store = await open_store(config)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    print("liftwatch worker running; Ctrl-C stops it", flush=True)
    try:
        await Worker(store.db, config).run(stop)
    finally:
        await store.close()


def cmd_worker(args):
    """Run the job worker alone, until interrupted."""
    with database(Config.from_env()) as config:
        asyncio.run(_run_worker(config))


async def _job_report(config):
    from core.store import jobs as job_store
    from core.store.client import open_store
    store = await open_store(config)
    try:
        return (await job_store.count_jobs(store.db), await job_store.find_retrying_jobs(store.db),
                await job_store.find_failed_jobs(store.db))
    finally:
        await store.close()


def cmd_jobs(args):
    """List jobs: counts by kind and state, then those retrying and those failed, with reasons."""
    with database(Config.from_env()) as config:
        counts, retrying, failed = asyncio.run(_job_report(config))
    print(f"{'kind':<16} {'state':<8} {'count':>7}")
    for (kind, state), n in sorted(counts.items()):
        print(f"{kind:<16} {state:<8} {n:>7}")
    for title, rows, when in (("retrying", retrying, "due"), ("failed", failed, "finished_at")):
        if rows:
            print(f"\n{title}:")
        for job in rows:
            print(f"  {job['key']}  attempts={job['attempts']}  {when}={job[when]:%Y-%m-%d %H:%M:%S}Z  "
                  f"{job.get('last_error') or ''}")


def cmd_db(args):
    """Run the embedded database server alone."""
    embedded.main(["--data-dir", args.data_dir, "--port", str(args.port)])


def parser():
    """Build the argument parser."""
    top = argparse.ArgumentParser(prog="liftwatch", description="Elevator safety platform")
    sub = top.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the portal")
    serve.add_argument("--demo", action="store_true", help="load the demo district first (idempotent)")
    serve.set_defaults(func=cmd_serve)
    demo = sub.add_parser("demo", help="load the demo district")
    demo.add_argument("--reset", action="store_true", help="drop all data and load it anew")
    demo.set_defaults(func=cmd_demo)
    labels = sub.add_parser("labels", help="write QR label sheets")
    labels.add_argument("--firm", help="only this firm's elevators (firm id)")
    labels.add_argument("--unit", help="only this using unit's elevators (unit id)")
    labels.add_argument("--out", default="labels-out", help="output folder (default labels-out)")
    labels.set_defaults(func=cmd_labels)
    sub.add_parser("worker", help="run the job worker alone").set_defaults(func=cmd_worker)
    sub.add_parser("jobs", help="list pending and failed jobs").set_defaults(func=cmd_jobs)
    db = sub.add_parser("db", help="run the embedded database server alone")
    embedded.add_arguments(db)
    db.set_defaults(func=cmd_db)
    cli_contacts.add_parser(sub)
    cli_apikeys.add_parser(sub)
    return top


def main(argv=None):
    """Run the liftwatch command line."""
    args = parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
