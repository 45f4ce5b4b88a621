"""Each channel against a real server or a stand-in that answers as the real one does."""

import asyncio
import dataclasses
import io

import pytest
from aiosmtpd.controller import Controller

from core.notify import Link, Message, Notifier, Recipient, TransportError
from core.notify import mail, telegram as telegram_channel
from core.notify.console import ConsoleTransport
from tests.core.notify.conftest import DINGTALK_SECRET, DINGTALK_TOKEN, WECOM_KEY
from tests.standins.smtp import SMTPStandin, free_port

HOSTILE = "门不关 <script>alert(1)</script> *bold* [x](http://evil.example) & _u_"
MESSAGE = Message(subject="故障报修：鲤城区中山中路1号 1号梯", text=f"乘客报告：\n{HOSTILE}", lang="zh_Hans",
                  kind="fault", links=(Link("确认收到", "https://lift.example.cn/r/abc?x=1&y=2"),))


async def test_it_sends_a_multipart_email_with_a_chinese_subject(notifier, smtp):
    await notifier.send(Recipient("email", "duty@firm.example.cn"), MESSAGE)
    (sender, recipients, mail), = smtp.received
    assert sender == "noreply@lift.example.cn" and recipients == ["duty@firm.example.cn"]
    assert mail["Subject"] == MESSAGE.subject
    assert "=?utf-8?" in mail.as_string().split("Subject:")[1].splitlines()[0]  # encoded words on the wire
    assert mail["Reply-To"] == "help@lift.example.cn" and "鲤城电梯" in mail["From"]
    assert mail.get_content_type() == "multipart/alternative"
    plain = mail.get_body(("plain",)).get_content()
    page = mail.get_body(("html",)).get_content()
    assert HOSTILE in plain and "https://lift.example.cn/r/abc?x=1&y=2" in plain
    assert "<script>" not in page and "&lt;script&gt;" in page and "x=1&amp;y=2" in page


async def test_it_calls_a_refused_address_permanent_and_a_busy_one_temporary(notifier, smtp):
    smtp.refuse["gone@firm.example.cn"] = "550 5.1.1 <gone@firm.example.cn>: user unknown"
    smtp.refuse["full@firm.example.cn"] = "452 4.2.2 mailbox full"
    with pytest.raises(TransportError) as gone:
        await notifier.send(Recipient("email", "gone@firm.example.cn"), MESSAGE)
    with pytest.raises(TransportError) as full:
        await notifier.send(Recipient("email", "full@firm.example.cn"), MESSAGE)
    assert gone.value.permanent and "550" in gone.value.message
    assert not full.value.permanent and "452" in full.value.message
    assert smtp.received == []


async def test_it_calls_smtp_down_temporary(notify_settings):
    settings = dataclasses.replace(notify_settings, smtp_port=free_port())
    async with await Notifier.open(settings) as notifier:
        with pytest.raises(TransportError) as down:
            await notifier.send(Recipient("email", "duty@firm.example.cn"), MESSAGE)
    assert not down.value.permanent


async def test_it_sends_telegram_html_with_user_text_escaped(notifier, telegram):
    await notifier.send(Recipient("telegram", "4242"), MESSAGE)
    sent, = telegram.sent
    assert sent["chat_id"] == "4242" and sent["parse_mode"] == "HTML"
    assert sent["text"].startswith(f"<b>{MESSAGE.subject}</b>")
    assert "&lt;script&gt;" in sent["text"] and "<script>" not in sent["text"]
    assert '<a href="https://lift.example.cn/r/abc?x=1&amp;y=2">确认收到</a>' in sent["text"]
    assert await notifier.transports["telegram"].check() == telegram.username


async def test_it_calls_a_blocked_bot_or_missing_chat_permanent(notifier, telegram):
    telegram.block(4242)
    telegram.forget(777)
    for chat in ("4242", "777"):
        with pytest.raises(TransportError) as refused:
            await notifier.send(Recipient("telegram", chat), MESSAGE)
        assert refused.value.permanent
    assert telegram.sent == []


