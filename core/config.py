"""Configuration from LIFTWATCH_* environment variables, read once at start-up."""

import os
from dataclasses import dataclass, field
from pathlib import Path


# TSG T5002-2017 intervals, in days; LIFTWATCH_INTERVAL_DAYS overrides any of them.
DEFAULT_INTERVAL_DAYS = {"half_monthly": 15, "quarterly": 90, "half_yearly": 180, "yearly": 365}
# Seconds before each retry of a failed job: at once, 1 min, 5 min, 30 min, then the last
# value again (hourly) until LIFTWATCH_JOB_GIVE_UP_HOURS have passed since the first failure.
DEFAULT_JOB_BACKOFF = (0, 60, 300, 1800, 3600)


def _env(name, default):
    return os.environ.get(f"LIFTWATCH_{name}", default)


@dataclass(frozen=True)
class Config:
    """Settings shared by the portal, the bot and the command line."""

    mongodb_uri: str = ""
    db_name: str = "liftwatch"
    data_dir: Path = Path("var")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    public_url: str = "http://127.0.0.1:8000"
    timezone: str = "Asia/Shanghai"
    default_lang: str = "zh_Hans"
    due_soon_days: int = 3
    interval_days: dict = field(default_factory=lambda: dict(DEFAULT_INTERVAL_DAYS))
    db_timeout_ms: int = 5000
    page_cache_entries: int = 4000
    page_cache_seconds: float = 1.0
    secret_key: str = ""
    reports_per_hour: int = 5
    worker_in_serve: bool = True
    worker_poll_seconds: float = 0.5
    worker_sweep_seconds: float = 60.0
    job_lease_seconds: float = 60.0
    job_backoff: tuple = DEFAULT_JOB_BACKOFF
    job_give_up_hours: float = 24.0
    job_keep_done_hours: float = 24.0

    @classmethod
    def from_env(cls, **overrides):
        """Build the configuration from the environment, then apply overrides."""
        port = int(_env("PORT", "8000"))
        values = dict(
            mongodb_uri=_env("MONGODB_URI", ""),
            db_name=_env("DB_NAME", "liftwatch"),
            data_dir=Path(_env("DATA_DIR", "var")).absolute(),
            host=_env("HOST", "127.0.0.1"),
            port=port,
            workers=int(_env("WORKERS", "1")),
            public_url=_env("PUBLIC_URL", f"http://127.0.0.1:{port}").rstrip("/"),
            timezone=_env("TIMEZONE", "Asia/Shanghai"),
            default_lang=_env("DEFAULT_LANG", "zh_Hans"),
            due_soon_days=int(_env("DUE_SOON_DAYS", "3")),
            interval_days=_interval_days(_env("INTERVAL_DAYS", "")),
            db_timeout_ms=int(_env("DB_TIMEOUT_MS", "5000")),
            page_cache_entries=int(_env("PAGE_CACHE_ENTRIES", "4000")),
            page_cache_seconds=float(_env("PAGE_CACHE_SECONDS", "1.0")),
            secret_key=_env("SECRET_KEY", ""),
            reports_per_hour=int(_env("REPORTS_PER_HOUR", "5")),
            worker_in_serve=_env("WORKER_IN_SERVE", "1") not in ("0", "false", "no"),
            worker_poll_seconds=float(_env("WORKER_POLL_SECONDS", "0.5")),
            worker_sweep_seconds=float(_env("WORKER_SWEEP_SECONDS", "60")),
            job_lease_seconds=float(_env("JOB_LEASE_SECONDS", "60")),
            job_backoff=_seconds_list("JOB_BACKOFF", _env("JOB_BACKOFF", "")) or DEFAULT_JOB_BACKOFF,
            job_give_up_hours=float(_env("JOB_GIVE_UP_HOURS", "24")),
            job_keep_done_hours=float(_env("JOB_KEEP_DONE_HOURS", "24")),
        )
        values.update(overrides)
        return cls(**values)


def _interval_days(text):
    """Parse 'half_monthly=15,quarterly=90,...' over the regulation's defaults."""
    days = dict(DEFAULT_INTERVAL_DAYS)
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, value = part.partition("=")
        if name not in days or not value.isdigit():
            raise ValueError(f"LIFTWATCH_INTERVAL_DAYS: cannot read {part!r}")
        days[name] = int(value)
    return days


def _seconds_list(name, text):
    """Parse '0,60,300' into a tuple of seconds (empty text gives an empty tuple)."""
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"LIFTWATCH_{name}: cannot read {text!r}") from None
    if any(v < 0 for v in values):
        raise ValueError(f"LIFTWATCH_{name}: seconds cannot be negative")
    return values
