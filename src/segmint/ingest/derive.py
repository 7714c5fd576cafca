"""A platform export's rows as the rows of one table it fills, column by column.

Each canonical column of a preset's part becomes one text column of the batch, named
`DERIVED` + the column, made from its `Source`: the first filled of its headers, a part
of the cell (`pattern`), or a difference of amounts (`minus`); cells the platform writes
for "empty" ("-", "——") are empty. The file's own columns stay in the batch, so a bad
row goes to the quarantine as the file wrote it. The derived columns are then parsed and
checked like any import's (`ingest.validate`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmint.ingest import parse
from segmint.ingest.batches import Batch
from segmint.ingest.mapping import HeaderMap, fold
from segmint.ingest.platforms import Part, Preset, Source

DERIVED = "_"  # a bookkeeping prefix: never kept as an extra attribute, never quarantined
LATEST = "_at"  # customers from an order export: the time of the order they come from


@dataclass(slots=True)
class FirstRows:
    """Which rows start an order, in an export of one row per line item.

    The order's own fields (total, status, buyer) are on its first row; the rows after it
    repeat them or leave them empty. Orders seen in an earlier batch are remembered.
    """

    seen: set[str] = field(default_factory=set)

    def mask(self, ids: pa.Array) -> pa.Array:
        """True for each row whose order id was not seen before (empty ids count as new)."""
        flags = np.ones(len(ids), dtype=bool)
        for i, value in enumerate(ids.to_pylist()):
            if value is not None:
                flags[i] = value not in self.seen
                self.seen.add(value)
        return pa.array(flags)


@dataclass(frozen=True, slots=True)
class Layout:
    """How one part of a preset reads one file."""

    preset: Preset
    part: Part
    headers: Mapping[str, str]  # folded header -> the header as the file writes it
    first_rows: FirstRows | None = None  # set when the part takes only each order's first row

    def header_map(self) -> HeaderMap:
        """The canonical columns this part fills, each from its derived column."""
        return HeaderMap(columns={c: DERIVED + c for c in self.part.columns}, unmapped=())


def file_headers(headers: tuple[str, ...]) -> dict[str, str]:
    """The file's headers by their folded form (the first of two that fold alike)."""
    found: dict[str, str] = {}
    for header in headers:
        found.setdefault(fold(header), header)
    return found


def rows(batch: Batch, layout: Layout) -> Batch:
    """`batch` with the derived columns of `layout`'s part appended (its rows only)."""
    if layout.first_rows is not None:
        order = layout.preset.part("orders")
        ids = _cells(batch.data, order.columns["order_id"] if order else None, layout)
        keep = layout.first_rows.mask(parse.parse_ids(ids).values)
        batch = Batch(batch.data.filter(keep), batch.rows[keep.to_numpy(zero_copy_only=False)])
    data = batch.data
    for column, source in _sources(layout).items():
        cells = _cells(data, source, layout)
        if column == "status" and layout.preset.cancelled_when:
            cancelled = _first_filled(data, (layout.preset.cancelled_when,), layout)
            cells = pc.if_else(pc.is_valid(cancelled), "cancelled", cells)
        data = data.append_column(DERIVED + column, cells)
    return Batch(data, batch.rows)


def _sources(layout: Layout) -> dict[str, Source]:
    """The part's sources; customers of an order export also read their order's time."""
    sources = dict(layout.part.columns)
    orders = layout.preset.part("orders")
    if layout.part.kind == "customers" and orders is not None:
        sources[LATEST.removeprefix(DERIVED)] = orders.columns["ordered_at"]
    return sources


def _cells(data: pa.RecordBatch, source: Source | None, layout: Layout) -> pa.Array:
    """The text cells of `source` in `data` (null where empty); all null if it is absent."""
    if source is None:
        return pa.nulls(data.num_rows, pa.string())
    text = _first_filled(data, source.headers, layout, ignore=source.ignore)
    if source.pattern is not None:
        text = pc.struct_field(pc.extract_regex(text, source.pattern), "value")
    if source.minus is not None:
        text = _difference(text, _first_filled(data, (source.minus,), layout))
    return text


def _first_filled(
    data: pa.RecordBatch, headers: tuple[str, ...], layout: Layout, *, ignore: tuple[str, ...] = ()
) -> pa.Array:
    found = [_column(data, header, layout, (*layout.preset.blanks, *ignore)) for header in headers]
    present = [column for column in found if column is not None]
    if not present:
        return pa.nulls(data.num_rows, pa.string())
    return pc.coalesce(*present) if len(present) > 1 else present[0]


def _column(
    data: pa.RecordBatch, header: str, layout: Layout, blanks: tuple[str, ...]
) -> pa.Array | None:
    name = layout.headers.get(fold(header))
    if name is None:
        return None
    text = parse.parse_text(parse.unprotected(data.column(name))).values
    if blanks:
        empty = pc.is_in(text, value_set=pa.array(blanks, pa.string()))
        text = pc.if_else(empty, pa.scalar(None, pa.string()), text)
    return text


def _difference(total: pa.Array, paid: pa.Array) -> pa.Array:
    """`total` less `paid` as text: zero when `paid` is not less; empty when nothing was paid.

    An order never paid for (pending, closed) was not discounted: it was not bought.
    """
    paid_money = parse.parse_money(paid).values
    gap = pc.subtract(parse.parse_money(total).values, paid_money)
    zero = pa.scalar(0, gap.type)
    gap = pc.if_else(pc.less(gap, zero), zero, gap)
    unpaid = pc.equal(paid_money, pa.scalar(0, paid_money.type))
    return pc.cast(pc.if_else(unpaid, pa.scalar(None, gap.type), gap), pa.string())
