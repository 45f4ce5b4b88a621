"""A small HTTP/1.1 server on loopback that stands in for a service at the far edge of the network.

It runs one event loop in a thread of its own and reads requests with a few lines of
parsing, keeping connections alive as real API servers do. http.server's threaded server,
a thread per connection and the email package parsing every request's headers, cost the
bench's far ends about twice the CPU, and its listen backlog of 5 reset connections when
a client opened sixteen at once.
"""

import asyncio
import email.parser
import email.policy
import http
import json
import threading
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import uvloop

BACKLOG = 256
REASONS = {status.value: status.phrase for status in http.HTTPStatus}


@dataclass
class Recorded:
    """One request the stand-in received."""

    method: str
    path: str
    query: dict
    body: dict
    headers: dict = field(default_factory=dict)  # names in lower case
    peer: tuple = ()  # the client's address and port: which connection the request came on
    accepted: bool = False  # set by the stand-in when it took the request as a success


class StandinServer:
    """Serve on 127.0.0.1 from a thread, record every request, answer through respond()."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        self.port = None
        self.loop = None
        self.thread = None
        self.slow = None  # threads for the answers that may wait (blocking() says which)
        self.connections = set()

    @property
    def url(self):
        """Return the base URL the stand-in answers on."""
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        """Start serving on a free loopback port."""
        self.slow = ThreadPoolExecutor(max_workers=16, thread_name_prefix="standin")
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait(10)
        return self

    def stop(self):
        """Stop serving, drop open connections and free the port."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.slow.shutdown(wait=False, cancel_futures=True)

    def _run(self, ready):
        """Listen, then serve until stop(); the caller may itself be running an event loop."""
        self.loop = uvloop.new_event_loop()  # as the portal runs on, and lighter than asyncio's own
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(
            self._serve, "127.0.0.1", 0, backlog=BACKLOG, limit=1 << 20))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        try:
            self.loop.run_forever()
        finally:
            server.close()
            for writer in list(self.connections):
                writer.close()
            self.loop.run_until_complete(_finish(asyncio.all_tasks(self.loop)))
            self.loop.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def record(self, request):
        """Keep a request for the test to look at."""
        with self.lock:
            self.requests.append(request)

    def respond(self, request):
        """Return (status, JSON-able answer or bytes) for a request; subclasses decide."""
        raise NotImplementedError

    def blocking(self, request):
        """Tell whether respond() may wait for a while (a long poll): it then runs in a thread."""
        return False

    async def _serve(self, reader, writer):
        """Answer the requests of one connection, in order, until the client closes it."""
        self.connections.add(writer)
        peer = writer.get_extra_info("peername")
        try:
            while (request := await read_request(reader)) is not None:
                request.peer = peer
                self.record(request)
                if self.blocking(request):
                    answer = await asyncio.get_running_loop().run_in_executor(self.slow, self.respond, request)
                else:
                    answer = self.respond(request)
                writer.write(response(*answer))
                if request.headers.get("connection", "").lower() == "close":
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass  # the client went away, or sent what no client of ours sends: drop the connection
        except asyncio.CancelledError:
            pass  # stopping; ending quietly, since asyncio's streams log a connection task cancelled
        finally:
            self.connections.discard(writer)
            writer.close()


async def _finish(tasks):
    """End every connection's task (a long poll's thread finishes on its own, unheard)."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def read_request(reader):
    """Return the next request on a connection, or None when the client closed it."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise
        return None
    line, *lines = head[:-4].decode("latin-1").split("\r\n")
    method, target, _ = line.split(" ", 2)
    headers = {}
    for text in lines:
        name, _, value = text.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        raw = await read_chunked(reader)
    else:
        raw = await reader.readexactly(int(headers.get("content-length") or 0))
    path, _, query = target.partition("?")
    return Recorded(method, path, {k: v[-1] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()},
                    parse_body(headers.get("content-type", ""), raw), headers)


async def read_chunked(reader):
    """Return a chunked body, put together."""
    parts = []
    while size := int((await reader.readuntil(b"\r\n")).split(b";", 1)[0], 16):
        parts.append(await reader.readexactly(size))
        await reader.readexactly(2)
    while await reader.readuntil(b"\r\n") != b"\r\n":
        pass  # trailers
    return b"".join(parts)


def response(status, answer):
    """Return the bytes of a response: JSON, or bytes as they are (a file download)."""
    kind = "application/octet-stream" if isinstance(answer, bytes) else "application/json"
    data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
    return (f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}\r\nContent-Type: {kind}\r\n"
            f"Content-Length: {len(data)}\r\n\r\n").encode() + data


def parse_body(content_type, raw):
    """Decode a JSON, URL-encoded or multipart body into a dict (file parts as bytes)."""
    if not raw:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(raw)
    if content_type.startswith("multipart/form-data"):
        parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw)
        return {part.get_param("name", header="content-disposition"): _part_value(part)
                for part in parsed.iter_parts()}
    return {k: v[-1] for k, v in urllib.parse.parse_qs(raw.decode(), keep_blank_values=True).items()}


def _part_value(part):
    payload = part.get_payload(decode=True)
    return payload if part.get_filename() else payload.decode()
