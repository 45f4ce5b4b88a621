"""The `liftwatch` command: serve, demo, labels, db and contacts."""

import argparse
import asyncio
import contextlib
import os
import sys
from pathlib import Path

from core.config import Config
from core.store import embedded
from portal import cli_contacts


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


async def _load_demo(config, reset, size=None):
    from core import demo
    from core.progress import Progress
    from core.store.client import open_store
    from core.timeutil import today
    store = await open_store(config)
    try:
        return await demo.load_demo(store.db, config, today(config.timezone), reset=reset,
                                    size=size or demo.Size(), progress=Progress())
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
    size = _demo_size(args)
    with database(Config.from_env()) as config:
        summary = asyncio.run(_load_demo(config, args.reset, size))
        _print_demo(summary, config)
    if summary.get("already_loaded") and size.elevators not in (None, summary.get("elevators")):
        print(f"a district of {summary.get('elevators')} elevators is loaded; "
              f"add --reset to replace it with one of {size.elevators}", file=sys.stderr)


def _demo_size(args):
    from core.demo import Size
    if (args.elevators is not None and args.elevators < 1) or args.years < 1:
        print("liftwatch demo: --elevators and --years must be at least 1", file=sys.stderr)
        raise SystemExit(2)
    return Size(args.elevators, args.years)


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
    demo.add_argument("--elevators", type=int, help="build a district of this many elevators "
                      "(default: the classic district of about 200)")
    demo.add_argument("--years", type=int, default=1, help="years of maintenance history (default 1)")
    demo.set_defaults(func=cmd_demo)
    labels = sub.add_parser("labels", help="write QR label sheets")
    labels.add_argument("--firm", help="only this firm's elevators (firm id)")
    labels.add_argument("--unit", help="only this using unit's elevators (unit id)")
    labels.add_argument("--out", default="labels-out", help="output folder (default labels-out)")
    labels.set_defaults(func=cmd_labels)
    db = sub.add_parser("db", help="run the embedded database server alone")
    embedded.add_arguments(db)
    db.set_defaults(func=cmd_db)
    cli_contacts.add_parser(sub)
    return top


def main(argv=None):
    """Run the liftwatch command line."""
    args = parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
