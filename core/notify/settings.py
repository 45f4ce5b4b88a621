"""Notification settings from LIFTWATCH_* environment variables, read once at start-up."""

import os
from dataclasses import dataclass


def _env(name, default=""):
    return os.environ.get(f"LIFTWATCH_{name}", default)


def _flag(name):
    return _env(name, "0").strip().lower() in ("1", "true", "yes", "on")


def _tristate(text):
    """Read 1/0/auto as True/False/None."""
    text = text.strip().lower()
    if text == "auto":
        return None
    return text in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class NotifySettings:
    """How to reach the SMTP server, the Bot API and the group robots."""

    console: bool = False
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool | None = None  # None: use STARTTLS when the server offers it
    smtp_tls: bool = False
    smtp_from: str = "liftwatch <noreply@localhost>"
    smtp_reply_to: str = ""
    smtp_timeout: float = 10.0
    telegram_token: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    telegram_timeout: float = 10.0
    dingtalk_api_url: str = "https://oapi.dingtalk.com"
    wecom_api_url: str = "https://qyapi.weixin.qq.com"
    robot_timeout: float = 10.0

    @classmethod
    def from_env(cls, **overrides):
        """Build the settings from the environment, then apply overrides."""
        tls = _flag("SMTP_TLS")
        values = dict(
            console=_flag("NOTIFY_CONSOLE"),
            smtp_host=_env("SMTP_HOST"),
            smtp_port=int(_env("SMTP_PORT", "465" if tls else "587")),
            smtp_user=_env("SMTP_USER"),
            smtp_password=_env("SMTP_PASSWORD"),
            smtp_starttls=False if tls else _tristate(_env("SMTP_STARTTLS", "auto")),
            smtp_tls=tls,
            smtp_from=_env("SMTP_FROM", "liftwatch <noreply@localhost>"),
            smtp_reply_to=_env("SMTP_REPLY_TO"),
            smtp_timeout=float(_env("SMTP_TIMEOUT", "10")),
            telegram_token=_env("TELEGRAM_TOKEN"),
            telegram_api_url=_env("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/"),
            telegram_timeout=float(_env("TELEGRAM_TIMEOUT", "10")),
            dingtalk_api_url=_env("DINGTALK_API_URL", "https://oapi.dingtalk.com").rstrip("/"),
            wecom_api_url=_env("WECOM_API_URL", "https://qyapi.weixin.qq.com").rstrip("/"),
            robot_timeout=float(_env("ROBOT_TIMEOUT", "10")),
        )
        values.update(overrides)
        return cls(**values)
