"""Rendered elevator pages, kept per worker and dropped as soon as any page summary changes.

Every write that changes a page summary bumps a version number in the database
(core.pages); each worker looks at that number at most once per `check_seconds` and
empties its cache when it moved. A page is thus at most that stale — well inside the
`max-age` the pages already send — and a hot elevator costs no database read at all.
"""

import time
from collections import OrderedDict

from core.store.meta import find_pages_version


class PageCache:
    """A bounded, version-checked cache of rendered HTML."""

    def __init__(self, max_entries=4000, check_seconds=1.0):
        self.max_entries = max_entries
        self.check_seconds = check_seconds
        self._pages = OrderedDict()
        self._version = None
        self._checked = float("-inf")

    @property
    def enabled(self):
        """Tell whether caching is switched on."""
        return self.max_entries > 0 and self.check_seconds > 0

    async def sync(self, db):
        """Drop every page if the summaries changed since the last look; return the version."""
        now = time.monotonic()
        if now - self._checked >= self.check_seconds:
            self._checked = now  # before the await, so concurrent requests look only once
            version = await find_pages_version(db)
            if version != self._version:
                self._pages.clear()
                self._version = version
        return self._version

    def __len__(self):
        return len(self._pages)

    def get(self, key):
        """Return the cached HTML for key, or None."""
        html = self._pages.get(key)
        if html is not None:
            self._pages.move_to_end(key)
        return html

    def put(self, key, html, version):
        """Keep html for key, unless the summaries changed while it was being rendered."""
        if not self.enabled or version != self._version:
            return
        self._pages[key] = html
        if len(self._pages) > self.max_entries:
            self._pages.popitem(last=False)
