"""A time zone's UTC offsets over a span of time, as data: where each offset starts.

Local dates are then integer arithmetic on UTC instants — ``(µs + offset) // day`` —
which every engine computes fast and alike, instead of a per-row time-zone lookup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

_US = 1_000_000
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def utc_offsets(zone: str, start: dt.datetime, end: dt.datetime) -> list[tuple[int, int]]:
    """(first UTC microsecond since 1970, offset in microseconds) for each offset in use.

    The first entry starts at `start`; a new one starts at every transition up to
    `end` (found day by day, then to the second by bisection).
    """
    tz = ZoneInfo(zone)

    def offset(at: dt.datetime) -> int:
        found = at.astimezone(tz).utcoffset()
        return int((found or dt.timedelta()).total_seconds()) * _US

    at = start.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    spans = [(_micros(start), offset(start))]
    while at < end:
        later = at + dt.timedelta(days=1)
        if offset(later) != offset(at):
            change = _bisect(at, later, offset)
            spans.append((_micros(change), offset(change)))
        at = later
    return spans


def _bisect(
    low: dt.datetime, high: dt.datetime, offset: Callable[[dt.datetime], int]
) -> dt.datetime:
    """The first second in (low, high] whose offset differs from low's."""
    before = offset(low)
    while high - low > dt.timedelta(seconds=1):
        middle = low + (high - low) / 2
        if offset(middle) == before:
            low = middle
        else:
            high = middle
    return high.replace(microsecond=0)


def _micros(at: dt.datetime) -> int:
    return (at.astimezone(dt.UTC) - _EPOCH) // dt.timedelta(microseconds=1)
