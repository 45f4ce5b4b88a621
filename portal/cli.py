"""The `liftwatch` command: serve, demo, labels, worker, jobs, db, contacts, apikeys and dispatch-link."""

import argparse
import asyncio
import contextlib
import ipaddress
import logging
import os
import signal
import socket
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

from core.config import Config, ConfigError
from core.store import embedded
from portal import cli_apikeys, cli_bot, cli_contacts, cli_officers, cli_rescue, cli_technicians


def _db_port():
    port = os.environ.get("LIFTWATCH_DB_PORT", "")
    if not port:
        return None
    if not port.isdigit() or not 0 < int(port) < 65536:
        fail(f"LIFTWATCH_DB_PORT must be a port number (1-65535), not {port!r}")
    return int(port)


def _start_embedded(data_dir, port):
    """Start or share the embedded database, or exit with status 2 and one line."""
    server = embedded.EmbeddedProcess(data_dir, port)
    try:
        return server, server.start()
    except embedded.EmbeddedError as exc:
        fail(str(exc))


@contextlib.contextmanager
def database(config):
    """Yield a config whose URI points at a database, starting the embedded one if needed."""
    if config.mongodb_uri:
        yield config
        return
    server, uri = _start_embedded(config.data_dir, _db_port())
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
    """Serve the portal with Uvicorn, on the embedded database when no URI is set."""
    _check_port_free(Config.from_env())
    with database(Config.from_env()) as config:
        os.environ["LIFTWATCH_MONGODB_URI"] = config.mongodb_uri
        if args.demo:
            _print_demo(asyncio.run(_load_demo(config, False)), config)
        _run_server(config)


def _run_server(config):
    """Listen (one line and status 2 when the address is taken), then serve until stopped."""
    from portal import serving
    try:
        listener = serving.listen(config.host, config.port)
    except OSError as exc:  # the port was taken between the check and the bind
        fail(f"cannot listen on {config.host}:{config.port} (LIFTWATCH_HOST, LIFTWATCH_PORT): {exc.strerror}")
    print(f"liftwatch portal on http://{config.host}:{config.port}/", flush=True)
    with listener:
        serving.serve(config, listener)


def fail(message):
    """Print one line for a person and exit with status 2."""
    print(f"liftwatch: {message}", file=sys.stderr, flush=True)
    raise SystemExit(2)


def _check_port_free(config):
    """Exit with one line when the portal's address cannot be listened on."""
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the listening socket does
        try:
            probe.bind((config.host, config.port))
        except OSError as exc:
            fail(f"cannot listen on {config.host}:{config.port} (LIFTWATCH_HOST, LIFTWATCH_PORT): {exc.strerror}")


def _warn_if_loopback(public_url):
    """Warn that labels pointing at this machine cannot be scanned by a phone."""
    host = urlsplit(public_url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        print(f"liftwatch: warning: the labels will point at {public_url}, which only this machine can reach; "
              "set LIFTWATCH_PUBLIC_URL to the portal's public address", file=sys.stderr, flush=True)


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
    _warn_if_loopback(Config.from_env().public_url)
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
    from core import report_jobs
    await report_jobs.shared_notifier()  # built before the first job, not during it
    print("liftwatch worker running; Ctrl-C stops it", flush=True)
    try:
        await Worker(store.db, config).run(stop)
    finally:
        await report_jobs.close_notifier()
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
    """Run the embedded database until interrupted, printing how to connect."""
    server, uri = _start_embedded(Path(args.data_dir).absolute(), args.port)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        print(f"embedded database of {Path(args.data_dir).absolute()} (pid {server.pid})")
        print(f"  this machine's user, through the socket: {uri}")
        if server.tcp_uri:
            print(f"  TCP, with the generated credentials:    {server.tcp_uri}")
        print("Ctrl-C to leave (the database stops when no liftwatch process uses it)", flush=True)
        stopping.wait()
    finally:
        server.stop()


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
    sub.add_parser("worker", help="run the job worker alone").set_defaults(func=cmd_worker)
    sub.add_parser("jobs", help="list pending and failed jobs").set_defaults(func=cmd_jobs)
    db = sub.add_parser("db", help="run the embedded database and print how to connect")
    db.add_argument("--data-dir", default=os.environ.get("LIFTWATCH_DATA_DIR", "var"),
                    help="where the data files live (LIFTWATCH_DATA_DIR, default ./var)")
    db.add_argument("--port", type=int, default=_db_port(),
                    help="also listen on 127.0.0.1:PORT, with generated SCRAM-SHA-256 credentials "
                         "(LIFTWATCH_DB_PORT; default: the Unix socket only)")
    db.set_defaults(func=cmd_db)
    cli_contacts.add_parser(sub)
    cli_apikeys.add_parser(sub)
    cli_technicians.add_parser(sub)
    cli_officers.add_parser(sub)
    cli_bot.add_parser(sub)
    cli_rescue.add_parser(sub)
    return top


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


def _setup_logging():
    """Log with time and level at LIFTWATCH_LOG_LEVEL; never the HTTP clients' URLs, which carry the bot token."""
    level = os.environ.get("LIFTWATCH_LOG_LEVEL", "WARNING").upper()
    if level not in LOG_LEVELS:
        fail(f"LIFTWATCH_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=level)
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def main(argv=None):
    """Run the liftwatch command line."""
    args = parser().parse_args(argv)
    _setup_logging()
    try:
        args.func(args)
    except ConfigError as exc:
        fail(str(exc))


if __name__ == "__main__":
    main()
