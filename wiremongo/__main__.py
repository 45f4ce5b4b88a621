"""Run the embedded database: `python -m wiremongo --data-dir D [--port P]`."""

import argparse
import fcntl
import json
import logging
import os
import signal
import sys
import threading

from wiremongo.datadir import DataDir, StartError, lock
from wiremongo.server import Server, load_factory

READY = "wiremongo ready "
FAILED = "wiremongo failed "
USERS_POLL_SECONDS = 0.2


def parse_args(argv):
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="python -m wiremongo", description="MongoDB wire-protocol server")
    parser.add_argument("--data-dir", required=True, help="folder of the data files, the socket and the locks")
    parser.add_argument("--port", type=int, help="also listen on 127.0.0.1:PORT, SCRAM-SHA-256 required")
    parser.add_argument("--backend", help="storage factory as module:name (default wiremongo.commands:Commands)")
    parser.add_argument("--supervised", action="store_true",
                        help="started by wiremongo.launcher: report readiness on stdout, exit when no user is left")
    return parser.parse_args(argv)


def main(argv=None):
    """Serve until a signal, or (supervised) until the last user is gone; return the exit status."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s wiremongo[%(process)d] %(levelname)s %(message)s")
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda *_: stopping.set())
    # A thread answering ping waits for the GIL once per switch interval while another burns the
    # CPU in Python: 1 ms instead of 5 ms took ping p50 from 5.8 to 3.1 ms
    # and p99 from 24 to 17 ms during a 10 s command (test_server_concurrency, machine shared).
    sys.setswitchinterval(0.001)
    data_dir = DataDir(args.data_dir)
    server = Server(data_dir, None, args.port)
    try:
        _start(server, args)
    except StartError as exc:
        return _fail(args, str(exc), 2)
    except Exception as exc:  # noqa: BLE001 - one line for a person, not a traceback
        return _fail(args, f"{type(exc).__name__}: {exc}", 1)
    _announce(args, server)
    held = _wait_unused(data_dir, stopping) if args.supervised else stopping.wait() and None
    server.stop()
    if held:
        held.close()
    return 0


def _start(server, args):
    """Start the server; a server run by hand takes the start lock that launchers take."""
    server.data_dir.prepare()
    guard = None if args.supervised else lock(server.data_dir.start_lock, fcntl.LOCK_EX)
    try:
        server.backend_factory = load_factory(args.backend)
        server.start()
    finally:
        if guard is not None:
            guard.close()


def _fail(args, message, status):
    print(message, file=sys.stderr, flush=True)
    if args.supervised:
        print(FAILED + json.dumps({"status": status, "message": message}), flush=True)
    return status


def _announce(args, server):
    """Tell the launcher (or the person) where to connect."""
    state = server.data_dir.read_state()
    if not args.supervised:
        print(f"wiremongo serving {server.data_dir.path} on {state['socket']}"
              + (f" and 127.0.0.1:{state['port']}" if state["port"] else ""), flush=True)
        return
    print(READY + json.dumps(state), flush=True)
    # The launcher stops reading after this line and may exit: nothing more goes to its pipe.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def _wait_unused(data_dir, stopping):
    """Wait until no process holds the users lock; return it held, so no user joins while stopping."""
    while not stopping.wait(USERS_POLL_SECONDS):
        held = lock(data_dir.users_lock, fcntl.LOCK_EX, blocking=False)
        if held is not None:
            return held
    return None


if __name__ == "__main__":
    sys.exit(main())
