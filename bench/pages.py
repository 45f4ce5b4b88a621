"""Single fetches and facts of a served district, for bench/portal.py."""

import time
import urllib.request
from pathlib import Path

from load import HEADERS


def check_page(base, path):
    """Fetch one page as a phone would; return its size on the wire, or raise if it is wrong."""
    request = urllib.request.Request(base + path, headers=HEADERS)
    with urllib.request.urlopen(request, timeout=10) as reply:
        body = reply.read()
        encoding = reply.headers.get("Content-Encoding")
        language = reply.headers.get("Content-Language")
    if encoding != "gzip":
        raise RuntimeError(f"{path} came back without gzip (Content-Encoding: {encoding})")
    if language != "zh-Hans":
        raise RuntimeError(f"{path} came back in {language!r}, not zh-Hans")
    return len(body)


def firm_page_ms(base, firm_id, page=1, times=20):
    """Fetch one page of a firm's page `times` times in a row; return (median ms, slowest ms)."""
    spent = []
    for _ in range(times):
        began = time.perf_counter()
        check_page(base, f"/firms/{firm_id}?page={page}")
        spent.append((time.perf_counter() - began) * 1000)
    spent.sort()
    return spent[len(spent) // 2], spent[-1]


def largest_firm(portal):
    """Return (firm id, elevators) of the firm with the most elevators."""
    return max(portal.firm_sizes.items(), key=lambda item: item[1])


def rss_mb(portal):
    """Return the resident memory of the server's processes, in MB, by kind."""
    found = {}
    for pid, kind in portal.processes().items():
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        found.setdefault(kind, []).append(kb / 1024)
    return found
