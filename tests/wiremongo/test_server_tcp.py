"""TCP is opt-in, on 127.0.0.1 only, and needs the generated SCRAM-SHA-256 credentials."""

import json
import os
import stat

import pymongo
import pytest
from pymongo.errors import OperationFailure

from wiremongo.launcher import tcp_uri
from tests.wiremongo.wire_fixtures import raw, serve  # noqa: F401 - pytest fixtures


def test_it_refuses_every_command_but_the_handshake_without_credentials(serve, raw):
    server = serve(port=0)
    client = raw(server, tcp=True)
    assert client.command({"hello": 1, "$db": "admin"})["isWritablePrimary"] is True
    assert client.command({"ping": 1, "$db": "admin"}) == {"ok": 1}
    for command in ({"find": "people"}, {"listDatabases": 1}, {"endSessions": []}, {"getParameter": 1}):
        reply = client.command({**command, "$db": "admin"})
        assert reply["ok"] == 0 and reply["code"] == 13, command
    assert server.backend.seen == []


def test_it_refuses_a_driver_without_or_with_wrong_credentials(serve, tmp_path):
    server = serve(port=0)
    with pymongo.MongoClient(f"mongodb://127.0.0.1:{server.port}/?directConnection=true",
                             serverSelectionTimeoutMS=3000) as anonymous:
        with pytest.raises(OperationFailure) as caught:
            anonymous.app.people.find_one()
        assert caught.value.code == 13
    wrong = tcp_uri(tmp_path / "data", server.port).replace("wiremongo:", "wiremongo:x", 1)
    with pymongo.MongoClient(wrong, serverSelectionTimeoutMS=3000) as intruder:
        with pytest.raises(OperationFailure) as caught:
            intruder.app.people.find_one()
        assert caught.value.code == 18
    assert server.backend.seen == []


def test_it_serves_a_driver_with_the_generated_credentials(serve, tmp_path):
    server = serve(port=0)
    credentials = tmp_path / "data" / "credentials.json"
    assert stat.S_IMODE(os.stat(credentials).st_mode) == 0o600
    assert len(json.loads(credentials.read_text())["password"]) >= 24
    with pymongo.MongoClient(tcp_uri(tmp_path / "data", server.port), serverSelectionTimeoutMS=3000) as client:
        assert client.app.command({"find": "people"})["echo"] == {"find": "people"}
    assert server.backend.seen[-1] == ("app", {"find": "people"})


def test_it_listens_on_loopback_only(serve):
    server = serve(port=0)
    listeners = [sock for sock, tcp in server._listeners if tcp]
    assert listeners[0].getsockname()[0] == "127.0.0.1"
