"""The passengers of bench/reports.py, in a process of their own.

    python bench/crowd.py BASE_URL CODE COUNT

Each passenger opens the fault form (taking the browser cookie and the signed token it
carries), then all wait for a line on standard input and post their report at once, each
on a new connection as a phone would after a pause. A small HTTP/1.1 client on asyncio
streams stands in for the browsers: httpx cost the shared two cores about three times as
much CPU. Prints one JSON line: ready, then, after the posts, the times.
"""

import asyncio
import json
import re
import sys
import time
from urllib.parse import urlencode, urlsplit

TOKEN = re.compile(rb'name="csrf" value="([^"]+)"')
COOKIE = re.compile(rb"^set-cookie: *bid=([^;]+)", re.I | re.M)


async def request(host, port, raw):
    """Send one request on a new connection; return (status, headers, body)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(raw)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = re.search(rb"^content-length: *(\d+)", head, re.I | re.M)
        body = await reader.readexactly(int(length.group(1))) if length else b""
        return status, head, body
    finally:
        writer.close()


def get(host, port, path):
    """Return the bytes of a GET."""
    return f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode()


def post(host, port, path, cookie, fields):
    """Return the bytes of a form POST with the browser cookie."""
    body = urlencode(fields).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\nCookie: bid={cookie}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body


async def passenger(host, port, code, n, start, opened, results):
    """Open the form, wait for the start, post report n; note when it was sent and answered."""
    status, head, page = await request(host, port, get(host, port, f"/e/{code}/fault"))
    cookie, token = COOKIE.search(head).group(1).decode(), TOKEN.search(page).group(1).decode()
    opened.append(n)
    await start.wait()
    began = time.monotonic()
    fields = {"csrf": token, "category": "doors", "description": f"门关不上 bench-{n}", "new": "1"}
    try:
        status, _, _ = await request(host, port, post(host, port, f"/e/{code}/fault", cookie, fields))
    except OSError as exc:
        status = type(exc).__name__
    results[n] = (began, time.monotonic(), status)


async def wait_for_go(crowd, opened, count):
    """Wait until count passengers have opened their form (raising the first failure), say ready, read the go line."""
    while len(opened) < count:
        failed = next((t for t in crowd if t.done() and t.exception()), None)
        if failed is not None:
            raise failed.exception()
        await asyncio.sleep(0.05)
    print(json.dumps({"ready": True}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def main(base, code, count):
    """Open every form, report ready, wait for the go line, post all; print the times."""
    url = urlsplit(base)
    start, opened, results = asyncio.Event(), [], {}
    crowd = [asyncio.create_task(passenger(url.hostname, url.port, code, n, start, opened, results))
             for n in range(count)]
    await wait_for_go(crowd, opened, count)
    start.set()
    await asyncio.gather(*crowd)
    print(json.dumps({"results": results}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
