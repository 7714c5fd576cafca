"""The canonical tables as engine-neutral expressions, with times turned into local days.

`segmint.features` builds on these relations and never sees a connection. Every time
becomes ``day``: the number of days since 1970-01-01 of its date in the workspace time
zone, so windows and gaps are integer arithmetic on every engine. A UTC instant's local
date is itself arithmetic: the zone's offsets over the data's span, as data
(`segmint.core.zones`), added to the instant; no per-row time-zone lookup.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import NamedTuple

import ibis
import ibis.expr.types as ir
import pyarrow as pa
from ibis.common.exceptions import TranslationError

from segmint.core.catalog import NOT_IN_RULES, SNAPSHOT_COLUMNS
from segmint.core.errors import EngineError, Location, NotFoundError
from segmint.core.zones import utc_offsets
from segmint.store.dialects import DIALECTS, Dialect, check
from segmint.store.engine import Engine, Store


class Sources(NamedTuple):
    """The relations features read, each with local day numbers instead of timestamps."""

    customers: ir.Table  # customer_id, signup_day, gender, birthday
    # order_id, customer_id, day, amount (net of refund), discount, status, channel, store
    orders: ir.Table
    items: ir.Table  # order_id, product_id, product_name, category, spend (quantity x price)
    events: ir.Table  # customer_id, day, type, channel
    tickets: ir.Table  # customer_id, opened_day, closed_day, is_complaint, satisfaction, category


MONEY = "decimal(18, 2)"  # the canonical tables' money type: exact on every engine
_DAY_US = 86_400_000_000
_EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_TIMES = (
    ("orders", "ordered_at"),
    ("events", "occurred_at"),
    ("tickets", "opened_at"),
    ("tickets", "closed_at"),
    ("customers", "signup_at"),
)


def _day_of(
    offsets: list[tuple[int, int]], dialect: Dialect
) -> Callable[[ir.TimestampValue], ir.IntegerValue]:
    """A UTC instant's local day: (µs since 1970 + the offset then in force) // day.

    Integer arithmetic, so the engine needs no time-zone lookup per row.
    """

    def day(at: ir.TimestampValue) -> ir.IntegerValue:
        us = dialect.epoch_us(at)
        offset: ir.IntegerValue = ibis.literal(offsets[-1][1], "int64")
        if len(offsets) > 1:
            steps = zip(offsets[1:], offsets[:-1], strict=True)
            offset = ibis.cases(
                *((us < start, before) for (start, _), (_, before) in steps), else_=offset
            )
        return ((us + offset) / _DAY_US).floor().cast("int32")

    return day


def _span(
    engine: Engine,
    times: tuple[tuple[str, str], ...] = _TIMES,
    tables: Mapping[str, str] | None = None,
) -> tuple[dt.datetime, dt.datetime]:
    """The earliest and latest instant in the tables' `times` (now, when they are empty)."""
    named, epoch_us = tables or {}, DIALECTS[engine.kind].epoch_us
    parts = []
    with engine.mapped():
        for table, column in times:
            t = engine.table(named.get(table, table))
            t = t.select(us=epoch_us(t[column]))
            parts.append(t.aggregate(lo=t.us.min(), hi=t.us.max()))
    found = execute(engine, ibis.union(*parts)).to_pylist()
    now = _micros(dt.datetime.now(dt.UTC))
    low = min((s["lo"] for s in found if s["lo"] is not None), default=now)
    high = max((s["hi"] for s in found if s["hi"] is not None), default=now)
    return _instant(low), _instant(high)


def _micros(at: dt.datetime) -> int:
    return (at - _EPOCH_UTC) // dt.timedelta(microseconds=1)


def _instant(us: int) -> dt.datetime:
    """An instant from its microseconds since 1970 (engines return instants differently)."""
    return _EPOCH_UTC + dt.timedelta(microseconds=us)


def newest_order_at(engine: Engine) -> dt.datetime | None:
    """The instant of the newest order (None when there is none)."""
    with engine.mapped():
        newest = DIALECTS[engine.kind].epoch_us(engine.table("orders").ordered_at).max()
    found = execute(engine, newest.name("us").as_table())["us"][0].as_py()
    return None if found is None else _instant(found)


