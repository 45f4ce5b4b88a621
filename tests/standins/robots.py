"""Local HTTP servers standing in for the DingTalk and WeCom group robots' webhooks."""

import base64
import hashlib
import hmac
import time

from tests.standins.http import StandinServer


class RobotStandin(StandinServer):
    """What both robots share: known webhooks, recorded messages, errors on demand."""

    def __init__(self):
        super().__init__()
        self.failures = []

    def fail_next(self, errcode, errmsg="error", times=1):
        """Answer the next `times` messages with this errcode."""
        with self.lock:
            self.failures.extend([(errcode, errmsg)] * times)

    @property
    def messages(self):
        """Return the JSON bodies of every message the robot accepted."""
        return [r.body for r in self.requests if r.accepted]

    def _failure(self):
        with self.lock:
            return self.failures.pop(0) if self.failures else None

    def _accept(self, request):
        failure = self._failure()
        if failure:
            return 200, {"errcode": failure[0], "errmsg": failure[1]}
        if request.body.get("msgtype") not in ("text", "markdown"):
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        request.accepted = True
        return 200, {"errcode": 0, "errmsg": "ok"}


class DingTalkStandin(RobotStandin):
    """POST /robot/send?access_token=...&timestamp=...&sign=..., checking the signature."""

    def __init__(self, robots):
        super().__init__()
        self.robots = dict(robots)  # access token -> signing secret (None: no signature)

    def respond(self, request):
        """Check the token and the signature as DingTalk does, then take the message."""
        if request.path != "/robot/send":
            return 404, {"errcode": 404, "errmsg": "not found"}
        token = request.query.get("access_token", "")
        if token not in self.robots:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        secret = self.robots[token]
        if secret and not valid_sign(secret, request.query.get("timestamp", ""), request.query.get("sign", "")):
            return 200, {"errcode": 310000, "errmsg": "sign not match"}
        return self._accept(request)


def valid_sign(secret, timestamp, sign):
    """Tell whether a DingTalk signature matches its secret and is less than an hour old."""
    if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > 3600_000:
        return False
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(digest).decode(), sign)


class WeComStandin(RobotStandin):
    """POST /cgi-bin/webhook/send?key=..., checking the key."""

    def __init__(self, keys):
        super().__init__()
        self.keys = set(keys)

    def respond(self, request):
        """Check the key as WeCom does, then take the message."""
        if request.path != "/cgi-bin/webhook/send":
            return 404, {"errcode": 404, "errmsg": "not found"}
        if request.query.get("key") not in self.keys:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        return self._accept(request)
