"""Bursts of new connections, as when a crowd scans labels at once."""

import asyncio
import time


async def timed_get(port, path):
    """Open a connection and GET path; return (seconds to connect, status line)."""
    started = time.monotonic()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    connected = time.monotonic() - started
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 30)
    await reader.read()
    writer.close()
    await writer.wait_closed()
    return connected, status.decode().strip()


async def test_it_takes_200_new_connections_at_once_without_a_syn_retry(served):
    port, _ = served
    # A full listen queue drops the SYN and the client retries after one second.
    results = []
    for _ in range(3):
        results += await asyncio.gather(*(timed_get(port, "/static/app.css") for _ in range(200)))
    assert all(status.startswith("HTTP/1.1 200") for _, status in results)
    slowest = max(connected for connected, _ in results)
    assert slowest < 0.9, f"a connection waited {slowest:.2f} s to be accepted"
