"""Serve a data directory with the old engine until SIGTERM: `python -m bench.baseline --data-dir D`."""

import argparse
import concurrent.futures
import logging
import signal
import threading
from pathlib import Path

import litemongo
import mockupdb

from bench.baseline.commands import Commands

READY = "baseline-db ready on port "
_MORE_TO_COME = 2


def _short_repr(self):
    return f"<{type(self).__name__}>"


# As in the original: mockupdb renders every request with repr() before checking whether it logs.
for _cls in (mockupdb.Request, mockupdb.OpQuery, mockupdb.Reply, mockupdb.OpMsgReply):
    _cls.__repr__ = _short_repr


class BaselineServer:
    """Serve one data directory on 127.0.0.1, every command on one worker thread."""

    def __init__(self, data_dir, port=0):
        self.data_dir = Path(data_dir).absolute()
        self.port = port
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="baseline-db")
        self._client = None
        self._commands = None
        self._server = None

    def start(self):
        """Open the store and start listening; return the port."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._worker.submit(self._open_store).result()
        self._server = mockupdb.MockupDB(port=self.port, request_timeout=int(1e6))
        self._server.autoresponds(self._respond)
        self.port = self._server.run()
        return self.port

    def stop(self):
        """Stop listening and close the store."""
        self._server.stop()
        self._worker.submit(self._client.close).result()
        self._worker.shutdown()

    def _open_store(self):
        self._client = litemongo.connect(f"sqlite:///{self.data_dir / 'db'}", tz_aware=False)
        self._commands = Commands(self._client)

    def _respond(self, request):
        cmd = dict(request.doc)
        db_name = cmd.pop("$db", None) or request.namespace.split(".")[0]
        reply = self._worker.submit(self._commands.run, db_name, cmd).result()
        if isinstance(request, mockupdb.OpMsg) and request.flags & _MORE_TO_COME:
            return True
        request.replies(reply)
        return True


def main():
    """Parse arguments and serve until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m bench.baseline")
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    server = BaselineServer(args.data_dir, args.port)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    print(f"{READY}{server.start()}", flush=True)
    stopping.wait()
    server.stop()


if __name__ == "__main__":
    main()
