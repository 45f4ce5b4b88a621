"""CPU of sending one notification, per channel, on our side and on the far end's.

    .venv/bin/python bench/notify.py [--messages 200] [--rounds 3]

The far ends are the test stand-ins (tests/standins: the local Bot API server and aiosmtpd),
run in a process of their own, as in bench/rescue.py and bench/reports.py. This process opens
the notifier the portal uses and, for each channel, sends `--messages` messages at once (a
burst, as 200 rescue calls make), `--rounds` times after a warm-up burst. It prints the CPU
milliseconds per message of the sender and of the far ends, the best round of each (the
machine is shared, so the lowest figure is the least disturbed).
"""

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core.notify import Notifier, NotifySettings  # noqa: E402
from core.notify.message import Button, Link, Message, Recipient  # noqa: E402

MESSAGE = Message(
    subject="电梯困人：鲤城区中山路 12 号 1 号梯",
    text="有乘客被困在这部电梯里，请立即按应急预案处置。\n\n注册代码：31103505022015010001\n"
         "位置：鲤城区中山路 12 号 1 号梯\n被困人数：2\n回拨电话：13800000000",
    kind="rescue", links=(Link("查看求救", "https://lift.example.cn/rescue/abcdefghijklmnop"),
                          Link("确认收到", "https://lift.example.cn/a/abcdefghijklmnopqrstuvwxyz")),
    buttons=(Button("接单", "rescue:accept:0123456789abcdef01234567"),))


def far_ends():
    """Run the stand-ins; print where they listen, then their CPU seconds on every input line."""
    from tests.standins.smtp import SMTPStandin
    from tests.standins.telegram import TelegramStandin

    with SMTPStandin() as smtp, TelegramStandin() as telegram:
        print(json.dumps({"smtp_port": smtp.port, "telegram_url": telegram.url, "token": telegram.token}), flush=True)
        for line in sys.stdin:
            if line.strip() == "clear":
                smtp.received.clear()
                telegram.requests.clear()
            print(json.dumps({"cpu": time.process_time(), "mails": len(smtp.received),
                              "telegrams": len(telegram.sent)}), flush=True)


class FarEnds:
    """The stand-ins' process, asked for its CPU seconds over a pipe."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, __file__, "--far-ends"], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)
        self.where = json.loads(self.process.stdout.readline())

    def ask(self, line="cpu"):
        """Return the far ends' CPU seconds and counts so far."""
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def stop(self):
        self.process.stdin.close()
        self.process.wait(10)


async def burst(notifier, recipients):
    """Send the message to every recipient at once."""
    await asyncio.gather(*(notifier.send(r, MESSAGE) for r in recipients))


async def measure(notifier, ends, channel, count, rounds):
    """Return the best (sender, far end) CPU ms per message over rounds of one burst each."""
    recipients = [Recipient(channel, f"duty{n}@firm.example.cn" if channel == "email" else str(1000 + n))
                  for n in range(count)]
    await burst(notifier, recipients)  # warm-up: connections opened, code paths imported
    ends.ask("clear")
    best = []
    for _ in range(rounds):
        before, ours = ends.ask(), time.process_time()
        await burst(notifier, recipients)
        await asyncio.sleep(0.2)  # the far end's last replies are written
        ours, after = time.process_time() - ours, ends.ask()
        best.append((ours * 1000 / count, (after["cpu"] - before["cpu"]) * 1000 / count))
    return min(s for s, _ in best), min(f for _, f in best)


async def run(args):
    ends = FarEnds()
    try:
        where = ends.where
        settings = NotifySettings(smtp_host="127.0.0.1", smtp_port=where["smtp_port"], smtp_starttls=False,
                                  smtp_from="鲤城电梯 <noreply@lift.example.cn>", telegram_token=where["token"],
                                  telegram_api_url=where["telegram_url"])
        async with await Notifier.open(settings) as notifier:
            print(f"{'one message':<12}{'sender ms':>11}{'far end ms':>12}   (CPU, best of {args.rounds} bursts "
                  f"of {args.messages})")
            for channel in ("telegram", "email"):
                ours, theirs = await measure(notifier, ends, channel, args.messages, args.rounds)
                print(f"{channel:<12}{ours:>11.2f}{theirs:>12.2f}")
    finally:
        ends.stop()


def main():
    if sys.argv[1:] == ["--far-ends"]:
        return far_ends()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
