"""Load generators for bench/portal.py: wrk with a Lua script, or an asyncio keep-alive client.

Both load a list of paths round-robin over keep-alive connections for a number of seconds
and return (requests, seconds, p50 ms, p99 ms, non-2xx, socket errors, page cache hits), the
hits being the answers that said `X-Page-Cache: hit`.
"""

import asyncio
import re
import subprocess
import time
from pathlib import Path

HOST = "127.0.0.1"  # loads go to loopback only
HEADERS = {"Accept-Encoding": "gzip", "Accept-Language": "zh-CN,zh;q=0.9",
           "User-Agent": "Mozilla/5.0 (Linux; Android 13) liftwatch-bench"}

WRK_SCRIPT = """
-- index, non2xx and hits are globals: wrk's thread:set and thread:get reach only globals.
local paths = {%(paths)s}
index = 0
non2xx = 0
hits = 0
local threads = {}

function setup(thread)
  thread:set("index", #threads * 7919)
  table.insert(threads, thread)
end

function request()
  index = index %% #paths + 1
  return wrk.format("GET", paths[index])
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
  if (headers["x-page-cache"] or headers["X-Page-Cache"]) == "hit" then hits = hits + 1 end
end

function done(summary, latency, requests)
  local bad, hit = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
    hit = hit + thread:get("hits")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%%d duration_us=%%d p50_us=%%d p99_us=%%d non2xx=%%d socket_errors=%%d hits=%%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), bad,
    e.connect + e.read + e.write + e.timeout, hit))
end
"""
_WRK_LINE = re.compile(r"^BENCH (.*)$", re.M)


def run_wrk(base, paths, seconds, connections, threads, workdir):
    """Load paths round-robin with wrk; return (requests, seconds, p50 ms, p99 ms, non-2xx, socket errors, hits)."""
    script = Path(workdir) / "paths.lua"
    script.write_text(WRK_SCRIPT % {"paths": ", ".join(f'"{p}"' for p in paths)})
    cmd = ["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
           "--timeout", "5s", "-s", str(script)]
    for name, value in HEADERS.items():
        cmd += ["-H", f"{name}: {value}"]
    done = subprocess.run(cmd + [base + "/"], capture_output=True, text=True, timeout=seconds + 60)
    match = _WRK_LINE.search(done.stdout)
    if done.returncode != 0 or not match:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    got = dict(part.split("=") for part in match.group(1).split())
    return (int(got["requests"]), int(got["duration_us"]) / 1e6, int(got["p50_us"]) / 1e3,
            int(got["p99_us"]) / 1e3, int(got["non2xx"]), int(got["socket_errors"]), int(got["hits"]))


def run_asyncio(base, paths, seconds, connections, threads, workdir):
    """Load paths round-robin with keep-alive asyncio connections (when wrk is missing)."""
    return asyncio.run(_asyncio_load(base, paths, seconds, connections))


async def _asyncio_load(base, paths, seconds, connections):
    port = int(base.rsplit(":", 1)[1])
    head = "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())
    requests = [f"GET {p} HTTP/1.1\r\nHost: {HOST}:{port}\r\n{head}\r\n".encode() for p in paths]
    latencies, failures = [], {"non2xx": 0, "socket": 0, "hits": 0}
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(_connection(port, requests, n * 7919, deadline, latencies, failures)
                           for n in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1e3 if latencies else 0.0
    return len(latencies), elapsed, pick(0.50), pick(0.99), failures["non2xx"], failures["socket"], failures["hits"]


async def _connection(port, requests, start, deadline, latencies, failures):
    """Send requests one after another on one keep-alive connection until the deadline."""
    index = start
    reader = writer = None
    while time.perf_counter() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            began = time.perf_counter()
            writer.write(requests[index % len(requests)])
            status, hit = await asyncio.wait_for(_read_response(reader), 5)
            latencies.append(time.perf_counter() - began)
            failures["non2xx"] += not 200 <= status < 300
            failures["hits"] += hit
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
            failures["socket"] += 1
            writer = None
        index += 1
    if writer is not None:
        writer.close()


async def _read_response(reader):
    """Read one HTTP/1.1 response; return its status and whether it came from the page cache."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:] if line)}
    if fields.get("transfer-encoding", "").lower() == "chunked":
        while size := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        await reader.readline()
    else:
        await reader.readexactly(int(fields.get("content-length", "0")))
    return status, fields.get("x-page-cache") == "hit"
