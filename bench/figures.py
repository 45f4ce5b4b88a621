"""The figures bench/portal.py prints beyond its load table, and the side-by-side of district sizes."""

TARGET_CPU_MS = 2.0
TARGET_FIRM_MS = 100.0
TARGET_HIT_RATE = 0.95
TARGET_WRITE_MS = 50.0


def cpu_ms_per_page(result):
    """Return the portal's CPU milliseconds per request of a load Result."""
    return 1000 * sum(result.cpu["portal"]) / result.requests if result.requests else 0.0


def page_cpu_less_idle(result, extras):
    """Return the CPU milliseconds per page once the portal's idle CPU rate over the run is taken off."""
    idle_ms = sum(extras["idle_cpu"]) / 2 * result.seconds
    return (1000 * sum(result.cpu["portal"]) - idle_ms) / result.requests if result.requests else 0.0


def _rss(extras):
    return ", ".join(f"{kind} {' + '.join(f'{mb:.0f}' for mb in sorted(mbs, reverse=True))} MB"
                     for kind, mbs in sorted(extras["rss_mb"].items()))


def print_extras(elevator, extras):
    """Print CPU per elevator page, the largest firm's page time, RSS and the build time."""
    print(f"portal CPU per elevator page: {cpu_ms_per_page(elevator):.2f} ms (target <= {TARGET_CPU_MS} ms uncached)")
    before, after = extras["idle_cpu"]
    print(f"portal CPU with no request (its job worker) {before:.0f} ms/s before the load, {after:.0f} ms/s after; "
          f"per elevator page less their mean: {page_cpu_less_idle(elevator, extras):.2f} ms")
    for page, (median, slowest) in ((1, extras["firm_ms"]), (extras["firm_last_page"], extras["firm_last_ms"])):
        print(f"firm page /firms/{extras['firm']}?page={page} ({extras['firm_elevators']} elevators, 50 a page): "
              f"median {median:.1f} ms, slowest {slowest:.1f} ms of 20 in a row (target <= {TARGET_FIRM_MS:.0f} ms)")
    write = extras["write"]
    print(f"one maintenance record saved (core.district.add_maintenance_records) to its new page served, "
          f"median of {write['samples']}: saved {write['saved']:.1f} ms, page rebuilt by a worker "
          f"{write['stored']:.1f} ms, new page served {write['served']:.1f} ms (slowest {write['served_max']:.1f} ms; "
          f"target <= {TARGET_WRITE_MS:.0f} ms)")
    print(f"resident memory: {_rss(extras)}")
    if extras["build_s"] is not None:
        print(f"district built in {extras['build_s']:.0f} s")


def print_cached(cached):
    """Print the page cache's hit rate and latencies with 10,000 (or all) codes rotating."""
    r = cached["result"]
    print(f"page cache on (LIFTWATCH_PAGE_CACHE_SECONDS={cached['cache_seconds']}): after a {cached['warm_s']} s "
          f"warm-up ({cached['warm_requests']} requests) over every code, {r.requests} requests in {r.seconds:.0f} s: "
          f"hit rate {100 * cached['hit_rate']:.1f} % (target >= {100 * TARGET_HIT_RATE:.0f} %), "
          f"p50 {r.p50_ms:.1f} ms, p99 {r.p99_ms:.1f} ms, {r.errors} errors; resident memory: {_rss(cached)}")


ROWS = (
    ("elevators", lambda e, s, x: f"{x['elevators']}"),
    ("uncached req/s", lambda e, s, x: f"{e.rate:.0f}"),
    ("uncached p50 ms", lambda e, s, x: f"{e.p50_ms:.1f}"),
    ("uncached p99 ms", lambda e, s, x: f"{e.p99_ms:.1f}"),
    ("portal CPU ms/page", lambda e, s, x: f"{cpu_ms_per_page(e):.2f}"),
    ("  less idle CPU", lambda e, s, x: f"{page_cpu_less_idle(e, x):.2f}"),
    ("static req/s", lambda e, s, x: f"{s.rate:.0f}"),
    ("largest firm", lambda e, s, x: f"{x['firm']} ({x['firm_elevators']})"),
    ("firm page 1 median ms", lambda e, s, x: f"{x['firm_ms'][0]:.1f}"),
    ("firm page 1 slowest ms", lambda e, s, x: f"{x['firm_ms'][1]:.1f}"),
    ("firm last page", lambda e, s, x: f"{x['firm_last_page']}"),
    ("  median ms", lambda e, s, x: f"{x['firm_last_ms'][0]:.1f}"),
    ("  slowest ms", lambda e, s, x: f"{x['firm_last_ms'][1]:.1f}"),
    ("write to page med ms", lambda e, s, x: f"{x['write']['served']:.1f}"),
    ("  rebuilt median ms", lambda e, s, x: f"{x['write']['stored']:.1f}"),
    ("  slowest ms", lambda e, s, x: f"{x['write']['served_max']:.1f}"),
    ("cache hit rate %", lambda e, s, x: f"{100 * x['cached']['hit_rate']:.1f}"),
    ("cached p50 ms", lambda e, s, x: f"{x['cached']['result'].p50_ms:.1f}"),
    ("cached p99 ms", lambda e, s, x: f"{x['cached']['result'].p99_ms:.1f}"),
    ("build s", lambda e, s, x: "-" if x["build_s"] is None else f"{x['build_s']:.0f}"),
    ("RSS uncached", lambda e, s, x: _rss(x)),
    ("RSS cached", lambda e, s, x: _rss(x["cached"])),
)


def print_side_by_side(runs):
    """Print one column per (label, (elevator, static, extras)) run."""
    print("\n" + f"{'':<22}" + "".join(f"{label:>28}" for label, _ in runs))
    for name, cell in ROWS:
        print(f"{name:<22}" + "".join(f"{cell(*run):>28}" for _, run in runs))
