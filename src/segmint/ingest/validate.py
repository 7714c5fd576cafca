"""Row checks: one batch of raw cells in, checked canonical rows and every problem out.

Each cell is parsed by its column's kind; a row is bad when a required cell is empty, a
cell does not parse, is out of range, an id holds a control character, a time lies
before the plausible floor or after the moment of import, or an order's refund exceeds
its amount. Good rows go on; the problems name the bad ones, whose original cells the
importer keeps for the quarantine file. Nothing here touches files or the database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from segmint.core import i18n
from segmint.core.errors import Location, Problem
from segmint.core.schema import TABLES, Column, Kind
from segmint.ingest import parse
from segmint.ingest.batches import Batch
from segmint.ingest.mapping import VALUE_SYNONYMS, HeaderMap

Parser = Callable[[pa.Array], parse.Parsed]

# Inputs whose headers start with this are our own bookkeeping (e.g. a fixed quarantine file).
BOOKKEEPING_PREFIX = "_"
# Unicode category Cc: C0 controls, DEL and C1 controls. A NUL or an escape inside an id
# makes two ids that print alike but never match, so such a row is quarantined.
CONTROL_CHARACTERS = r"[\x00-\x1f\x7f-\x9f]"
# Birthdays are not held to `import.earliest_date` (people were born before 2000), but
# one before this is a placeholder, not a date of birth.
EARLIEST_BIRTHDAY = dt.date(1900, 1, 1)


@dataclass(frozen=True, slots=True)
class Context:
    """What a check needs besides the cells: where they come from and when the import runs."""

    kind: str
    file: str
    headers: HeaderMap
    timezone: str
    currency: str
    now: dt.datetime  # the moment of import (aware): nothing may be dated after it
    earliest: dt.date  # the plausible floor of times (import.earliest_date)
    excel_serial: bool = False  # numbers in date columns are Excel serial dates (XLSX)
    excel_text: bool = False  # cells may be written for Excel: ="0123", '0123 (CSV, XLSX)
    # Words of enum columns (a platform's statuses) -> canonical values.
    vocabulary: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: VALUE_SYNONYMS)

    @property
    def today(self) -> dt.date:
        """The local day of the import in the workspace's time zone."""
        return self.now.astimezone(ZoneInfo(self.timezone)).date()


@dataclass(frozen=True, slots=True)
class Checked:
    """The outcome for one batch."""

    data: pa.Table  # good rows: staged canonical columns + `_row`
    problems: list[Problem]  # every problem, in row order (the bad rows' numbers)


def staged_columns(ctx: Context) -> list[str]:
    """The canonical columns this file sets: mapped ones, defaults, and derived ids."""
    table = TABLES[ctx.kind]
    names = [
        c.name
        for c in table.columns
        if c.name in ctx.headers.columns
        or c.default is not None
        or (c.name == "currency")
        or (c.name == table.extra and _extras(ctx))
        or (c.name == "event_id")
    ]
    return names


def check_batch(batch: Batch, ctx: Context) -> Checked:
    """Parse and check every cell of `batch`; split it into good rows and problems."""
    table = TABLES[ctx.kind]
    n = batch.data.num_rows
    bad = np.zeros(n, dtype=bool)
    problems: list[Problem] = []
    out: dict[str, pa.Array] = {}
    for name in staged_columns(ctx):
        column = table.column(name)
        header = ctx.headers.columns.get(name)
        if name == table.extra and header is None:
            out[name] = _extras_json(batch.data, _extras(ctx))
            continue
        if header is None:
            out[name] = _constant(column, ctx, n)
            continue
        raw = batch.data.column(header)
        values, flags = _check_column(column, raw, ctx, batch, problems)
        out[name] = values
        bad |= flags
    if ctx.kind == "orders" and "refund" in ctx.headers.columns:
        bad |= _settle_refunds(out, bad, ctx, batch, problems)
    problems.sort(key=lambda p: p.location.row or 0)
    good = pa.Table.from_pydict({**out, "_row": pa.array(batch.rows, pa.int64())})
    return Checked(good.filter(pa.array(~bad)), problems)


