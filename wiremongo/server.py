"""The wire server: one thread per client connection, handshakes answered here, the rest by the backend.

The backend is any object with `run(db_name, command) -> reply` and `close()`, built by a
factory called with the data directory (by default `wiremongo.commands.Commands`).
"""

import datetime
import errno
import fcntl
import importlib
import itertools
import logging
import os
import socket
import threading
import time

from wiremongo import wire
from wiremongo.auth import Authenticator, load_or_create_credentials
from wiremongo.datadir import StartError, answers, lock
from wiremongo.errors import DataDirError

log = logging.getLogger("wiremongo")

MAX_WIRE_VERSION = 21  # MongoDB 7.0
DEFAULT_BACKEND = "wiremongo.commands:Commands"

# What an unauthenticated TCP client may run: enough to shake hands and log in.
OPEN_COMMANDS = {"hello", "isMaster", "ismaster", "saslStart", "saslContinue", "ping", "buildInfo", "buildinfo"}


def load_factory(spec):
    """Return the callable named by 'module:attribute'."""
    module, _, name = (spec or DEFAULT_BACKEND).partition(":")
    return getattr(importlib.import_module(module), name)


class Server:
    """Serve one data directory on its Unix socket and, if asked, on 127.0.0.1:port."""

    def __init__(self, data_dir, backend_factory, port=None):
        self.data_dir = data_dir
        self.port = port
        self.backend_factory = backend_factory
        self.backend = None
        self.authenticator = None
        self._server_lock = None
        self._listeners = []
        self._connections = set()
        self._guard = threading.Lock()
        self._stopping = threading.Event()
        self._ids = itertools.count(1)

    def start(self):
        """Take the data directory, bind, open the backend and accept connections; raise StartError."""
        self.data_dir.prepare()
        self._server_lock = _take(self.data_dir.server_lock)
        if self._server_lock is None:
            state = self.data_dir.read_state() or {}
            raise StartError(f"another embedded database (pid {state.get('pid', '?')}) already serves "
                             f"{self.data_dir.path}")
        self._listeners.append((self._bind_unix(), False))
        if self.port is not None:
            self._listeners.append((self._bind_tcp(), True))
            credentials = load_or_create_credentials(self.data_dir.path)
            self.authenticator = Authenticator(credentials["user"], credentials["password"])
        try:
            self.backend = self.backend_factory(self.data_dir.path)
        except DataDirError as exc:
            raise StartError(str(exc)) from None
        for listener, needs_auth in self._listeners:
            listener.settimeout(0.5)  # the accept loop looks at the stop flag this often
            threading.Thread(target=self._accept, args=(listener, needs_auth), daemon=True,
                             name="wiremongo-accept").start()
        self.data_dir.write_state({"pid": os.getpid(), "socket": str(self.data_dir.socket_path),
                                   "port": self.port})

    def _bind_unix(self):
        path = self.data_dir.socket_path
        if path.exists() or path.is_symlink():
            if answers(path):
                raise StartError(f"socket {path} is in use by another process")
            path.unlink()  # left by a server that was killed
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)  # the socket is born 0600
        try:
            listener.bind(os.fspath(path))
        finally:
            os.umask(old_umask)
        os.chmod(path, 0o600)
        listener.listen(128)
        return listener

    def _bind_tcp(self):
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind(("127.0.0.1", self.port))
        except OSError as exc:
            listener.close()
            if exc.errno == errno.EADDRINUSE:
                raise StartError(f"port {self.port} on 127.0.0.1 is already in use") from None
            raise StartError(f"cannot listen on 127.0.0.1:{self.port}: {exc.strerror}") from None
        self.port = listener.getsockname()[1]
        listener.listen(128)
        return listener

    def _accept(self, listener, needs_auth):
        """Accept connections until stopped, each served on its own thread."""
        while not self._stopping.is_set():
            try:
                sock, _ = listener.accept()
            except (socket.timeout, InterruptedError):
                continue
            except OSError:
                return
            sock.settimeout(None)
            if needs_auth:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            connection = Connection(self, sock, next(self._ids), needs_auth)
            with self._guard:
                self._connections.add(connection)
            threading.Thread(target=connection.serve, daemon=True, name="wiremongo-conn").start()

    def forget(self, connection):
        """Drop a closed connection from the live set."""
        with self._guard:
            self._connections.discard(connection)

    def stop(self):
        """Stop listening, close every connection and the backend, and release the data directory."""
        self._stopping.set()
        for listener, _ in self._listeners:
            listener.close()
        with self._guard:
            connections = list(self._connections)
        for connection in connections:
            connection.close()
        if self.backend is not None:
            self.backend.close()
        path = self.data_dir.socket_path
        if self._listeners:
            path.unlink(missing_ok=True)
            if path.parent != self.data_dir.path:
                path.parent.rmdir()
        if self._server_lock is not None:
            self.data_dir.state_file.unlink(missing_ok=True)
            self._server_lock.close()


