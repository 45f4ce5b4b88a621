"""The figures bench/portal.py prints beyond its load table, and the side-by-side of district sizes."""

TARGET_CPU_MS = 2.0
TARGET_FIRM_MS = 100.0


def cpu_ms_per_page(result):
    """Return the portal's CPU milliseconds per request of a load Result."""
    return 1000 * sum(result.cpu["portal"]) / result.requests if result.requests else 0.0


def _rss(extras):
    return ", ".join(f"{kind} {' + '.join(f'{mb:.0f}' for mb in sorted(mbs, reverse=True))} MB"
                     for kind, mbs in sorted(extras["rss_mb"].items()))


def print_extras(elevator, extras):
    """Print CPU per elevator page, the largest firm's page time, RSS and the build time."""
    print(f"portal CPU per elevator page: {cpu_ms_per_page(elevator):.2f} ms (target <= {TARGET_CPU_MS} ms uncached)")
    median, slowest = extras["firm_ms"]
    print(f"firm page /firms/{extras['firm']} ({extras['firm_elevators']} elevators): median {median:.1f} ms, "
          f"slowest {slowest:.1f} ms of 20 in a row (target <= {TARGET_FIRM_MS:.0f} ms)")
    print(f"resident memory: {_rss(extras)}")
    if extras["build_s"] is not None:
        print(f"district built in {extras['build_s']:.0f} s")


ROWS = (
    ("elevators", lambda e, s, x: f"{x['elevators']}"),
    ("elevator req/s", lambda e, s, x: f"{e.rate:.0f}"),
    ("elevator p50 ms", lambda e, s, x: f"{e.p50_ms:.1f}"),
    ("elevator p99 ms", lambda e, s, x: f"{e.p99_ms:.1f}"),
    ("portal CPU ms/page", lambda e, s, x: f"{cpu_ms_per_page(e):.2f}"),
    ("static req/s", lambda e, s, x: f"{s.rate:.0f}"),
    ("largest firm", lambda e, s, x: f"{x['firm']} ({x['firm_elevators']})"),
    ("firm page median ms", lambda e, s, x: f"{x['firm_ms'][0]:.1f}"),
    ("firm page slowest ms", lambda e, s, x: f"{x['firm_ms'][1]:.1f}"),
    ("build s", lambda e, s, x: "-" if x["build_s"] is None else f"{x['build_s']:.0f}"),
    ("RSS", lambda e, s, x: _rss(x)),
)


def print_side_by_side(runs):
    """Print one column per (label, (elevator, static, extras)) run."""
    print("\n" + f"{'':<22}" + "".join(f"{label:>28}" for label, _ in runs))
    for name, cell in ROWS:
        print(f"{name:<22}" + "".join(f"{cell(*run):>28}" for _, run in runs))