def _check_column(
    column: Column, raw: pa.Array, ctx: Context, batch: Batch, problems: list[Problem]
) -> tuple[pa.Array, npt.NDArray[np.bool_]]:
    parsed = _parser(column, ctx)(parse.unprotected(raw) if ctx.excel_text else raw)
    values = parsed.values
    if column.default is not None:
        values = pc.fill_null(values, _default(column, ctx))
    flags = parsed.bad.copy()
    _report(problems, parsed.bad, parsed.code, column, raw, ctx, batch)
    checks: list[tuple[str, npt.NDArray[np.bool_], dict[str, object]]] = []
    missing = _null(values) & ~parsed.bad
    if column.required:
        checks.append(("ingest.missing_value", missing, {}))
    if column.low is not None or column.high is not None:
        checks.append(("ingest.out_of_range", _outside(values, column), _range(column)))
    if column.kind == Kind.ID:
        checks.append(("ingest.control_character", _controls(raw), {}))
    if column.kind in (Kind.TIMESTAMP, Kind.DATE):
        checks += _time_checks(column, values, ctx)
    for code, hit, params in checks:
        hit = hit & ~flags
        _report(problems, hit, code, column, raw, ctx, batch, **params)
        flags |= hit
    return values, flags


def _settle_refunds(
    out: dict[str, pa.Array],
    bad: npt.NDArray[np.bool_],
    ctx: Context,
    batch: Batch,
    problems: list[Problem],
) -> npt.NDArray[np.bool_]:
    """An order refunded in full is refunded; a refund above the amount paid is bad.

    A partial refund leaves the status as it is: revenue is the amount net of it
    (`core.schema.NET_AMOUNT`). Returns the rows found bad here.
    """
    amount, refund = out["amount"], out["refund"]
    paid_back = pc.greater(refund, pa.scalar(0, refund.type))
    over = parse.flags(pc.and_(paid_back, pc.greater(refund, amount))) & ~bad
    column = TABLES["orders"].column("refund")
    raw = batch.data.column(ctx.headers.columns["refund"])
    _report(problems, over, "ingest.refund_exceeds_amount", column, raw, ctx, batch)
    full = pc.fill_null(pc.and_(paid_back, pc.equal(refund, amount)), False)
    out["status"] = pc.if_else(full, "refunded", out["status"])
    return over


def _parser(column: Column, ctx: Context) -> Parser:
    by_kind: dict[Kind, Parser] = {
        Kind.ID: parse.parse_ids,
        Kind.TEXT: parse.parse_text,
        Kind.JSON: parse.parse_text,
        Kind.TIMESTAMP: partial(
            parse.parse_timestamps, timezone=ctx.timezone, excel_serial=ctx.excel_serial
        ),
        Kind.DATE: partial(parse.parse_dates, excel_serial=ctx.excel_serial),
        Kind.MONEY: parse.parse_money,
        Kind.INT: parse.parse_ints,
        Kind.BOOL: parse.parse_bools,
        Kind.PHONE: parse.parse_phones,
        Kind.EMAIL: parse.parse_emails,
        Kind.ENUM: partial(
            parse.parse_enum,
            synonyms=ctx.vocabulary.get(column.name, {}),
            values=column.values,
        ),
    }
    return by_kind[column.kind]


def _report(
    problems: list[Problem],
    hit: npt.NDArray[np.bool_],
    code: str,
    column: Column,
    raw: pa.Array,
    ctx: Context,
    batch: Batch,
    **extra: object,
) -> None:
    for i in np.flatnonzero(hit):
        value = raw[int(i)].as_py()
        params: dict[str, object] = {
            "field": column.name,
            "value": "" if value is None else value,
            **extra,
        }
        if code == "ingest.bad_value":
            params["allowed"] = ", ".join(column.values)
        if code == "ingest.control_character":
            params |= _shown_controls(str(value))
        row = int(batch.rows[i])
        problems.append(
            Problem(
                code,
                i18n.message(code, "en", **params),
                Location(file=ctx.file, row=row, field=column.name),
                params,
            )
        )


def _null(values: pa.Array) -> npt.NDArray[np.bool_]:
    return np.asarray(pc.is_null(values).to_numpy(zero_copy_only=False), dtype=bool)


def _outside(values: pa.Array, column: Column) -> npt.NDArray[np.bool_]:
    hit = np.zeros(len(values), dtype=bool)
    if column.low is not None:
        hit |= parse.flags(pc.less(values, _bound(column.low, values.type)))
    if column.high is not None:
        hit |= parse.flags(pc.greater(values, _bound(column.high, values.type)))
    return hit


def _bound(value: float, type_: pa.DataType) -> pa.Scalar:
    exact = Decimal(str(value)) if pa.types.is_decimal(type_) else int(value)
    return pa.scalar(exact, type_)


