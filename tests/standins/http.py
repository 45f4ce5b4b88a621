"""A threaded HTTP server on loopback that stands in for a service at the far edge of the network."""

import email.parser
import email.policy
import json
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorded:
    """One request the stand-in received."""

    method: str
    path: str
    query: dict
    body: dict
    headers: dict = field(default_factory=dict)
    accepted: bool = False  # set by the stand-in when it took the request as a success


class StandinServer:
    """Serve on 127.0.0.1 from a thread, record every request, answer through respond()."""

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        self.httpd = None
        self.thread = None

    @property
    def url(self):
        """Return the base URL the stand-in answers on."""
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        """Start serving on a free loopback port."""
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        return self

    def stop(self):
        """Stop serving and free the port."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def record(self, request):
        """Keep a request for the test to look at."""
        with self.lock:
            self.requests.append(request)

    def respond(self, request):
        """Return (status, JSON-able answer) for a request; subclasses decide."""
        raise NotImplementedError


def _handler_for(standin):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            self._answer()

        def do_POST(self):
            self._answer()

        def _answer(self):
            url = urllib.parse.urlsplit(self.path)
            query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = parse_body(self.headers.get("Content-Type", ""), self.rfile.read(length))
            request = Recorded(self.command, url.path, query, body, dict(self.headers))
            standin.record(request)
            status, answer = standin.respond(request)
            data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if not isinstance(answer, bytes)
                             else "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a long poll cut short when the bot stops)

        def log_message(self, *args):
            pass  # keep the test output quiet

    return Handler


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
