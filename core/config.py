"""Configuration from LIFTWATCH_* environment variables, read once at start-up."""

import ipaddress
import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


# TSG T5002-2017 intervals, in days; LIFTWATCH_INTERVAL_DAYS overrides any of them.
DEFAULT_INTERVAL_DAYS = {"half_monthly": 15, "quarterly": 90, "half_yearly": 180, "yearly": 365}
# Seconds before each retry of a failed job: at once, 1 min, 5 min, 30 min, then the last
# value again (hourly) until LIFTWATCH_JOB_GIVE_UP_HOURS have passed since the first failure.
DEFAULT_JOB_BACKOFF = (0, 60, 300, 1800, 3600)
# The least time each kind of visit takes on site before it is flagged as too short (minutes):
# half the times firms quote for a single traction lift, so a brisk honest visit passes.
DEFAULT_VISIT_MIN_MINUTES = {"half_monthly": 20, "quarterly": 40, "half_yearly": 60, "yearly": 90,
                             "repair": 10, "rescue": 0}


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
    backlog: int = 1024
    keep_alive_seconds: float = 5.0
    # Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (addresses or networks).
    trusted_proxies: tuple = ()
    public_url: str = "http://127.0.0.1:8000"
    timezone: str = "Asia/Shanghai"
    default_lang: str = "zh_Hans"
    due_soon_days: int = 3
    interval_days: dict = field(default_factory=lambda: dict(DEFAULT_INTERVAL_DAYS))
    db_timeout_ms: int = 5000
    page_cache_entries: int = 25_000
    page_cache_seconds: float = 1.0
    secret_key: str = ""
    reports_per_hour: int = 5
    worker_in_serve: bool = True
    worker_poll_seconds: float = 0.5
    # Jobs one worker runs at once: deliveries wait on far servers, not on this process's CPU.
    worker_concurrency: int = 8
    worker_sweep_seconds: float = 60.0
    job_lease_seconds: float = 60.0
    job_backoff: tuple = DEFAULT_JOB_BACKOFF
    job_give_up_hours: float = 24.0
    job_keep_done_hours: float = 24.0
    # Measured in docs/faces.md (Dlib embeddings, Euclidean): variations of one person's photo
    # stay within 0.40, two people are 0.61 or more apart; dlib suggests 0.6, we keep a margin.
    face_threshold: float = 0.55
    # Smallest face side matched, in pixels of the photo shrunk to 800 px.
    face_min_px: int = 80
    # Perceptual-hash bits (of 64) within which two photos are one picture: copies of a photo
    # re-encoded, resized or brightened differ by 0-2, different photos by 20 or more.
    photo_hash_distance: int = 8
    # The technician bot (README "The technician bot").
    telegram_token: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    telegram_bot_username: str = ""
    telegram_webhook_secret: str = ""
    geofence_m: float = 200.0
    visit_min_photos: int = 3
    visit_min_minutes: dict = field(default_factory=lambda: dict(DEFAULT_VISIT_MIN_MINUTES))
    visit_max_open_hours: float = 8.0
    # Rescue (docs/rescue.md): escalation steps and the arrival target, in minutes after the call.
    rescue_escalate_minutes: float = 5.0
    rescue_regulator_minutes: float = 10.0
    rescue_arrive_minutes: float = 30.0
    rescue_calls_per_hour: int = 10

    @classmethod
    def from_env(cls, **overrides):
        """Build the configuration from the environment, then apply overrides; raise ConfigError."""
        port = _int("PORT", 8000, 1, 65535)
        values = dict(
            mongodb_uri=_env("MONGODB_URI", ""),
            db_name=_env("DB_NAME", "liftwatch"),
            data_dir=Path(_env("DATA_DIR", "var")).absolute(),
            host=_env("HOST", "127.0.0.1"),
            port=port,
            workers=_int("WORKERS", 1, 1, 64),
            backlog=_int("BACKLOG", 1024, 1, 65535),
            keep_alive_seconds=_number("KEEP_ALIVE_SECONDS", 5.0, 0, 3600),
            trusted_proxies=_networks("TRUSTED_PROXIES", _env("TRUSTED_PROXIES", "")),
            public_url=_public_url(_env("PUBLIC_URL", f"http://127.0.0.1:{port}")),
            timezone=_timezone(_env("TIMEZONE", "Asia/Shanghai")),
            default_lang=_choice("DEFAULT_LANG", "zh_Hans", ("zh_Hans", "en")),
            due_soon_days=_int("DUE_SOON_DAYS", 3, 0, 365),
            interval_days=_interval_days(_env("INTERVAL_DAYS", "")),
            db_timeout_ms=_int("DB_TIMEOUT_MS", 5000, 1, 3_600_000),
            page_cache_entries=_int("PAGE_CACHE_ENTRIES", 25_000, 0, 10_000_000),
            page_cache_seconds=_number("PAGE_CACHE_SECONDS", 1.0, 0, 3600),
            secret_key=_env("SECRET_KEY", ""),
            reports_per_hour=_int("REPORTS_PER_HOUR", 5, 1, 100_000),
            worker_in_serve=_env("WORKER_IN_SERVE", "1") not in ("0", "false", "no"),
            worker_poll_seconds=_number("WORKER_POLL_SECONDS", 0.5, 0.01, 3600),
            worker_concurrency=_int("WORKER_CONCURRENCY", 8, 1, 256),
            worker_sweep_seconds=_number("WORKER_SWEEP_SECONDS", 60.0, 0.1, 86400),
            job_lease_seconds=_number("JOB_LEASE_SECONDS", 60.0, 1, 86400),
            job_backoff=_seconds_list("JOB_BACKOFF", _env("JOB_BACKOFF", "")) or DEFAULT_JOB_BACKOFF,
            job_give_up_hours=_number("JOB_GIVE_UP_HOURS", 24.0, 0, 8760),
            job_keep_done_hours=_number("JOB_KEEP_DONE_HOURS", 24.0, 0, 8760),
            face_threshold=_number("FACE_THRESHOLD", 0.55, 0.0, 2.0),
            face_min_px=_int("FACE_MIN_PX", 80, 10, 800),
            photo_hash_distance=_int("PHOTO_HASH_DISTANCE", 8, 0, 64),
            telegram_token=_env("TELEGRAM_TOKEN", ""),
            telegram_api_url=_env("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/"),
            telegram_bot_username=_env("TELEGRAM_BOT_USERNAME", "").lstrip("@"),
            telegram_webhook_secret=_env("TELEGRAM_WEBHOOK_SECRET", ""),
            geofence_m=_number("GEOFENCE_M", 200.0, 10, 100_000),
            visit_min_photos=_int("VISIT_MIN_PHOTOS", 3, 1, 50),
            visit_min_minutes=_per_interval("VISIT_MIN_MINUTES", DEFAULT_VISIT_MIN_MINUTES),
            visit_max_open_hours=_number("VISIT_MAX_OPEN_HOURS", 8.0, 0.5, 168),
            rescue_escalate_minutes=_number("RESCUE_ESCALATE_MINUTES", 5.0, 0.01, 1440),
            rescue_regulator_minutes=_number("RESCUE_REGULATOR_MINUTES", 10.0, 0.01, 1440),
            rescue_arrive_minutes=_number("RESCUE_ARRIVE_MINUTES", 30.0, 0.01, 1440),
            rescue_calls_per_hour=_int("RESCUE_CALLS_PER_HOUR", 10, 1, 100_000),
        )
        values.update(overrides)
        return cls(**values)


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the variable, for one line on stderr."""


def _int(name, default, low, high):
    text = _env(name, str(default)).strip()
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise ConfigError(f"LIFTWATCH_{name} must be a whole number from {low} to {high}, not {text!r}")
    return int(text)


def _number(name, default, low, high):
    text = _env(name, str(default)).strip()
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ConfigError(f"LIFTWATCH_{name} must be a number from {low} to {high}, not {text!r}")
    return value


def _choice(name, default, choices):
    text = _env(name, default)
    if text not in choices:
        raise ConfigError(f"LIFTWATCH_{name} must be one of {', '.join(choices)}, not {text!r}")
    return text


def _timezone(text):
    try:
        ZoneInfo(text)
    except (ValueError, ZoneInfoNotFoundError):
        raise ConfigError(f"LIFTWATCH_TIMEZONE must be an IANA time zone such as Asia/Shanghai, not {text!r}") from None
    return text


def _public_url(text):
    parts = urlsplit(text.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"LIFTWATCH_PUBLIC_URL must start with http:// or https:// and name a host, not {text!r}")
    return text.strip().rstrip("/")


def _interval_days(text):
    """Parse 'half_monthly=15,quarterly=90,...' over the regulation's defaults."""
    return _parse_per_interval("INTERVAL_DAYS", text, DEFAULT_INTERVAL_DAYS)