def _range(column: Column) -> dict[str, object]:
    return {"low": column.low, "high": column.high if column.high is not None else "∞"}


def _controls(raw: pa.Array) -> npt.NDArray[np.bool_]:
    """Ids holding a control character once trimmed (a tab after an id is only padding)."""
    text = raw if pa.types.is_string(raw.type) else parse.parse_text(raw).values
    if not _may_hold_controls(text):
        return np.zeros(len(text), dtype=bool)
    trimmed = pc.utf8_trim_whitespace(text)
    return parse.flags(pc.match_substring_regex(trimmed, CONTROL_CHARACTERS))


def _may_hold_controls(text: pa.Array) -> bool:
    """Whether the array's bytes hold a control character anywhere (a quick pass, no regex).

    Nearly every file holds none, and one look at the bytes costs a tenth of the regex
    over every id. C0 and DEL are single bytes; C1 (U+0080-U+009F) is 0xC2 then 0x80-0x9F
    in UTF-8. Bytes outside a sliced array may answer yes: the regex then decides.
    """
    data = text.buffers()[2]
    if data is None:
        return False
    b = np.frombuffer(data, dtype=np.uint8)
    c1 = (b[:-1] == 0xC2) & (b[1:] >= 0x80) & (b[1:] <= 0x9F)
    return bool((b < 0x20).any() or (b == 0x7F).any() or c1.any())


def _shown_controls(value: str) -> dict[str, object]:
    """The value with each control character written as an escape, and the characters named."""
    found = sorted(set(re.findall(CONTROL_CHARACTERS, value)))
    shown = re.sub(CONTROL_CHARACTERS, lambda m: f"\\x{ord(m.group()):02x}", value)
    return {"value": shown, "characters": ", ".join(f"U+{ord(c):04X}" for c in found)}


def _time_checks(
    column: Column, values: pa.Array, ctx: Context
) -> list[tuple[str, npt.NDArray[np.bool_], dict[str, object]]]:
    """Before the plausible floor, or after the moment of import (a date: its local day)."""
    zone = ZoneInfo(ctx.timezone)
    if column.kind == Kind.DATE:
        floor = EARLIEST_BIRTHDAY if column.name == "birthday" else ctx.earliest
        low = pa.scalar(floor, pa.date32())
        high = pa.scalar(ctx.today, pa.date32())
        now_text = ctx.today.isoformat()
    else:
        floor = ctx.earliest
        midnight = dt.datetime(floor.year, floor.month, floor.day, tzinfo=zone)
        low = pa.scalar(midnight.astimezone(dt.UTC)).cast(values.type)
        high = pa.scalar(ctx.now.astimezone(dt.UTC)).cast(values.type)
        now_text = f"{ctx.now.astimezone(zone):%Y-%m-%d %H:%M:%S} ({ctx.timezone})"
    return [
        (
            "ingest.implausible_date",
            parse.flags(pc.less(values, low)),
            {"floor": floor.isoformat()},
        ),
        ("ingest.future_date", parse.flags(pc.greater(values, high)), {"now": now_text}),
    ]


def _default(column: Column, ctx: Context) -> pa.Scalar:
    """The column's default, parsed like any cell (currency comes from the settings)."""
    text = ctx.currency if column.name == "currency" else str(column.default)
    return _parser(column, ctx)(pa.array([text], pa.string())).values[0]


def _constant(column: Column, ctx: Context, n: int) -> pa.Array:
    if column.default is None and column.name != "currency":
        return pa.nulls(n, pa.string())
    value = _default(column, ctx)
    return pc.fill_null(pa.nulls(n, value.type), value)


def _extras(ctx: Context) -> tuple[str, ...]:
    return tuple(h for h in ctx.headers.unmapped if not h.startswith(BOOKKEEPING_PREFIX))


def _extras_json(data: pa.RecordBatch, headers: tuple[str, ...]) -> pa.Array:
    columns = {h: data.column(h).to_pylist() for h in headers}
    rows = (
        {h: v for h, v in zip(headers, values, strict=True) if v not in (None, "")}
        for values in zip(*columns.values(), strict=True)
    )
    return pa.array(
        [json.dumps(r, ensure_ascii=False, default=str) if r else None for r in rows], pa.string()
    )


def localized(problem: Problem, lang: str) -> str:
    """The problem's message in `lang` (English is stored; others are rendered on demand)."""
    return i18n.message(problem.code, lang, **problem.params)
