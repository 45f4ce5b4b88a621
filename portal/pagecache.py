"""Rendered elevator pages, kept per worker and dropped one elevator at a time when they change.

Writers record each changed elevator in `page_changes`, and a change that touches every
page as a new epoch token (core.store.meta). Each worker looks at both at most once per
`check_seconds`: a new epoch empties the cache, a listed elevator loses only its own pages.
A page is thus at most that stale — well inside the `max-age` the pages already send — and
a hot elevator costs no database read at all.

Pages are kept gzip-compressed, as most clients take them: an elevator page is about 5 KB
of UTF-8 and 8-11 KB as a Python string, but 1.6-1.8 KB compressed (measured on the demo
district), so 10,000 elevators in two languages fit in about 45 MB per worker.

When the database cannot be asked, pages in hand are served as they are (stale-if-error):
a passenger reading an elevator's history is better served by a page a few seconds old
than by a 503.
"""

import datetime
import gzip
import logging
import time
from collections import OrderedDict

from core.store.client import DatabaseError
from core.store.meta import find_page_changes, find_pages_epoch
from core.timeutil import utcnow

log = logging.getLogger(__name__)

# Change ids are ObjectIds made by each writer's clock: a change may carry a time a little
# before one already seen (another host, a slow insert), so every look re-reads this much
# of the log and skips the ids it has handled.
OVERLAP = datetime.timedelta(seconds=15)
# A worker that has not looked for this long may have missed changes already trimmed from
# the log (core.store.meta.CHANGE_RETENTION is one hour): it starts over.
MAX_GAP = datetime.timedelta(minutes=30)
MAX_DROPPED = 100_000


class PageCache:
    """A bounded LRU of gzip-compressed pages, invalidated per elevator."""

    def __init__(self, max_entries=25_000, check_seconds=1.0):
        self.max_entries = max_entries
        self.check_seconds = check_seconds
        self._pages = OrderedDict()  # key -> (elevator id, gzip bytes)
        self._keys_of = {}  # elevator id -> its keys in _pages
        self._epoch = None
        self._seen = {}  # change id -> when it was read
        self._looked_at = None  # wall time of the last successful look
        self._checked = float("-inf")
        self._failed = False
        self._generation = 0  # counts drops, so a page rendered across one is not kept
        self._dropped = {}  # elevator id -> generation of its last drop
        self._cleared = 0

    @property
    def enabled(self):
        """Tell whether caching is switched on."""
        return self.max_entries > 0 and self.check_seconds > 0

    def __len__(self):
        return len(self._pages)

    async def sync(self, db):
        """Apply the changes recorded since the last look; return a ticket for put (None: not now)."""
        now = time.monotonic()
        if now - self._checked >= self.check_seconds:
            self._checked = now  # before the await, so concurrent requests look only once
            try:
                await self._look(db)
                self._failed = False
            except DatabaseError as exc:
                self._failed = True
                log.warning("page cache: cannot read page changes, serving pages in hand: %s", str(exc)[:200])
        return None if self._failed else self._generation

    async def _look(self, db):
        wall = utcnow()
        epoch = await find_pages_epoch(db)
        fresh_start = epoch != self._epoch or self._looked_at is None or wall - self._looked_at > MAX_GAP
        since = wall - OVERLAP if fresh_start else self._looked_at - OVERLAP
        changes = await find_page_changes(db, since)
        if fresh_start:
            self.clear()
            self._epoch, self._seen = epoch, {}
        for change_id, elevator_id in changes:
            if change_id not in self._seen:
                self._seen[change_id] = wall
                if not fresh_start:
                    self.drop(elevator_id)
        self._seen = {cid: seen for cid, seen in self._seen.items() if seen > wall - 2 * OVERLAP}
        self._looked_at = wall

    def clear(self):
        """Drop every page."""
        self._pages.clear()
        self._keys_of.clear()
        self._dropped.clear()
        self._generation += 1
        self._cleared = self._generation

    def drop(self, elevator_id):
        """Drop the pages of one elevator."""
        for key in self._keys_of.pop(elevator_id, ()):
            self._pages.pop(key, None)
        self._generation += 1
        self._dropped[elevator_id] = self._generation
        if len(self._dropped) > MAX_DROPPED:
            self._dropped.clear()
            self._cleared = self._generation

    def get_gzip(self, key):
        """Return the cached page for key, gzip-compressed, or None."""
        entry = self._pages.get(key)
        if entry is None:
            return None
        self._pages.move_to_end(key)
        return entry[1]

    def get(self, key):
        """Return the cached page for key as text, or None."""
        body = self.get_gzip(key)
        return gzip.decompress(body).decode() if body is not None else None

    def put(self, key, body, ticket, elevator_id):
        """Keep a gzip-compressed page, unless its elevator changed since the ticket was taken."""
        if (not self.enabled or ticket is None or self._cleared > ticket
                or self._dropped.get(elevator_id, 0) > ticket):
            return
        self._pages[key] = (elevator_id, body)
        self._pages.move_to_end(key)
        self._keys_of.setdefault(elevator_id, set()).add(key)
        while len(self._pages) > self.max_entries:
            old_key, (old_elevator, _) = self._pages.popitem(last=False)
            keys = self._keys_of.get(old_elevator)
            if keys is not None:
                keys.discard(old_key)
                if not keys:
                    del self._keys_of[old_elevator]