def sources(engine: Engine, *, timezone: str, tables: Mapping[str, str] | None = None) -> Sources:
    """The workspace's tables as relations in `timezone` (an IANA name, checked by config).

    `tables` reads other tables in place of canonical ones (`of_customers`' copies).
    """
    t = {name: name for name in CANONICAL} | dict(tables or {})
    day = _day_of(utc_offsets(timezone, *_span(engine, tables=t)), DIALECTS[engine.kind])
    with engine.mapped():  # the engine is asked for each relation's schema
        customers, orders, items, events, tickets = (engine.table(t[n]) for n in CANONICAL)
    zero = ibis.literal(0).cast(MONEY)
    return Sources(
        customers=customers.select(
            "customer_id",
            signup_day=day(customers.signup_at),
            gender=customers.gender,
            birthday=customers.birthday,
        ),
        orders=orders.select(
            "order_id",
            "customer_id",
            day=day(orders.ordered_at),
            amount=(orders.amount - orders.refund.fill_null(zero)).cast(MONEY),
            discount=orders.discount.fill_null(zero),
            status=orders.status.fill_null("paid"),
            channel=orders.channel,
            store=orders.store,
        ),
        items=items.select(
            "order_id",
            "product_id",
            "product_name",
            "category",
            spend=(items.quantity.fill_null(1) * items.unit_price).cast(MONEY),
        ),
        events=events.select(
            "customer_id", day=day(events.occurred_at), type=events.type, channel=events.channel
        ),
        tickets=tickets.select(
            "customer_id",
            opened_day=day(tickets.opened_at),
            closed_day=day(tickets.closed_at),
            is_complaint=tickets.is_complaint.fill_null(False),
            satisfaction=tickets.satisfaction,
            category=tickets.category,
        ),
    )


CANONICAL = ("customers", "orders", "order_items", "events", "tickets")
# The columns `sources` reads from each table (a copy needs no others: it is read faster).
_READ = {
    "customers": "customer_id, signup_at, gender, birthday",
    "orders": "order_id, customer_id, ordered_at, amount, refund, discount, status, channel, store",
    "order_items": "i.order_id, i.product_id, i.product_name, i.category, i.quantity, i.unit_price",
    "events": "customer_id, occurred_at, type, channel",
    "tickets": "customer_id, opened_at, closed_at, is_complaint, satisfaction, category",
}


@contextmanager
def of_customers(engine: Store, customers: Sequence[str]) -> Iterator[dict[str, str]]:
    """Temporary copies of the canonical tables' rows of `customers`, by table name.

    For `sources(tables=...)`: one pass over each table picks a few customers' rows, and
    every expression after it reads those alone (an order line follows its order). The
    copies are dropped on leaving.
    """
    names = {table: f"_few_{table}" for table in CANONICAL}
    ids = pa.table({"customer_id": pa.array(list(customers), pa.string())})
    with engine.registered("_few_ids", ids):
        for table in ("customers", "orders", "events", "tickets"):
            engine.execute(
                f"CREATE OR REPLACE TEMP TABLE {names[table]} AS SELECT {_READ[table]} "
                f"FROM {table} WHERE customer_id IN (SELECT customer_id FROM _few_ids)"
            )
    engine.execute(
        f"""CREATE OR REPLACE TEMP TABLE {names["order_items"]} AS SELECT {_READ["order_items"]}
        FROM order_items i JOIN {names["orders"]} o USING (order_id)"""
    )
    try:
        yield names
    finally:
        for name in names.values():
            engine.execute(f"DROP TABLE IF EXISTS {name}")


def restricted(src: Sources, customers: Sequence[str]) -> Sources:
    """`src` cut down to the rows of `customers` (ids), for a few customers' features.

    The same expressions as everyone's run on these relations. Every feature is an
    aggregate of one customer's own rows, so on them each equals the full computation's;
    order lines follow their orders.
    """
    ids = list(customers)
    orders = src.orders.filter(src.orders.customer_id.isin(ids))
    return Sources(
        customers=src.customers.filter(src.customers.customer_id.isin(ids)),
        orders=orders,
        items=src.items.semi_join(orders.select("order_id"), "order_id"),
        events=src.events.filter(src.events.customer_id.isin(ids)),
        tickets=src.tickets.filter(src.tickets.customer_id.isin(ids)),
    )


EPOCH = dt.date(1970, 1, 1)
# The customer's own fields a rule reads (segments.rules.vocabulary.PROFILE), as stored.
_PROFILE_STORED = ("gender", "birthday", "city", "province", "channel")
_CONSENTS = ("consent_email", "consent_sms", "consent_wecom")


