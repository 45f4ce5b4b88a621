"""Form tokens, signed links, the secret key and the rate limits kept in MongoDB."""

import datetime

from core import guard
from core.config import Config

KEY = b"k" * 32


def test_it_accepts_its_own_form_token_only_for_the_same_form_browser_and_time():
    token = guard.form_token(KEY, "fault", "b1", now=1_000_000)
    assert guard.check_form_token(KEY, "fault", "b1", token, now=1_000_060)
    assert not guard.check_form_token(KEY, "complaint", "b1", token, now=1_000_060)
    assert not guard.check_form_token(KEY, "fault", "b2", token, now=1_000_060)
    assert not guard.check_form_token(b"other" * 7, "fault", "b1", token, now=1_000_060)
    assert not guard.check_form_token(KEY, "fault", "b1", token, now=1_000_000 + guard.FORM_TOKEN_SECONDS + 1)
    assert not any(guard.check_form_token(KEY, "fault", "b1", bad) for bad in (None, "", "x", "1.2.3", {"$ne": ""}))


def test_it_generates_the_secret_key_once_into_the_data_dir(tmp_path):
    config = Config(data_dir=tmp_path)
    first = guard.load_secret_key(config)
    assert len(first) == 64 and guard.load_secret_key(config) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert guard.load_secret_key(Config(data_dir=tmp_path, secret_key="set")) == b"set"


async def test_it_limits_each_phone_to_five_an_hour_and_starts_again_next_hour(store):
    # A window in the future: counters whose window has passed are expired by the TTL index.
    now = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=2)
    hits = [await guard.over_limit(store.db, "phone", "13800001234", now=now) for _ in range(6)]
    assert hits == [False] * 5 + [True]
    assert not await guard.over_limit(store.db, "phone", "13900001234", now=now)
    assert not await guard.over_limit(store.db, "phone", "13800001234", now=now + datetime.timedelta(hours=1))
    stored = await store.db.rate_limits.find_one({})
    assert "13800001234" not in str(stored) and stored["expires_at"] > now