async def test_it_calls_flood_control_and_a_down_bot_api_temporary(notifier, telegram):
    telegram.fail_next(429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(TransportError) as flood:
        await notifier.send(Recipient("telegram", "4242"), MESSAGE)
    assert not flood.value.permanent and flood.value.retry_after == 7
    telegram.fail_next(502, "Bad Gateway")
    with pytest.raises(TransportError) as down:
        await notifier.send(Recipient("telegram", "4242"), MESSAGE)
    assert not down.value.permanent and down.value.retry_after is None
    await notifier.send(Recipient("telegram", "4242"), MESSAGE)
    assert len(telegram.sent) == 1


async def test_it_signs_dingtalk_messages_the_robot_accepts(notifier, dingtalk):
    await notifier.send(Recipient("dingtalk", f"{DINGTALK_TOKEN}:{DINGTALK_SECRET}"), MESSAGE)
    await notifier.send(Recipient("dingtalk", "unsigned"), MESSAGE)
    signed, unsigned = dingtalk.messages
    assert signed["msgtype"] == "markdown" and signed["markdown"]["title"] == MESSAGE.subject
    text = signed["markdown"]["text"]
    assert "\\<script\\>" in text and "\\*bold\\*" in text and "\\[x\\]\\(http://evil.example\\)" in text
    assert "[确认收到](https://lift.example.cn/r/abc?x=1&y=2)" in text
    assert "sign" in dingtalk.requests[0].query and "sign" not in dingtalk.requests[1].query


async def test_it_calls_a_bad_dingtalk_signature_or_token_permanent_and_rate_limits_temporary(notifier, dingtalk):
    cases = [(f"{DINGTALK_TOKEN}:SECwrong", True, 310000), ("revoked", True, 300001)]
    for address, permanent, code in cases:
        with pytest.raises(TransportError) as failed:
            await notifier.send(Recipient("dingtalk", address), MESSAGE)
        assert failed.value.permanent is permanent and str(code) in failed.value.message
    dingtalk.fail_next(130101, "send too fast, exceed 20 times per minute")
    with pytest.raises(TransportError) as limited:
        await notifier.send(Recipient("dingtalk", f"{DINGTALK_TOKEN}:{DINGTALK_SECRET}"), MESSAGE)
    assert not limited.value.permanent
    assert dingtalk.messages == []


async def test_it_sends_wecom_markdown_by_key(notifier, wecom):
    await notifier.send(Recipient("wecom", WECOM_KEY), MESSAGE)
    sent, = wecom.messages
    assert sent["msgtype"] == "markdown" and sent["markdown"]["content"].startswith("### 故障报修")
    assert "\\<script\\>" in sent["markdown"]["content"]
    with pytest.raises(TransportError) as bad_key:
        await notifier.send(Recipient("wecom", "not-a-key"), MESSAGE)
    assert bad_key.value.permanent and "93000" in bad_key.value.message
    wecom.fail_next(45009, "api freq out of limit")
    with pytest.raises(TransportError) as limited:
        await notifier.send(Recipient("wecom", WECOM_KEY), MESSAGE)
    assert not limited.value.permanent


async def test_it_calls_a_robot_that_does_not_answer_temporary(notify_settings):
    settings = dataclasses.replace(notify_settings, wecom_api_url=f"http://127.0.0.1:{free_port()}")
    async with await Notifier.open(settings) as notifier:
        with pytest.raises(TransportError) as down:
            await notifier.send(Recipient("wecom", WECOM_KEY), MESSAGE)
    assert not down.value.permanent


async def test_it_prints_everything_to_the_console_when_told(notify_settings, smtp, telegram):
    settings = dataclasses.replace(notify_settings, console=True)
    async with await Notifier.open(settings) as notifier:
        out = io.StringIO()
        notifier.console.stream = out
        await notifier.send(Recipient("email", "duty@firm.example.cn"), MESSAGE)
        await notifier.send(Recipient("telegram", "4242"), MESSAGE)
    assert smtp.received == [] and telegram.sent == []
    assert out.getvalue().count(MESSAGE.subject) == 2 and "duty@firm.example.cn" in out.getvalue()


async def test_it_keeps_messages_for_an_unconfigured_channel_waiting(notify_settings):
    settings = dataclasses.replace(notify_settings, smtp_host="", telegram_token="")
    async with await Notifier.open(settings) as notifier:
        for recipient in (Recipient("email", "a@b.example"), Recipient("telegram", "1")):
            with pytest.raises(TransportError) as unset:
                await notifier.send(recipient, MESSAGE)
            assert not unset.value.permanent and "LIFTWATCH_" in unset.value.message
        out = io.StringIO()
        await ConsoleTransport(stream=out).send(Recipient("console", "dev"), MESSAGE)
        assert HOSTILE in out.getvalue()


def test_it_imports_no_web_framework_and_connects_to_nothing_at_import():
    import subprocess
    import sys
    code = ("import socket, sys\n"
            "socket.socket.connect = lambda *a: sys.exit('connected at import')\n"
            "import core.notify, core.notify.deliveries, core.notify.contacts\n"
            "print(sorted(m for m in sys.modules if m.startswith(('quart', 'telegram.ext'))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr



async def test_it_keeps_long_or_multiline_messages_within_each_channel_limit(notifier, smtp, telegram, wecom):
    from core.notify.robots import render_markdown
    from core.notify.telegram import MAX_LENGTH, render_html
    long = Message(subject="第一行\r\n第二行", text="<&>" * 3000, links=MESSAGE.links)
    await notifier.send(Recipient("email", "duty@firm.example.cn"), long)
    await notifier.send(Recipient("telegram", "4242"), long)
    await notifier.send(Recipient("wecom", WECOM_KEY), long)
    assert smtp.received[0][2]["Subject"] == "第一行 第二行"
    text = telegram.sent[0]["text"]
    assert len(text) <= MAX_LENGTH and text.endswith("确认收到</a>") and "&lt;&amp;&gt;…" in text
    assert len(render_html(long)) == len(text)
    assert len(render_markdown(long, 4096).encode()) <= 4096 and len(wecom.messages) == 1


class PeerNotingSMTP(SMTPStandin):
    """The SMTP stand-in, noting which connection each message came on."""

    def __init__(self, port=None):
        super().__init__()
        self.peers = []
        if port is not None:
            self.controller.loop.close()  # the one made for the free port is never started
            self.port = port
            self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope):
        self.peers.append(session.peer)
        return await super().handle_DATA(server, session, envelope)


async def test_it_reuses_one_smtp_connection_and_reconnects_when_the_server_dropped_it(notify_settings):
    first = PeerNotingSMTP().__enter__()
    settings = dataclasses.replace(notify_settings, smtp_port=first.port)
    async with await Notifier.open(settings) as notifier:
        for n in range(3):
            await notifier.send(Recipient("email", f"duty{n}@firm.example.cn"), MESSAGE)
        first.__exit__(None, None, None)  # the server goes away, and with it the kept connection
        with PeerNotingSMTP(first.port) as second:
            await notifier.send(Recipient("email", "duty3@firm.example.cn"), MESSAGE)
    assert [rcpt for _, rcpt, _ in first.received] == [[f"duty{n}@firm.example.cn"] for n in range(3)]
    assert len(set(first.peers)) == 1 and [rcpt for _, rcpt, _ in second.received] == [["duty3@firm.example.cn"]]


async def test_it_sends_a_burst_of_emails_over_no_more_than_the_kept_connections(notify_settings):
    with PeerNotingSMTP() as smtp:
        settings = dataclasses.replace(notify_settings, smtp_port=smtp.port)
        async with await Notifier.open(settings) as notifier:
            await asyncio.gather(*(notifier.send(Recipient("email", f"duty{n}@firm.example.cn"), MESSAGE)
                                   for n in range(3 * mail.POOL_SIZE)))
    assert len(smtp.received) == 3 * mail.POOL_SIZE and len(set(smtp.peers)) <= mail.POOL_SIZE


async def test_it_sends_a_burst_of_telegram_messages_over_no_more_than_its_pool(notifier, telegram):
    size = telegram_channel.POOL_SIZE
    await asyncio.gather(*(notifier.send(Recipient("telegram", str(1000 + n)), MESSAGE) for n in range(5 * size)))
    assert len(telegram.sent) == 5 * size and len({r.peer for r in telegram.requests}) <= size


async def test_it_encodes_a_long_subject_in_words_that_keep_lines_short(notifier, smtp, notify_settings):
    subject = "维保逾期：" + "鲤城区中山中路" * 12 + " elevator 😀 1号梯"
    await notifier.send(Recipient("email", "duty@firm.example.cn"), dataclasses.replace(MESSAGE, subject=subject))
    assert smtp.received[0][2]["Subject"] == subject
    raw = mail.build_email(notify_settings, "duty@firm.example.cn", dataclasses.replace(MESSAGE, subject=subject))
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78 and raw.count(b"=?utf-8?b?") > 5


async def test_it_fails_a_send_that_waits_too_long_for_a_slot_temporarily():
    from core.notify.message import Slots
    slots = Slots("Telegram", 1, 0.05)
    async with slots:
        with pytest.raises(TransportError) as waited:
            async with slots:
                pass
    assert not waited.value.permanent and "busy" in waited.value.message
    async with slots:  # the slot held before is free again, and the failed wait took none
        assert slots.semaphore.locked()
