"""The DingTalk and WeCom group robot channels: a markdown message POSTed to a webhook."""

import base64
import hashlib
import hmac
import json
import re
import time

import httpx

from core.notify.message import Slots, TransportError

# Group robots render a small markdown; anything a user typed must not become markup.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]()#>!<|~{}])")
_LINE_START = re.compile(r"^(\s*)([-+]|\d+\.)(\s)", re.MULTILINE)

# Kept-alive connections, and as many messages in flight at most, for the reason given in
# core/notify/telegram.py (httpcore's pool costs more CPU per request the more connections
# it holds). Each robot takes 20 messages a minute anyway.
POOL_SIZE = 8


def escape_markdown(text):
    """Escape text so that a robot's markdown shows it literally."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}{m.group(3)}", text)


def render_markdown(message, limit):
    """Return the message as robot markdown: a heading, the escaped text, the links."""
    head = f"### {escape_markdown(message.subject)}"
    links = [f"[{escape_markdown(k.label)}]({k.url.replace(')', '%29').replace(' ', '%20')})" for k in message.links]
    text = message.text
    body = _paragraphs(text)
    room = limit - len("\n\n".join([head, *links]).encode()) - 8
    while len(body.encode()) > room and text:
        text = text[:len(text) * 9 // 10]
        body = _paragraphs(text) + "…"
    return "\n\n".join([head, body, *links])


def _paragraphs(text):
    # Both robots join single newlines into one line unless the line ends with two spaces.
    return escape_markdown(text).replace("\n", "  \n")


class RobotTransport:
    """What both group robots share: one HTTP client, opened at start-up."""

    channel = ""

    def __init__(self, settings):
        self.settings = settings
        self.client = None
        self.slots = None

    @property
    def configured(self):
        """Robots need no server-wide setting: each contact carries its own webhook key."""
        return True

    async def open(self):
        """Open the HTTP client."""
        self.slots = Slots(self.channel, POOL_SIZE, self.settings.robot_timeout)
        self.client = httpx.AsyncClient(timeout=self.settings.robot_timeout, limits=httpx.Limits(
            max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE))

    async def close(self):
        """Close the HTTP client."""
        if self.client is not None:
            await self.client.aclose()
            self.client = None

    async def post(self, url, params, body):
        """POST a JSON body and return the robot's answer, raising TransportError when it failed."""
        try:
            async with self.slots:
                response = await self.client.post(url, params=params, json=body)
        except httpx.HTTPError as exc:
            raise TransportError(f"{self.channel}: {type(exc).__name__}: {exc}") from exc
        if response.status_code != 200:
            raise TransportError(f"{self.channel}: HTTP {response.status_code}")
        try:
            answer = response.json()
        except json.JSONDecodeError as exc:
            raise TransportError(f"{self.channel}: the answer is not JSON") from exc
        code = answer.get("errcode", -1)
        if code != 0:
            raise TransportError(f"{self.channel}: errcode {code}: {answer.get('errmsg', '')}",
                                 permanent=code in self.PERMANENT)
        return answer


def dingtalk_sign(secret, timestamp):
    """Return DingTalk's signature: base64 of HMAC-SHA256 over "timestamp\\nsecret", keyed by the secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class DingTalkTransport(RobotTransport):
    """Send to a DingTalk group robot; the address is ACCESS_TOKEN or ACCESS_TOKEN:SECRET."""

    channel = "dingtalk"
    LIMIT = 20000  # bytes of markdown DingTalk takes in one message
    # 310000: signature, keyword or IP check failed; 300001: access token invalid; 300005: token missing.
    # Rate limits (130101 "send too fast") and anything unknown are retried.
    PERMANENT = {310000, 300001, 300005, 400013}

    async def send(self, recipient, message):
        """Send one message to one DingTalk group."""
        token, _, secret = recipient.address.partition(":")
        params = {"access_token": token}
        if secret:
            timestamp = str(round(time.time() * 1000))
            # httpx URL-encodes the query, which is the encoding DingTalk asks for the sign.
            params.update(timestamp=timestamp, sign=dingtalk_sign(secret, timestamp))
        body = {"msgtype": "markdown",
                "markdown": {"title": message.subject, "text": render_markdown(message, self.LIMIT)}}
        await self.post(f"{self.settings.dingtalk_api_url}/robot/send", params, body)


class WeComTransport(RobotTransport):
    """Send to a WeCom (企业微信) group robot; the address is the webhook key."""

    channel = "wecom"
    LIMIT = 4096  # bytes of markdown content WeCom takes in one message
    # 93000: invalid webhook URL or key; 40008/40058: a message WeCom will never take.
    # Rate limits (45009) and anything unknown are retried.
    PERMANENT = {93000, 40008, 40058}

    async def send(self, recipient, message):
        """Send one message to one WeCom group."""
        body = {"msgtype": "markdown", "markdown": {"content": render_markdown(message, self.LIMIT)}}
        await self.post(f"{self.settings.wecom_api_url}/cgi-bin/webhook/send", {"key": recipient.address}, body)
