"""Defences of the public forms: the secret key, signed form tokens, signed links, rate limits."""

import base64
import datetime
import hashlib
import hmac
import os
import secrets
import time
from pathlib import Path

from core.store import reports as report_store

FORM_TOKEN_SECONDS = 4 * 3600
RATE_WINDOW_SECONDS = 3600
REPORTS_PER_HOUR = 5


def load_secret_key(config):
    """Return the signing key: LIFTWATCH_SECRET_KEY, else one generated once into the data dir."""
    if config.secret_key:
        return config.secret_key.encode()
    path = Path(config.data_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _sign(key, text):
    digest = hmac.new(key, text.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def form_token(key, form, browser, now=None):
    """Return a signed token for one form, bound to the browser's cookie and the time."""
    stamp = str(int(now if now is not None else time.time()))
    return f"{stamp}.{_sign(key, f'form|{form}|{browser}|{stamp}')}"


def check_form_token(key, form, browser, token, now=None):
    """Tell whether a form token was signed by us for this form and browser, recently."""
    if not isinstance(token, str) or not browser or token.count(".") != 1:
        return False
    stamp, signature = token.split(".")
    if not stamp.isdigit():
        return False
    age = (now if now is not None else time.time()) - int(stamp)
    expected = _sign(key, f"form|{form}|{browser}|{stamp}")
    return 0 <= age <= FORM_TOKEN_SECONDS and hmac.compare_digest(expected, signature)


def link_signature(key, report_id, action, expires):
    """Return the signature of a firm's action link on a report, valid until expires (epoch seconds)."""
    return _sign(key, f"action|{report_id}|{action}|{expires}")


def check_link(key, report_id, action, expires, signature, now=None):
    """Tell whether an action link is ours and not expired."""
    if not (isinstance(expires, str) and expires.isdigit() and isinstance(signature, str)):
        return False
    if int(expires) < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(link_signature(key, report_id, action, expires), signature)


async def over_limit(db, what, who, limit=REPORTS_PER_HOUR, now=None):
    """Count one more submission by who (an IP or a phone); tell whether it passes the hourly limit."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    window = int(now.timestamp()) // RATE_WINDOW_SECONDS
    hashed = hashlib.sha256(f"{what}|{who}".encode()).hexdigest()[:24]  # no raw IP or phone kept
    expires = datetime.datetime.fromtimestamp((window + 1) * RATE_WINDOW_SECONDS, datetime.timezone.utc)
    return await report_store.count_hit(db, f"{hashed}:{window}", expires) > limit
