"""`liftwatch technicians add`: face data stored, bad photos refused with the reason, an invite printed."""

import asyncio
import re

import pytest

from core import technicians
from core.store.client import open_store
from portal.cli import main
from tests import face_samples as samples


@pytest.fixture
def env(config, monkeypatch):
    """Point the command at a fresh database holding firm F01; drop it afterwards."""
    monkeypatch.setenv("LIFTWATCH_MONGODB_URI", config.mongodb_uri)
    monkeypatch.setenv("LIFTWATCH_DB_NAME", config.db_name)
    monkeypatch.setenv("LIFTWATCH_TELEGRAM_BOT_USERNAME", "liftwatch_test_bot")

    async def seed():
        store = await open_store(config)
        await store.db.firms.insert_one({"_id": "F01", "name": "示例电梯"})
        await store.close()

    asyncio.run(seed())
    yield config
    asyncio.run(_drop(config))


async def _drop(config):
    store = await open_store(config, create_indexes=False)
    await store.client.drop_database(config.db_name)
    await store.close()


async def _read(config, collection, query):
    store = await open_store(config, create_indexes=False)
    try:
        return await store.db[collection].find_one(query)
    finally:
        await store.close()


def enrol(tmp_path, capsys, image, phone="13800000001"):
    photo = tmp_path / "face.jpg"
    photo.write_bytes(samples.encode(image))
    main(["technicians", "add", "--firm", "F01", "--name", "王师傅", "--phone", phone,
          "--cert", "TSZY-2024-00001", "--cert-expires", "2030-01-01", "--photo", str(photo)])
    return capsys.readouterr().out, photo


def test_it_enrols_a_technician_and_prints_a_one_time_invite(env, tmp_path, capsys):
    out, photo = enrol(tmp_path, capsys, samples.astronaut())
    assert photo.exists()
    token = re.search(r"https://t\.me/liftwatch_test_bot\?start=(\S+)", out).group(1)
    person = asyncio.run(_read(env, "people", {"phone": "13800000001"}))
    assert person["org_id"] == "F01" and person["roles"] == ["technician"]
    face = asyncio.run(_read(env, "faces", {"_id": person["_id"]}))
    assert len(face["embeddings"]) == 1 and len(face["embeddings"][0]) == 128
    assert len(face["reference_hashes"][0]) == 16
    invite = asyncio.run(_read(env, "invites", {}))
    assert invite["_id"] == technicians.token_hash(token) and token not in str(invite)


def test_it_refuses_a_photo_without_a_face_with_the_reason(env, tmp_path, capsys):
    with pytest.raises(SystemExit, match="No face was found"):
        enrol(tmp_path, capsys, samples.scene("coffee"))
    assert asyncio.run(_read(env, "people", {})) is None


def test_it_refuses_a_photo_of_two_people(env, tmp_path, capsys):
    with pytest.raises(SystemExit, match="more than one face"):
        enrol(tmp_path, capsys, samples.two_people())


def test_it_adds_a_safety_officer_and_prints_a_one_time_invite(env, capsys):
    async def seed():
        store = await open_store(env)
        await store.db.units.insert_one({"_id": "U01", "name": "示例物业"})
        await store.close()

    asyncio.run(seed())
    main(["officers", "add", "--unit", "U01", "--name", "陈安全", "--phone", "13900000100"])
    assert re.search(r"https://t\.me/liftwatch_test_bot\?start=\S+", capsys.readouterr().out)
    person = asyncio.run(_read(env, "people", {"phone": "13900000100"}))
    assert person["org_id"] == "U01" and person["roles"] == ["safety_officer"]
    with pytest.raises(SystemExit, match="no such using unit"):
        main(["officers", "add", "--unit", "U99", "--name", "某人", "--phone", "13900000101"])
