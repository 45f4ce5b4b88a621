"""A plain-text progress bar for long command-line work (no dependency, stderr only)."""

import sys
import time

WIDTH = 30


class Progress:
    """Show how far a job of known size has got: redrawn in place on a terminal, in tenths elsewhere."""

    def __init__(self, stream=None, interval=0.25):
        self.stream = stream or sys.stderr
        self.interval = interval
        self.tty = self.stream.isatty()
        self.label, self.total, self.done = "", 0, 0
        self.started = self._drawn = 0.0
        self._tenth = -1

    def start(self, label, total):
        """Begin a new stage of `total` steps."""
        self.label, self.total, self.done = label, max(total, 1), 0
        self.started, self._drawn, self._tenth = time.monotonic(), 0.0, -1
        self._draw(force=True)

    def advance(self, steps=1):
        """Count steps as done."""
        self.done = min(self.total, self.done + steps)
        self._draw(force=self.done == self.total)

    def _draw(self, force=False):
        now = time.monotonic()
        tenth = self.done * 10 // self.total
        if self.tty and not force and now - self._drawn < self.interval:
            return
        if not self.tty and not force and tenth == self._tenth:
            return
        self._drawn, self._tenth = now, tenth
        filled = WIDTH * self.done // self.total
        line = (f"{self.label:<12} [{'#' * filled}{'.' * (WIDTH - filled)}] {self.done}/{self.total} "
                f"{100 * self.done // self.total:3d}% {now - self.started:6.1f} s")
        end = "\n" if self.done == self.total or not self.tty else ""
        self.stream.write(("\r" if self.tty else "") + line + end)
        self.stream.flush()


class Silent:
    """A progress bar that shows nothing (library use and tests)."""

    def start(self, label, total):
        """Begin a stage; show nothing."""

    def advance(self, steps=1):
        """Count steps; show nothing."""
