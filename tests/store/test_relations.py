"""Local days by offset arithmetic, against Python's zoneinfo on instants around transitions."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from segmint.core.zones import utc_offsets
from segmint.store.relations import execute, sources

EPOCH = dt.date(1970, 1, 1)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"])
def test_local_days_match_zoneinfo_around_every_transition(ws, zone):
    tz = ZoneInfo(zone)
    start = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    instants = [start + dt.timedelta(minutes=37 * i) for i in range(0, 2 * 365 * 24 * 60 // 37, 7)]
    for change, _ in utc_offsets(zone, start, start + dt.timedelta(days=730))[1:]:
        at = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=change)
        instants += [at + dt.timedelta(seconds=s) for s in (-3601, -1, 0, 1, 3599, 3600)]
    ws.engine.execute(
        "CREATE TABLE probe AS SELECT unnest(?::TIMESTAMPTZ[]) AS ordered_at", [instants]
    )
    ws.engine.execute(
        "INSERT INTO orders (order_id, customer_id, ordered_at, amount) "
        "SELECT 'O' || row_number() OVER (), 'C', ordered_at, 1 FROM probe"
    )
    src = sources(ws.engine, timezone=zone)
    got = execute(ws.engine, src.orders.order_by("order_id"))
    days = dict(zip(got["order_id"].to_pylist(), got["day"].to_pylist(), strict=True))
    for i, at in enumerate(instants, start=1):
        assert days[f"O{i}"] == (at.astimezone(tz).date() - EPOCH).days, (zone, at)


def test_offsets_of_a_zone_without_daylight_saving_are_one():
    start, end = dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert utc_offsets("Asia/Shanghai", start, end) == [(946684800000000, 8 * 3600 * 10**6)]
    berlin = utc_offsets("Europe/Berlin", start, end)
    assert len(berlin) == 1 + 2 * 30  # two changes a year
    assert berlin[1] == (954032400000000, 7200 * 10**6)  # 2000-03-26 01:00 UTC
