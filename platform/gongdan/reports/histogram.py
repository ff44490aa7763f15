"""Medians from a logarithmic histogram, and day keys folded into periods (pure functions).

The daily summary cannot keep every response time, so it counts them in buckets that are 5 %
wide: bucket ``b`` holds the durations in ``[1.05**b, 1.05**(b + 1))`` seconds, bucket -1 those
under a second. Summing the buckets of any set of days gives that set's histogram, and the
median is read from it: the middle value's bucket, reported at the bucket's geometric middle.
That is within 2.5 % of the exact median (``percentile_cont(0.5)``) whatever the data — a
documented approximation, which the base queries replace when a report is filtered or grouped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta

#: Ratio between the edges of consecutive buckets.
BUCKET_RATIO = 1.05
#: ``ln(BUCKET_RATIO)``, the divisor of the SQL that buckets a duration.
LOG_RATIO = math.log(BUCKET_RATIO)
#: Largest relative error of a median read from the histogram.
MEDIAN_PRECISION = math.sqrt(BUCKET_RATIO) - 1


def bucket_of(seconds: float) -> int:
    """The bucket of a duration (the Python twin of the summary's SQL)."""
    return -1 if seconds < 1 else math.floor(math.log(seconds) / LOG_RATIO)


def bucket_value(bucket: int) -> float:
    """The duration a bucket stands for: its geometric middle (0 for under a second)."""
    return 0.0 if bucket < 0 else BUCKET_RATIO ** (bucket + 0.5)


def histogram_median(counts: Mapping[int, int]) -> float | None:
    """The median of the durations counted in ``counts`` (bucket → how many); ``None`` if empty.

    Like ``percentile_cont(0.5)``: the middle value, or the mean of the two middle values.
    """
    total = sum(counts.values())
    if total <= 0:
        return None
    wanted = sorted({(total + 1) // 2, (total + 2) // 2})
    found: list[float] = []
    seen = 0
    for bucket in sorted(counts):
        seen += counts[bucket]
        while wanted and wanted[0] <= seen:
            wanted.pop(0)
            found.append(bucket_value(bucket))
    if len(found) == 1:
        return found[0]
    return sum(found) / len(found)


def period_key(day: date, unit: str) -> str:
    """The key of the period ``day`` falls in, spelled like ``reports.sql.period_bucket``."""
    if unit == "day":
        return day.isoformat()
    if unit == "week":
        return (day - timedelta(days=day.weekday())).isoformat()
    if unit == "month":
        return f"{day:%Y-%m}"
    if unit == "quarter":
        return f"{day.year}-Q{(day.month + 2) // 3}"
    if unit == "year":
        return str(day.year)
    raise ValueError(f"unknown period {unit!r}")
