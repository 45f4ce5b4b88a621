"""Configuration from LIFTWATCH_* environment variables, read once at start-up."""

import os
from dataclasses import dataclass, field
from pathlib import Path


# TSG T5002-2017 intervals, in days; LIFTWATCH_INTERVAL_DAYS overrides any of them.
DEFAULT_INTERVAL_DAYS = {"half_monthly": 15, "quarterly": 90, "half_yearly": 180, "yearly": 365}


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
