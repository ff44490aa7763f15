"""A progress bar on standard error, for data generation that takes minutes."""

from __future__ import annotations

import sys
import time


class ProgressBar:
    """``label [#####.....] done/total  rate/s  eta`` redrawn in place at most 5 times a second."""

    def __init__(self, label: str, total: int, width: int = 30) -> None:
        self.label, self.total, self.width = label, max(total, 1), width
        self.done = 0
        self.started = time.perf_counter()
        self._drawn = 0.0

    def advance(self, count: int) -> None:
        self.done += count
        now = time.perf_counter()
        if now - self._drawn >= 0.2 or self.done >= self.total:
            self._draw(now)

    def _draw(self, now: float) -> None:
        self._drawn = now
        share = min(self.done / self.total, 1.0)
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate else 0.0
        bar = "#" * round(share * self.width)
        sys.stderr.write(
            f"\r{self.label} [{bar:<{self.width}}] {self.done:,}/{self.total:,}"
            f"  {rate:,.0f}/s  eta {eta:,.0f}s "
        )
        sys.stderr.flush()

    def close(self) -> float:
        """Finish the line; returns the seconds taken."""
        now = time.perf_counter()
        self._draw(now)
        sys.stderr.write("\n")
        return now - self.started
