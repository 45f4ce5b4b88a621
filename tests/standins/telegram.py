"""A local HTTP server that speaks the Telegram Bot API, for python-telegram-bot's real HTTP path.

It answers as Telegram does (`{"ok": true, "result": ...}`, or `ok: false` with `error_code`,
`description` and `parameters`), records every call, and can be told to fail: a chat that
blocked the bot (403), a chat that does not exist (400), flood control (429 with retry_after),
or any status for the next calls. Add a method by putting a function in `methods`.
"""

import itertools
import json
import threading
import time
import urllib.parse

from tests.standins.http import StandinServer

TOKEN = "123456789:TEST-liftwatch-standin-token"


class TelegramStandin(StandinServer):
    """The Bot API for one bot token."""

    def __init__(self, token=TOKEN, username="liftwatch_test_bot"):
        super().__init__()
        self.token = token
        self.username = username
        self.blocked = set()
        self.missing = set()
        self.failures = []
        self.message_ids = itertools.count(1)
        self.methods = {"getMe": self.get_me, "sendMessage": self.send_message,
                        "getUpdates": self.get_updates, "answerCallbackQuery": self.answer_true,
                        "editMessageReplyMarkup": self.answer_true, "setWebhook": self.answer_true,
                        "deleteWebhook": self.answer_true, "getFile": self.get_file}
        self.updates = []
        self.files = {}
        self.arrived = threading.Condition(self.lock)

    def fail_next(self, status=502, description="Bad Gateway", retry_after=None, times=1):
        """Answer the next `times` calls with an error."""
        parameters = {"retry_after": retry_after} if retry_after else None
        with self.lock:
            self.failures.extend([(status, description, parameters)] * times)

    def block(self, chat_id):
        """Act as if this chat's user blocked the bot."""
        self.blocked.add(str(chat_id))

    def forget(self, chat_id):
        """Act as if this chat does not exist."""
        self.missing.add(str(chat_id))

    def calls(self, method):
        """Return the parameters of every call of one method, in order."""
        return [r.body for r in self.requests if r.path.endswith(f"/{method}")]

    @property
    def sent(self):
        """Return the parameters of every sendMessage call that Telegram would have accepted."""
        return [r.body for r in self.requests if r.path.endswith("/sendMessage") and r.accepted]

    def push(self, *updates):
        """Queue updates for getUpdates (Telegram delivering one again is the same update twice)."""
        with self.arrived:
            self.updates.extend(updates)
            self.arrived.notify_all()

    def add_file(self, file_id, data):
        """Keep a file the bot can fetch with getFile and download."""
        self.files[file_id] = data

    def blocking(self, request):
        """Tell that getUpdates waits (a long poll), so that it runs in a thread."""
        return request.path.endswith("/getUpdates")

    def respond(self, request):
        """Route /bot<token>/<method> to a method, or answer like Telegram when it cannot."""
        # python-telegram-bot percent-encodes the token's colon in file download paths.
        if urllib.parse.unquote(request.path).startswith(f"/file/bot{self.token}/"):
            data = self.files.get(request.path.rpartition("/")[2])
            return (200, data) if data is not None else error(404, "Not Found")
        prefix, _, method = request.path.rpartition("/")
        if prefix != f"/bot{self.token}":
            return error(401, "Unauthorized")
        with self.lock:
            failure = self.failures.pop(0) if self.failures else None
        if failure:
            return error(*failure)
        if method not in self.methods:
            return error(404, "Not Found")
        return self.methods[method](request)

    def get_me(self, request):
        """Answer getMe with this bot."""
        return ok({"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "liftwatch",
                   "username": self.username, "can_join_groups": True,
                   "can_read_all_group_messages": False, "supports_inline_queries": False})

    def get_updates(self, request):
        """Hand out queued updates from offset on, waiting up to the long-poll timeout for one.

        As Telegram does, an update is forgotten only once a later call's offset confirms it, so
        a poll cut short (the bot restarting) loses nothing.
        """
        offset = int(request.body.get("offset") or 0)
        deadline = time.monotonic() + min(float(request.body.get("timeout") or 0), 1.0)
        with self.arrived:
            while True:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                if self.updates or time.monotonic() >= deadline:
                    return ok(list(self.updates))
                self.arrived.wait(max(deadline - time.monotonic(), 0.01))

    def answer_true(self, request):
        """Answer a method whose result is True."""
        return ok(True)

    def get_file(self, request):
        """Answer getFile for a file added with add_file."""
        file_id = request.body.get("file_id")
        if file_id not in self.files:
            return error(400, "Bad Request: invalid file_id")
        return ok({"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files[file_id]),
                   "file_path": file_id})

    def replies(self, chat_id):
        """Return the texts (and keyboards) the bot sent to one chat, in order."""
        return [{**m, "reply_markup": _markup(m.get("reply_markup"))} for m in self.sent
                if str(m.get("chat_id")) == str(chat_id)]

    def send_message(self, request):
        """Answer sendMessage: 403 for a blocked chat, 400 for an unknown one, else the Message."""
        chat_id = str(request.body.get("chat_id", ""))
        if not chat_id or chat_id in self.missing:
            return error(400, "Bad Request: chat not found")
        if chat_id in self.blocked:
            return error(403, "Forbidden: bot was blocked by the user")
        if not request.body.get("text"):
            return error(400, "Bad Request: message text is empty")
        request.accepted = True
        chat = {"id": int(chat_id) if chat_id.lstrip("-").isdigit() else -1001, "type": "private"}
        return ok({"message_id": next(self.message_ids), "date": int(time.time()), "chat": chat,
                   "text": request.body["text"]})


def _markup(value):
    """Decode a reply_markup sent as JSON text."""
    return json.loads(value) if isinstance(value, str) else value


def ok(result):
    """Return a successful Bot API answer."""
    return 200, {"ok": True, "result": result}


def error(status, description, parameters=None):
    """Return a failed Bot API answer."""
    answer = {"ok": False, "error_code": status, "description": description}
    if parameters:
        answer["parameters"] = parameters
    return status, answer
