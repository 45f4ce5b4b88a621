"""Fixtures for the wire server (imported by its test modules): a server in this process, raw connections."""

import os
import socket
import struct

import bson
import pytest

from wiremongo import wire
from wiremongo.datadir import DataDir
from wiremongo.server import Server
from tests.wiremongo.backends import EchoBackend


@pytest.fixture
def serve(tmp_path):
    """Return a function starting a server on tmp_path/data; every one is stopped afterwards."""
    servers = []

    def start(factory=EchoBackend, port=None, data_dir=None):
        server = Server(DataDir(data_dir or tmp_path / "data"), factory, port)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


class RawClient:
    """Speak bytes to the server, to send what no driver would."""

    def __init__(self, server, tcp=False):
        if tcp:
            self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        else:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(5)
            self.sock.connect(os.fspath(server.data_dir.socket_path))

    def send(self, data):
        self.sock.sendall(data)

    def command(self, command, **options):
        """Send one OP_MSG and return the decoded reply document."""
        self.send(wire.encode_msg(7, command, **options))
        return self.reply()

    def reply(self):
        """Read one reply and return its document."""
        header = self._read(16)
        length, _, response_to, op_code = struct.unpack("<iiii", header)
        body = self._read(length - 16)
        if op_code == wire.OP_REPLY:
            return bson.decode(body[20:])
        assert op_code == wire.OP_MSG and body[4] == 0
        return bson.decode(body[5:])

    def closed(self):
        """Tell whether the server closed the connection (reads end of file)."""
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def _read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            assert chunk, "the server closed the connection"
            data += chunk
        return data

    def close(self):
        self.sock.close()


@pytest.fixture
def raw():
    """Return a function opening raw connections, all closed afterwards."""
    clients = []

    def connect(server, tcp=False):
        client = RawClient(server, tcp)
        clients.append(client)
        return client

    yield connect
    for client in clients:
        client.close()
