"""The Telegram channel: a message to a chat through the Bot API, with python-telegram-bot's Bot."""

import datetime
import html
import urllib.parse
import urllib.request
import warnings

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from core.notify.bot_http import StreamRequest
from core.notify.message import Slots, TransportError

MAX_LENGTH = 4096  # the Bot API's limit for one message's text

# Kept-alive connections to the Bot API, and as many messages in flight at most. Measured
# with httpx (before core/notify/bot_http.py): httpcore looked over every queued request and
# connection each time a request started or ended, so 200 messages at once on 16 connections
# cost 3.0-3.4 ms of CPU each; waiting here first, 1.9 ms on 16, 1.2-1.5 ms on 8, 1.0 ms on 4
# (bench/notify.py). Eight at about 100 ms a round trip still exceed the 30 messages a second
# Telegram lets a bot send, so more connections would only buy 429 answers.
POOL_SIZE = 8


class TelegramTransport:
    """Send messages to Telegram chats through one Bot, opened at start-up."""

    channel = "telegram"

    def __init__(self, settings):
        self.settings = settings
        self.request = None
        self.bot = None
        self.slots = None

    @property
    def configured(self):
        """Tell whether a bot token is set."""
        return bool(self.settings.telegram_token)

    async def open(self):
        """Prepare the HTTP client; nothing is sent until the first message (no getMe)."""
        if not self.configured:
            return
        timeout = self.settings.telegram_timeout
        self.slots = Slots("Telegram", POOL_SIZE, timeout)
        self.request = _request(self.settings.telegram_api_url, timeout)
        await self.request.initialize()
        self.bot = Bot(self.settings.telegram_token, base_url=f"{self.settings.telegram_api_url}/bot",
                       base_file_url=f"{self.settings.telegram_api_url}/file/bot",
                       request=self.request, get_updates_request=self.request)

    async def close(self):
        """Close the HTTP client."""
        if self.request is not None:
            await self.request.shutdown()
            self.request = self.bot = None

    async def check(self):
        """Return the bot's username, asking the Bot API (getMe)."""
        try:
            return (await self.bot.get_me()).username
        except TelegramError as exc:
            raise classify(exc) from exc

    async def send(self, recipient, message):
        """Send one message to one chat, raising TransportError when it is not accepted."""
        try:
            async with self.slots:
                await self.bot.send_message(chat_id=_chat_id(recipient.address), text=render_html(message),
                                            parse_mode=ParseMode.HTML, disable_web_page_preview=True,
                                            reply_markup=_keyboard(message))
        except TelegramError as exc:
            raise classify(exc) from exc


def _request(api_url, timeout):
    """Return the HTTP client for the Bot API: the lean one, or httpx when a proxy is set for it.

    The lean client (core/notify/bot_http.py) connects directly; where the Bot API is reached
    through a proxy (HTTPS_PROXY and the like, common where Telegram is blocked), httpx,
    which honours those variables, carries the messages instead.
    """
    if _proxied(api_url):
        return HTTPXRequest(connection_pool_size=POOL_SIZE, read_timeout=timeout, write_timeout=timeout,
                            connect_timeout=timeout, pool_timeout=timeout)
    return StreamRequest(timeout, keep=POOL_SIZE)


def _proxied(url):
    """Tell whether the environment names a proxy for this URL (not bypassed by NO_PROXY)."""
    parts = urllib.parse.urlsplit(url)
    proxies = urllib.request.getproxies()
    if not (proxies.get(parts.scheme) or proxies.get("all")):
        return False
    return not urllib.request.proxy_bypass(parts.netloc)


def _keyboard(message):
    """Return the message's one-tap buttons as an inline keyboard, one per row, or None."""
    if not message.buttons:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(b.label, callback_data=b.data)] for b in message.buttons])


def _chat_id(address):
    """Return a numeric chat id as an int, a @channel name as it is."""
    return int(address) if address.lstrip("-").isdigit() else address


def classify(exc):
    """Map a python-telegram-bot error to a TransportError that says whether to retry."""
    if isinstance(exc, RetryAfter):
        return TransportError(f"Telegram: {exc}", retry_after=_seconds(exc))
    if isinstance(exc, Forbidden):  # the bot was blocked, kicked, or may not write first
        return TransportError(f"Telegram: {exc}", permanent=True)
    if isinstance(exc, ChatMigrated):  # a group became a supergroup: the contact must be updated
        return TransportError(f"Telegram: chat moved to {exc.new_chat_id}", permanent=True)
    if isinstance(exc, BadRequest):  # chat not found, or a message Telegram will never take
        return TransportError(f"Telegram: {exc}", permanent=True)
    if isinstance(exc, NetworkError):
        return TransportError(f"Telegram: {exc}")
    # InvalidToken and the rest are our configuration, not the recipient's: retry after a fix.
    return TransportError(f"Telegram: {type(exc).__name__}: {exc}")


def _seconds(exc):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns that retry_after will become a timedelta
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, datetime.timedelta) else float(value)


def render_html(message):
    """Return the message in Telegram's HTML parse mode, every text escaped."""
    head = f"<b>{html.escape(message.subject, quote=False)}</b>"
    links = [f'<a href="{html.escape(k.url)}">{html.escape(k.label, quote=False)}</a>' for k in message.links]
    room = MAX_LENGTH - len(head) - sum(len(k) + 2 for k in links) - 4
    return "\n\n".join([head, escape_within(message.text, room), *links])


def escape_within(text, room):
    """Escape text for HTML, cutting the text (never a tag or an entity) to fit in room."""
    body = html.escape(text, quote=False)
    while len(body) > room and text:
        text = text[:len(text) * 9 // 10]
        body = html.escape(text, quote=False) + "…"
    return body
