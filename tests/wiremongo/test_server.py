"""The wire server speaks the protocol, answers every message, and keeps to its data directory."""

import os
import random
import stat
import struct
import threading
import urllib.parse

import bson
import pymongo

from tests.wiremongo.backends import BrokenBackend
from wiremongo import wire
from wiremongo.launcher import socket_uri
from tests.wiremongo.wire_fixtures import raw, serve  # noqa: F401 - pytest fixtures


def test_it_answers_an_empty_command_with_command_not_found(serve, raw):
    client = raw(serve())
    reply = client.command({"$db": "x"})
    assert reply["ok"] == 0 and reply["code"] == 59


def test_it_folds_document_sequences_into_the_command(serve, raw):
    server = serve()
    reply = raw(server).command({"insert": "c", "$db": "app"},
                                sequences=[("documents", [{"_id": 1}, {"_id": 2, "n": "电梯"}])])
    assert reply["db"] == "app" and reply["echo"] == {"insert": "c", "documents": [{"_id": 1}, {"_id": 2, "n": "电梯"}]}


def test_it_checks_the_checksum_and_closes_on_a_wrong_one(serve, raw):
    server = serve()
    client = raw(server)
    assert client.command({"find": "c", "$db": "app"}, flags=wire.CHECKSUM_PRESENT)["echo"] == {"find": "c"}
    message = bytearray(wire.encode_msg(8, {"find": "c", "$db": "app"}, flags=wire.CHECKSUM_PRESENT))
    message[-1] ^= 0xFF
    client.send(bytes(message))
    assert client.closed()


def test_it_runs_more_to_come_messages_without_replying(serve, raw):
    server = serve()
    client = raw(server)
    client.send(wire.encode_msg(1, {"insert": "c", "documents": [{"_id": 1}], "$db": "app"},
                                flags=wire.MORE_TO_COME))
    assert client.command({"ping": 1, "$db": "admin"}) == {"ok": 1}  # the next reply is the ping's
    assert server.backend.seen == [("app", {"insert": "c", "documents": [{"_id": 1}]})]


def test_it_answers_a_legacy_op_query_hello_and_refuses_other_op_queries(serve, raw):
    client = raw(serve())
    for command, ok in (({"isMaster": 1}, 1), ({"find": "c"}, 0)):
        query = struct.pack("<i", 0) + b"admin.$cmd\x00" + struct.pack("<ii", 0, -1) + bson.encode(command)
        client.send(wire.HEADER.pack(16 + len(query), 3, 0, wire.OP_QUERY) + query)
        reply = client.reply()
        assert reply["ok"] == ok
    assert reply["code"] == 352


def test_it_closes_the_connection_on_garbage_huge_lengths_and_compression(serve, raw):
    server = serve()
    huge = wire.HEADER.pack(48_000_001, 1, 0, wire.OP_MSG)
    compressed = wire.HEADER.pack(16 + 9, 1, 0, wire.OP_COMPRESSED) + b"\x00" * 9
    for data in (b"garbage bytes!!!", huge, compressed):
        client = raw(server)
        client.send(data)
        assert client.closed()
    assert raw(server).command({"ping": 1, "$db": "admin"}) == {"ok": 1}


def test_it_answers_a_body_that_is_not_bson_with_an_error(serve, raw):
    client = raw(serve())
    body = struct.pack("<I", 0) + b"\x00" + struct.pack("<i", 12) + b"\xffnot bson"
    client.send(wire.HEADER.pack(16 + len(body), 5, 0, wire.OP_MSG) + body)
    reply = client.reply()
    assert reply["ok"] == 0 and reply["code"] == 9
    assert client.command({"ping": 1, "$db": "admin"}) == {"ok": 1}


def test_it_answers_when_the_backend_raises(serve, raw):
    reply = raw(serve(BrokenBackend)).command({"find": "c", "$db": "app"})
    assert reply["ok"] == 0 and reply["code"] == 1 and "backend bug" in reply["errmsg"]


def test_it_listens_on_a_private_socket_inside_the_data_directory(serve, tmp_path):
    server = serve()
    path = server.data_dir.socket_path
    assert path.parent == tmp_path / "data"
    assert stat.S_IMODE(os.stat(tmp_path / "data").st_mode) == 0o700
    assert stat.S_ISSOCK(os.stat(path).st_mode) and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pymongo.MongoClient(socket_uri(path), serverSelectionTimeoutMS=3000) as client:
        assert client.app.command("ping") == {"ok": 1}
        assert client.app.command({"count": "c"})["echo"] == {"count": "c"}


def test_it_puts_the_socket_of_a_long_data_directory_in_a_private_tmp_folder(serve, tmp_path):
    deep = tmp_path / ("a-rather-long-folder-name-" * 5) / "data"
    server = serve(data_dir=deep)
    path = server.data_dir.socket_path
    assert not str(path).startswith(str(deep)) and len(os.fsencode(path)) <= 100
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert server.data_dir.read_state()["socket"] == str(path)
    uri = socket_uri(path)
    assert urllib.parse.unquote(uri.split("/")[2]) == str(path)
    with pymongo.MongoClient(uri, serverSelectionTimeoutMS=3000) as client:
        assert client.app.command("ping") == {"ok": 1}


def test_it_answers_or_closes_on_random_messages_without_a_traceback(serve, raw, monkeypatch):
    crashes = []
    monkeypatch.setattr(threading, "excepthook", crashes.append)
    server = serve()
    rng = random.Random(5)
    valid = wire.encode_msg(1, {"find": "c", "filter": {"a": [1, {"b": "x"}]}, "$db": "app"},
                            sequences=[("documents", [{"_id": 1}])])
    for n in range(300):
        body = bytearray(valid[16:])
        for _ in range(rng.randint(1, 6)):
            body[rng.randrange(len(body))] = rng.randrange(256)
        if n % 3 == 0:
            body = body[:rng.randrange(len(body))]
        op_code = rng.choice([wire.OP_MSG, wire.OP_MSG, wire.OP_QUERY])
        client = raw(server)
        client.send(wire.HEADER.pack(16 + len(body), n, 0, op_code) + bytes(body))
        try:
            client.reply()
        except (AssertionError, ConnectionResetError):
            pass  # closed: allowed
        client.close()
    assert crashes == []
    assert raw(server).command({"ping": 1, "$db": "admin"}) == {"ok": 1}