def rule_table(
    engine: Engine,
    run_id: int,
    *,
    timezone: str,
    rows: ir.Table | None = None,
    as_of: dt.date | None = None,
) -> ir.Table:
    """What segment rules read: one row per customer of run `run_id`'s snapshot.

    Parameters
    ----------
    engine : Engine
        The workspace's database, or with `rows` and `as_of` the engine of a run's
        canonical tables.
    run_id : int
        The run whose snapshot and as_of the rules read.
    timezone : str
        The workspace time zone (IANA name): ``signup_date`` is signup_at's local date.
    rows, as_of : optional
        The live view's rows of a few customers (snapshot columns), and its day, read
        instead of the run's snapshot and as_of.

    Returns
    -------
    ibis.expr.types.Table
        ``customer_id``, every snapshot column but run_id and value_parts, and the
        profile: gender, age (whole years at as_of; empty without a birthday), birthday,
        city, province, channel, signup_date, consent_email/sms/wecom and as_of. A
        customer without a customers row has empty profile fields.

    Raises
    ------
    NotFoundError
        There is no run `run_id` (``run.not_found``).
    """
    as_of = as_of or _as_of(engine, run_id)
    day = _day_of(
        utc_offsets(timezone, *_span(engine, (("customers", "signup_at"),))), DIALECTS[engine.kind]
    )
    with engine.mapped():
        customers = engine.table("customers")
        run = rows if rows is not None else _run_rows(engine.table("snapshots"), run_id)
    people = customers.select(
        "customer_id", *_PROFILE_STORED, *_CONSENTS, signup_day=day(customers.signup_at)
    )
    columns = [c.name for c in SNAPSHOT_COLUMNS if c.name not in NOT_IN_RULES]
    joined = run.select("customer_id", *columns).left_join(people, "customer_id")
    return joined.select(
        "customer_id",
        *columns,
        *_PROFILE_STORED[:1],
        age=age_at(joined.birthday, as_of),
        **{name: joined[name] for name in _PROFILE_STORED[1:]},
        signup_date=ibis.literal(EPOCH) + joined.signup_day.as_interval("D"),
        **{name: joined[name] for name in _CONSENTS},
        as_of=ibis.literal(as_of, "date"),
    )


def _run_rows(snapshots: ir.Table, run_id: int) -> ir.Table:
    return snapshots.filter(snapshots.run_id == ibis.literal(run_id, "int32"))


def _as_of(engine: Engine, run_id: int) -> dt.date:
    with engine.mapped():
        runs = engine.table("runs")
    found = execute(engine, runs.select("run_id", "as_of").order_by("run_id")).to_pylist()
    for run in found:
        if run["run_id"] == run_id:
            return run["as_of"]  # type: ignore[no-any-return]
    raise NotFoundError(
        "run.not_found",
        location=Location(field="run"),
        run=run_id,
        runs=", ".join(str(run["run_id"]) for run in found),
    )


def age_at(birthday: ir.DateValue, as_of: dt.date) -> ir.IntegerValue:
    """Whole years from `birthday` to `as_of`: one less until the birthday comes round."""
    before = birthday.month() * 100 + birthday.day() > as_of.month * 100 + as_of.day
    return (as_of.year - birthday.year() - ibis.ifelse(before, 1, 0)).cast("int64")


def stream(engine: Engine, expression: ir.Table, *, rows: int) -> Iterator[pa.Table]:
    """The rows of an expression, `rows` at a time: memory holds one chunk, whatever the length.

    Read inside a transaction of the caller's, the chunks are of one state of the data.
    """
    check(DIALECTS[engine.kind], expression)
    with _compiled(engine):
        yield from engine.batches(expression, rows=rows)


def execute(engine: Engine, expression: ir.Table) -> pa.Table:
    """Run an expression built on `sources` and return its rows as Arrow.

    The one place an expression executes, so an engine's failure inside it (out of memory,
    a damaged file, an operation it cannot do) is mapped like any other statement's.
    """
    check(DIALECTS[engine.kind], expression)
    with _compiled(engine):
        return engine.to_arrow(expression)


def write_parquet(engine: Engine, expression: ir.Table, path: str) -> None:
    """Write an expression's rows as Parquet at `path`, by the engine, where its data is.

    A file on DuckDB; on Spark a folder of its workers' files (a lake's table).
    """
    check(DIALECTS[engine.kind], expression)
    with engine.mapped(), _compiled(engine):
        engine.ibis().to_parquet(expression, path)


@contextmanager
def _compiled(engine: Engine) -> Iterator[None]:
    """Ibis's refusal to compile an operation for the engine, as `store.unsupported`."""
    try:
        yield
    except TranslationError as exc:  # not supported, or no rule to compile it
        named = re.search(r"'(\w+)'", str(exc))  # ibis quotes the operation's name
        raise EngineError(
            "store.unsupported",
            location=Location(field="expression"),
            engine=DIALECTS[engine.kind].name,
            operation=named[1] if named else "an operation",
            reason=str(exc),
        ) from exc