class Connection:
    """One client connection: its own thread, its own authentication state."""

    def __init__(self, server, sock, connection_id, needs_auth):
        self.server = server
        self.sock = sock
        self.id = connection_id
        self.authenticated = not needs_auth
        self.tcp = needs_auth
        self._sasl = None

    def serve(self):
        """Read messages and answer them until the client leaves or breaks the protocol."""
        try:
            while True:
                message = wire.read_message(self._read_exactly)
                if message is None:
                    return
                reply = self._answer(*message)
                if reply is not None:
                    self.sock.sendall(reply)
        except wire.ProtocolError as exc:
            log.warning("closing connection %d: %s", self.id, exc)
        except OSError:
            pass  # the client went away, or the server is stopping
        except Exception as exc:  # noqa: BLE001 - one log line and a closed connection, never a traceback
            log.error("closing connection %d after an unexpected error: %s: %s", self.id, type(exc).__name__, exc)
        finally:
            self.close()
            self.server.forget(self)

    def close(self):
        """Close the socket, waking the thread blocked reading it."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def _read_exactly(self, n):
        buffer = bytearray(n)
        view = memoryview(buffer)
        got = 0
        while got < n:
            count = self.sock.recv_into(view[got:])
            if count == 0:
                if got == 0:
                    return None
                raise wire.ProtocolError("connection closed in the middle of a message")
            got += count
        return bytes(buffer)

    def _answer(self, request_id, op_code, header, body):
        """Return the reply bytes for one message, or None when the client wants none."""
        try:
            request = wire.parse(request_id, op_code, header, body)
        except wire.BadMessage as exc:
            request = wire.Request(request_id, op_code, "admin", {})
            return wire.encode_reply(request, failure(str(exc), 9, "FailedToParse"))
        reply = self.run(request)
        if request.more_to_come:
            return None
        try:
            return wire.encode_reply(request, reply)
        except Exception as exc:  # noqa: BLE001 - an unencodable reply still gets an answer
            log.warning("cannot encode reply: %s", exc)
            return wire.encode_reply(request, failure(f"cannot encode reply: {exc}", 1, "InternalError"))

    def run(self, request):
        """Answer one command: handshakes here, the rest by the backend."""
        command = request.command
        if not command:
            return failure("no command given: the command document is empty", 59, "CommandNotFound")
        name = next(iter(command))
        if request.op_code == wire.OP_QUERY and name not in ("hello", "isMaster", "ismaster"):
            return failure(f"unsupported OP_QUERY command: {name}; use OP_MSG", 352, "UnsupportedOpQueryCommand")
        if not self.authenticated and name not in OPEN_COMMANDS:
            return failure(f"command {name} requires authentication", 13, "Unauthorized")
        handler = _HANDSHAKES.get(name)
        if handler is not None:
            return handler(self, command)
        try:
            reply = self.server.backend.run(request.db_name, command)
        except Exception as exc:  # noqa: BLE001 - the backend promises never to raise; a client must get an answer anyway
            log.error("backend failed on %s: %s: %s", name, type(exc).__name__, exc)
            return failure(f"{type(exc).__name__}: {exc}", 1, "InternalError")
        return reply if isinstance(reply, dict) else failure("backend gave no reply document", 1, "InternalError")

    def hello(self, command):
        """Describe this server as a standalone MongoDB 7.0."""
        reply = {"isWritablePrimary": True, "ismaster": True, "helloOk": True,
                 "maxBsonObjectSize": 16 * 1024 * 1024, "maxMessageSizeBytes": wire.MAX_MESSAGE_BYTES,
                 "maxWriteBatchSize": 100_000, "localTime": datetime.datetime.now(datetime.timezone.utc),
                 "logicalSessionTimeoutMinutes": 30,  # the engine accepts and ignores lsid
                 "connectionId": self.id, "minWireVersion": 0, "maxWireVersion": MAX_WIRE_VERSION,
                 "readOnly": False, "ok": 1}
        if self.tcp and isinstance(command.get("saslSupportedMechs"), str):
            reply["saslSupportedMechs"] = ["SCRAM-SHA-256"]
        return reply

    def sasl_start(self, command):
        """Begin a SCRAM-SHA-256 conversation (TCP only)."""
        if self.server.authenticator is None:
            return failure("authentication is not needed on the Unix socket", 2, "BadValue")
        reply, self._sasl = self.server.authenticator.start(command)
        return reply

    def sasl_continue(self, command):
        """Check the client's proof and finish the conversation."""
        if self.server.authenticator is None:
            return failure("authentication is not needed on the Unix socket", 2, "BadValue")
        if self.authenticated and self._sasl is None:
            return {"conversationId": 1, "done": True, "payload": b"", "ok": 1}
        reply, ok = self.server.authenticator.finish(self._sasl, command)
        self._sasl = None
        self.authenticated = self.authenticated or ok
        return reply


def _take(path, patience=1.0):
    """Take an exclusive lock, waiting out the instant a launcher probes it; None if a server holds it."""
    deadline = time.monotonic() + patience
    while True:
        held = lock(path, fcntl.LOCK_EX, blocking=False)
        if held is not None or time.monotonic() > deadline:
            return held
        time.sleep(0.01)


def failure(message, code, code_name):
    """Return an error reply in MongoDB's shape."""
    return {"ok": 0, "errmsg": message, "code": code, "codeName": code_name}


def _ping(connection, command):
    return {"ok": 1}


def _build_info(connection, command):
    return {"version": "7.0.0", "versionArray": [7, 0, 0, 0], "gitVersion": "wiremongo",
            "maxBsonObjectSize": 16 * 1024 * 1024, "bits": 64, "ok": 1}


def _get_parameter(connection, command):
    return {"featureCompatibilityVersion": {"version": "7.0"}, "ok": 1}


_HANDSHAKES = {
    "hello": Connection.hello, "isMaster": Connection.hello, "ismaster": Connection.hello,
    "ping": _ping, "buildInfo": _build_info, "buildinfo": _build_info,
    "saslStart": Connection.sasl_start, "saslContinue": Connection.sasl_continue,
    "endSessions": _ping, "getParameter": _get_parameter,
}
