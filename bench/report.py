"""Figures and the table they are printed in."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure: ``bench/name`` = ``value`` ``unit`` (with an optional note)."""

    bench: str
    name: str
    value: float
    unit: str
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def timings_ms(action: Callable[[], object], *, repeat: int, warmup: int = 1) -> list[float]:
    """Wall-clock milliseconds of ``repeat`` calls of ``action`` after ``warmup`` calls."""
    for _ in range(warmup):
        action()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def percentile(samples: list[float], share: float) -> float:
    """The ``share`` (0..1) percentile of ``samples`` (nearest rank)."""
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


def summary(bench: str, name: str, samples: list[float], note: str = "") -> list[Figure]:
    """Median and p95 of a list of millisecond samples."""
    return [
        Figure(bench, f"{name} p50", statistics.median(samples), "ms", note),
        Figure(bench, f"{name} p95", percentile(samples, 0.95), "ms", note),
    ]


def print_table(figures: list[Figure]) -> None:
    """Print figures as an aligned text table."""
    rows = [(f.bench, f.name, f"{f.value:,.3f}", f.unit, f.note) for f in figures]
    headers = ("bench", "figure", "value", "unit", "note")
    widths = [max(len(str(c)) for c in column) for column in zip(headers, *rows, strict=False)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    print(line)
    print("-" * len(line))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)))