def _per_interval(name, defaults):
    """Read LIFTWATCH_<name> as 'half_monthly=20,...' over defaults."""
    return _parse_per_interval(name, _env(name, ""), defaults)


def _parse_per_interval(name, text, defaults):
    """Parse 'interval=number,...' over defaults, naming the variable in any error."""
    values = dict(defaults)
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = part.partition("=")
        if key not in values or not value.isdigit():
            raise ConfigError(f"LIFTWATCH_{name}: cannot read {part!r}")
        values[key] = int(value)
    return values


def _networks(name, text):
    """Parse '10.0.0.5,192.168.0.0/16' into a tuple of addresses and networks as text."""
    values = tuple(part.strip() for part in text.split(",") if part.strip())
    for value in values:
        try:
            ipaddress.ip_network(value)
        except ValueError:
            raise ConfigError(f"LIFTWATCH_{name} must list IP addresses or networks such as 10.0.0.0/8, "
                              f"not {value!r}") from None
    return values


def _seconds_list(name, text):
    """Parse '0,60,300' into a tuple of seconds (empty text gives an empty tuple)."""
    try:
        values = tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"LIFTWATCH_{name}: cannot read {text!r}") from None
    if any(v < 0 for v in values):
        raise ConfigError(f"LIFTWATCH_{name}: seconds cannot be negative")
    return values
