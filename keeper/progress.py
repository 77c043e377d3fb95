"""A small progress line on stderr for anything that takes more than a second."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """Prints ``label [#####.....] 52% 120/230 MB 48,000 nodes/s ETA 3s`` in place.

    Silent unless the stream is a terminal (or ``force``), and never more than ten
    times a second, so it costs nothing on large imports.
    """

    def __init__(
        self, label: str, total: float, stream: TextIO | None = None, force: bool = False
    ) -> None:
        self.label = label
        self.total = max(total, 0.0)
        self.stream = stream or sys.stderr
        self.enabled = force or self.stream.isatty()
        self.started = time.monotonic()
        self._last = 0.0
        self._shown = False

    def update(self, done: float, rate_count: int = 0, rate_unit: str = "") -> None:
        """Show progress ``done`` of ``total``; ``rate_count`` items so far give the rate."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        elapsed = max(now - self.started, 1e-6)
        if elapsed < 1.0 and not self._shown:
            return
        self._shown = True
        fraction = min(done / self.total, 1.0) if self.total else 0.0
        bar = "#" * int(fraction * 24)
        rate = f" {rate_count / elapsed:,.0f} {rate_unit}/s" if rate_count else ""
        eta = ""
        if 0 < fraction < 1:
            eta = f" ETA {elapsed * (1 - fraction) / fraction:.0f}s"
        self.stream.write(f"\r{self.label} [{bar:<24}] {fraction:4.0%}{rate}{eta}   ")
        self.stream.flush()

    def close(self) -> None:
        """End the progress line."""
        if self.enabled and self._shown:
            self.stream.write("\n")
            self.stream.flush()
