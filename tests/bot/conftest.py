"""The bot against the Bot API stand-in: a district, an enrolled technician, a chat that talks to it."""

import asyncio
import datetime
import itertools
import time

import pytest

from bot.app import build_application
from core import clock, faces, technicians
from core.store import technicians as people_store
from tests import face_samples as samples
from tests.factories import load_small_district
from tests.standins.telegram import TelegramStandin

USER_ID = 7001
ELEVATOR_AT = (24.9, 118.58)  # tests.factories' elevators


@pytest.fixture(scope="session")
def astronaut_face():
    """Enrol the astronaut once for the session: embeddings and reference hashes."""
    from core import photos
    reference = samples.encode(samples.astronaut())
    return {"embeddings": faces.enrol_sync([reference]), "reference_hashes": [photos.phash(reference)]}


@pytest.fixture
def telegram():
    """Run the Bot API stand-in."""
    with TelegramStandin() as server:
        yield server


@pytest.fixture
def bot_config(config, telegram):
    """Return a configuration pointing the bot at the stand-in."""
    from dataclasses import replace
    return replace(config, telegram_token=telegram.token, telegram_api_url=telegram.url,
                   telegram_bot_username=telegram.username)


@pytest.fixture
async def district(store, astronaut_face):
    """Load the small district and enrol its technician P1 with the astronaut's face."""
    today = datetime.date.today()
    codes = await load_small_district(store.db, today)
    await people_store.save_face(store.db, "P1", {**astronaut_face, "enrolled_at": clock.now()})
    return codes


class Chat:
    """One technician's private chat with the bot, through the stand-in's getUpdates."""

    ids = itertools.count(1)

    def __init__(self, telegram, user_id=USER_ID, lang="en"):
        self.telegram = telegram
        self.user = {"id": user_id, "is_bot": False, "first_name": "Lin", "language_code": lang}
        self.chat = {"id": user_id, "type": "private"}

    def update(self, key="message", **fields):
        """Return an update carrying a message made of fields."""
        message = {"message_id": next(self.ids), "date": int(time.time()), "chat": self.chat, "from": self.user,
                   **fields}
        return {"update_id": next(self.ids), key: message}

    def command(self, text):
        """Return a command update."""
        return self.update(text=text, entities=[{"type": "bot_command", "offset": 0,
                                                 "length": len(text.split()[0])}])

    def tap(self, data):
        """Return a callback query update for a button."""
        message = {"message_id": 1, "date": int(time.time()), "chat": self.chat, "text": "?"}
        return {"update_id": next(self.ids), "callback_query": {"id": str(next(self.ids)), "from": self.user,
                                                                 "chat_instance": "1", "data": data,
                                                                 "message": message}}

    def location(self, lat=ELEVATOR_AT[0], lng=ELEVATOR_AT[1], age=0, accuracy=10, **extra):
        """Return a location update sent age seconds ago."""
        return self.update(location={"latitude": lat, "longitude": lng, "horizontal_accuracy": accuracy},
                           **{"date": int(time.time()) - age, **extra})

    def photo(self, data):
        """Return a photo update, the file put where getFile finds it."""
        file_id = f"file{next(self.ids)}"
        self.telegram.add_file(file_id, data)
        return self.update(photo=[{"file_id": file_id, "file_unique_id": file_id, "width": 512, "height": 512}])

    def replies(self):
        """Return every message the bot sent to this chat."""
        return self.telegram.replies(self.user["id"])

    async def send(self, update, replies=1, timeout=60):
        """Deliver an update and return the texts of the replies it caused."""
        before = len(self.replies())
        self.telegram.push(update)
        deadline = time.monotonic() + timeout
        while len(self.replies()) < before + replies:
            if time.monotonic() > deadline:
                raise AssertionError(f"no reply to {update}; sent so far: {self.replies()[before:]}")
            await asyncio.sleep(0.02)
        return [m["text"] for m in self.replies()[before:]]

    async def say(self, update):
        """Deliver an update and return the text of its one reply."""
        return (await self.send(update))[-1]


@pytest.fixture
async def running(bot_config, store):
    """Start the bot with long polling against the stand-in; yield a function that restarts it."""
    state = {}

    async def begin():
        application = build_application(bot_config, store.db, polling=True)
        await application.initialize()
        await application.start()
        await application.updater.start_polling(poll_interval=0.0, timeout=1)
        state["app"] = application

    async def end():
        application = state.pop("app")
        await application.updater.stop()
        await application.stop()
        await application.shutdown()

    async def restart():
        await end()
        await begin()

    await begin()
    yield restart
    await end()
    faces.shutdown()


@pytest.fixture
async def linked(district, running, store, telegram):
    """Link the chat's user to P1 through an invite; return the chat."""
    chat = Chat(telegram)
    token = await technicians.invite(store.db, "P1")
    assert "Welcome" in await chat.say(chat.command(f"/start {token}"))
    return chat
