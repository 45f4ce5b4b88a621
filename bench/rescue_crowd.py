"""The trapped passengers of bench/rescue.py, in a process of their own.

    python bench/rescue_crowd.py BASE_URL CODE...

Each passenger opens its elevator's rescue page (taking the browser cookie, the signed
token and the idempotency key it carries), then all wait for a line on standard input
and tap at once, each on a new connection, with the small HTTP/1.1 client of
bench/crowd.py. Kept apart from the far ends' stand-ins, so that the passengers' own
CPU does not delay the moment the stand-ins note a message. Prints one JSON line: ready,
then, after the taps, {code: [tapped, answered, status]} in time.monotonic() seconds
(one clock for every process of the machine) and the CPU seconds the taps took here.
"""

import asyncio
import json
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.crowd import COOKIE, get, post, request, wait_for_go  # noqa: E402

FIELDS = {name: re.compile(rf'name="{name}" value="([^"]+)"'.encode()) for name in ("csrf", "key")}


async def passenger(host, port, code, start, opened, results):
    """Open the rescue page, wait for the start, tap; note when it was sent and answered."""
    status, head, page = await request(host, port, get(host, port, f"/e/{code}/rescue"))
    cookie = COOKIE.search(head).group(1).decode()
    fields = {name: found.search(page).group(1).decode() for name, found in FIELDS.items()}
    opened.append(code)
    await start.wait()
    began = time.monotonic()
    try:
        status, _, _ = await request(host, port, post(host, port, f"/e/{code}/rescue", cookie, fields))
    except OSError as exc:
        status = type(exc).__name__
    results[code] = (began, time.monotonic(), status)


async def main(base, codes):
    """Open every page, report ready, wait for the go line, tap all; print the times."""
    url = urlsplit(base)
    start, opened, results = asyncio.Event(), [], {}
    crowd = [asyncio.create_task(passenger(url.hostname, url.port, code, start, opened, results)) for code in codes]
    await wait_for_go(crowd, opened, len(codes))
    cpu = time.process_time()
    start.set()
    await asyncio.gather(*crowd)
    print(json.dumps({"results": results, "cpu": time.process_time() - cpu}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2:]))
