"""`liftwatch contacts` list, add and remove, against the test database."""

import asyncio

import pytest

from core.store.client import open_store
from portal.cli import main


@pytest.fixture
def env(config, monkeypatch):
    """Point the command at a fresh database holding one firm; drop it afterwards."""
    monkeypatch.setenv("LIFTWATCH_MONGODB_URI", config.mongodb_uri)
    monkeypatch.setenv("LIFTWATCH_DB_NAME", config.db_name)

    async def seed():
        store = await open_store(config)
        await store.db.firms.insert_one({"_id": "F01", "name": "示例电梯"})
        await store.close()

    async def drop():
        store = await open_store(config, create_indexes=False)
        await store.client.drop_database(config.db_name)
        await store.close()

    asyncio.run(seed())
    yield
    asyncio.run(drop())


def run(capsys, *args):
    main(["contacts", *args])
    return capsys.readouterr().out


def test_it_adds_lists_and_removes_contacts(env, capsys):
    assert "added" in run(capsys, "add", "F01", "fault", "email", "duty@f01.example.com")
    assert "added" in run(capsys, "add", "F01", "fault", "dingtalk", "abcdef0123456789:SECsecret0123", "--lang", "en")
    assert "updated" in run(capsys, "add", "F01", "fault", "email", "duty@f01.example.com", "--lang", "en")
    listed = run(capsys, "list", "F01").splitlines()
    assert len(listed) == 2
    assert "abcdef0123456789:SEC…" in listed[0] and "SECsecret0123" not in listed[0]
    assert listed[1].split() == ["F01", "fault", "email", "en", "duty@f01.example.com"]
    assert "removed 1 contact" in run(capsys, "remove", "F01", "fault", "dingtalk", "abcdef0123456789")
    assert "no contacts for U01" in run(capsys, "list", "U01")
    with pytest.raises(SystemExit, match="no such contact"):
        run(capsys, "remove", "F01", "rescue")


def test_it_refuses_bad_contacts_with_the_reason(env, capsys):
    with pytest.raises(SystemExit, match="no organisation 'F99'"):
        run(capsys, "add", "F99", "fault", "email", "duty@f01.example.com")
    with pytest.raises(SystemExit, match="not a valid email address"):
        run(capsys, "add", "F01", "fault", "email", "duty at f01")
    with pytest.raises(SystemExit, match="unknown kind"):
        run(capsys, "add", "F01", "faults", "email", "duty@f01.example.com")
    assert "no contacts" in run(capsys, "list")
