"""Database and collection names are checked as MongoDB checks them and never become paths."""

import os

import pytest

from tests.wiremongo.replies import find, ok
from wiremongo.commands import Commands
from wiremongo.errors import DataDirError

HOSTILE_DBS = ["../outside", "/tmp/abs", "a/b", "a\\b", "a.b", "", "x" * 64, "nul\x00", "sp ace", "$db"]
HOSTILE_COLLECTIONS = ["/tmp/abs.sqlite", "../../outside", "a\x00b", "$cmd.x", "", ".hidden", "system.js", "a\\b"]


def files_under(path):
    return sorted(os.path.relpath(os.path.join(root, name), path)
                  for root, _, names in os.walk(path) for name in names)


def test_it_refuses_hostile_names_and_creates_nothing_outside_the_data_directory(cmds, tmp_path):
    for db in HOSTILE_DBS:
        for command in ({"insert": "c", "documents": [{}]}, {"create": "c"}, {"find": "c"}, {"dropDatabase": 1}):
            reply = cmds.run(db, command)
            assert reply["ok"] == 0.0 and reply["code"] == 73, (db, command, reply)
    for coll in HOSTILE_COLLECTIONS:
        for command in ({"insert": coll, "documents": [{}]}, {"create": coll}, {"createIndexes": coll,
                        "indexes": [{"key": {"a": 1}, "name": "a_1"}]}):
            reply = cmds.run("t", command)
            assert reply["ok"] == 0.0 and reply["code"] == 73, (coll, command, reply)
    reply = cmds.run("admin", {"renameCollection": "t.c", "to": "t./etc/passwd"})
    assert reply["ok"] == 0.0
    assert all(path.startswith("data/") for path in files_under(tmp_path))
    assert [c for c in find(cmds, "t", {"listCollections": 1})] == []


def test_it_keeps_a_legal_but_odd_name_inside_its_database_file(cmds, tmp_path):
    ok(cmds.run("weird-名字", {"insert": "a.b c", "documents": [{"x": 1}]}))
    assert find(cmds, "weird-名字", {"find": "a.b c"})[0]["x"] == 1
    assert [d["name"] for d in ok(cmds.run("admin", {"listDatabases": 1}))["databases"]] == ["weird-名字"]
    assert all(name.startswith("d_") for name in os.listdir(tmp_path / "data" / "db"))


def test_it_refuses_a_data_directory_another_store_wrote(tmp_path):
    (tmp_path / "db" / "liftwatch").mkdir(parents=True)
    with pytest.raises(DataDirError) as caught:
        Commands(tmp_path)
    assert "another format" in str(caught.value)


def test_it_reopens_its_own_files(tmp_path):
    first = Commands(tmp_path)
    ok(first.run("t", {"insert": "c", "documents": [{"_id": 1}]}))
    first.close()
    second = Commands(tmp_path)
    assert find(second, "t", {"find": "c"}) == [{"_id": 1}]
    second.close()
