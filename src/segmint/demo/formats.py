"""How Chinese shop systems write times, dates, money and phone numbers, built vectorized.

Each writer takes NumPy values and a form number per row and returns Arrow strings;
rows of one form are formatted together (fixed-width forms as byte matrices, the others
with Arrow string kernels), so ten million cells take seconds, not minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from segmint.demo.clock import SECOND_US, SHANGHAI_UTC_OFFSET_US
from segmint.demo.columns import concat, fixed_text

Ints = npt.NDArray[np.int64]
Builder = Callable[[Ints], pa.Array]  # row indices -> the strings of those rows
Pieces = list[str | tuple[Ints, int]]  # for columns.fixed_text

# Forms, in the order of the form numbers the writers take.
TIME_FORMS = ("2024-03-05 14:03:00", "2024/3/5 14:03", "2024年3月5日 14:03", "20240305")
DATE_FORMS = ("1990-03-05", "1990/3/5", "1990年3月5日", "19900305")
MONEY_FORMS = ("1234.50", "￥1,234.50", "￥1234.5", "1234.50元")  # GBK has no half-width ¥
PHONE_FORMS = ("+86 138 0013 8000", "138-0013-8000", "13800138000")


def civil(days: Ints) -> tuple[Ints, Ints, Ints]:
    """Year, month and day of days since 1970-01-01."""
    d = days.astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    index = months.astype(np.int64)
    return index // 12 + 1970, index % 12 + 1, (d - months).astype(np.int64) + 1


def _clock_parts(us: Ints, offset_us: int) -> tuple[Ints, ...]:
    seconds = (us + offset_us) // SECOND_US
    days, of_day = np.divmod(seconds, 86_400)
    return (*civil(days), of_day // 3_600, of_day // 60 % 60, of_day % 60)


def local_parts(us: Ints) -> tuple[Ints, ...]:
    """Year, month, day, hour, minute and second of each UTC time in Shanghai."""
    return _clock_parts(us, SHANGHAI_UTC_OFFSET_US)


def iso_utc(us: Ints) -> pa.Array:
    """'2024-03-05T06:03:00Z' for each UTC microsecond time."""
    y, mo, d, h, mi, s = _clock_parts(us, 0)
    pieces: Pieces = [(y, 4), "-", (mo, 2), "-", (d, 2), "T", (h, 2), ":", (mi, 2), ":"]
    return fixed_text([*pieces, (s, 2), "Z"], us.size)


def local_times(us: Ints, form: Ints) -> pa.Array:
    """Each UTC time as local Shanghai time in its row's TIME_FORMS form."""
    y, mo, d, h, mi, s = local_parts(us)

    def dashed(r: Ints) -> pa.Array:
        pieces: Pieces = [(y[r], 4), "-", (mo[r], 2), "-", (d[r], 2), " ", (h[r], 2), ":"]
        return fixed_text([*pieces, (mi[r], 2), ":", (s[r], 2)], r.size)

    def slashed(r: Ints) -> pa.Array:
        minutes = fixed_text([":", (mi[r], 2)], r.size)
        return concat(_text(y[r]), "/", _text(mo[r]), "/", _text(d[r]), " ", _text(h[r]), minutes)

    def chinese(r: Ints) -> pa.Array:
        date = concat(_text(y[r]), "年", _text(mo[r]), "月", _text(d[r]), "日 ")
        return concat(date, _text(h[r]), fixed_text([":", (mi[r], 2)], r.size))

    def compact(r: Ints) -> pa.Array:
        return fixed_text([(y[r], 4), (mo[r], 2), (d[r], 2)], r.size)

    return by_form(form, [dashed, slashed, chinese, compact])


def local_dates(days: Ints, form: Ints) -> pa.Array:
    """Each date (days since 1970-01-01) in its row's DATE_FORMS form."""
    y, mo, d = civil(days)
    return by_form(
        form,
        [
            lambda r: fixed_text([(y[r], 4), "-", (mo[r], 2), "-", (d[r], 2)], r.size),
            lambda r: concat(_text(y[r]), "/", _text(mo[r]), "/", _text(d[r])),
            lambda r: concat(_text(y[r]), "年", _text(mo[r]), "月", _text(d[r]), "日"),
            lambda r: fixed_text([(y[r], 4), (mo[r], 2), (d[r], 2)], r.size),
        ],
    )


def plain_money(cents: Ints) -> pa.Array:
    """'1234.50' for each non-negative amount in cents."""
    return concat(_text(cents // 100), fixed_text([".", (cents % 100, 2)], cents.size))


def money(cents: Ints, form: Ints) -> pa.Array:
    """Each non-negative amount in cents in its row's MONEY_FORMS form."""
    yuan, fen = cents // 100, cents % 100

    def trimmed(r: Ints) -> pa.Array:
        tenths = pa.array(fen[r] % 10 == 0)
        decimals = pc.if_else(
            tenths, concat(".", _text(fen[r] // 10)), fixed_text([".", (fen[r], 2)], r.size)
        )
        decimals = pc.if_else(pa.array(fen[r] == 0), "", decimals)
        return concat("￥", _text(yuan[r]), decimals)

    return by_form(
        form,
        [
            lambda r: plain_money(cents[r]),
            lambda r: concat("￥", _grouped(yuan[r]), fixed_text([".", (fen[r], 2)], r.size)),
            trimmed,
            lambda r: concat(plain_money(cents[r]), "元"),
        ],
    )


def phones(digits: pa.Array, form: Ints) -> pa.Array:
    """Each 11-digit mobile number in its row's PHONE_FORMS form."""

    def part(r: Ints, start: int, stop: int) -> pa.Array:
        return pc.utf8_slice_codeunits(digits.take(pa.array(r)), start, stop)

    return by_form(
        form,
        [
            lambda r: concat("+86 ", part(r, 0, 3), " ", part(r, 3, 7), " ", part(r, 7, 11)),
            lambda r: concat(part(r, 0, 3), "-", part(r, 3, 7), "-", part(r, 7, 11)),
            lambda r: digits.take(pa.array(r)),
        ],
    )


def by_form(form: Ints, builders: Sequence[Builder]) -> pa.Array:
    """Build the strings of each form's rows together, then put every row back in place."""
    order = np.argsort(form.astype(np.int8), kind="stable")  # a radix sort for int8
    bounds = np.cumsum(np.bincount(form, minlength=len(builders)))
    pieces = [
        builders[f](order[lo:hi]).cast(pa.string())
        for f, (lo, hi) in enumerate(zip([0, *bounds[:-1]], bounds, strict=True))
    ]
    inverse = np.empty(form.size, dtype=np.int64)
    inverse[order] = np.arange(form.size)
    return pa.chunked_array(pieces, pa.string()).take(pa.array(inverse)).combine_chunks()


def write_csv(
    table: pa.Table,
    path: Path,
    *,
    encoding: str,
    quoted: Collection[str] | None = None,
    chunk_rows: int = 500_000,
) -> None:
    """Write a table of strings as shop systems write CSV: quotes only where needed, CRLF.

    Rows are joined into lines with Arrow and encoded `chunk_rows` at a time, so a file of
    ten million rows needs neither Python's csv module nor the whole text in memory.
    Only the columns named in `quoted` are searched for commas and quotes (all when None).
    """
    check = set(table.column_names if quoted is None else quoted)
    with path.open("wb") as out:
        out.write((",".join(table.column_names) + "\r\n").encode(encoding))
        for start in range(0, table.num_rows, chunk_rows):
            lines = _csv_lines(table.slice(start, chunk_rows), check)
            out.write(lines.encode(encoding))


def _csv_lines(table: pa.Table, check: set[str]) -> str:
    parts: list[pa.ChunkedArray | str] = []
    for name, column in zip(table.column_names, table.columns, strict=True):
        cells = _quoted(column) if name in check else column
        parts += [pc.fill_null(cells, "") if cells.null_count else cells, ","]
    parts[-1] = "\r\n"
    lines = pc.binary_join_element_wise(*parts, "")
    array = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int32)
    first, last = offsets[array.offset], offsets[array.offset + len(array)]
    return str(memoryview(array.buffers()[2])[first:last], "utf-8")


def _quoted(cells: pa.ChunkedArray) -> pa.Array:
    """Cells with a comma or a quote in double quotes, inner quotes doubled."""
    cells = cells.combine_chunks() if isinstance(cells, pa.ChunkedArray) else cells
    need = pc.fill_null(pc.match_substring_regex(cells, '[,"]'), False)
    rows = np.flatnonzero(np.asarray(need.to_numpy(zero_copy_only=False), dtype=bool))
    if rows.size == 0:
        return cells
    some = pc.replace_substring(cells.take(pa.array(rows)), '"', '""')
    return pc.replace_with_mask(cells, need, concat('"', some, '"'))


def _text(values: Ints) -> pa.Array:
    return pa.array(values).cast(pa.string())


def _pad(values: Ints, width: int) -> pa.Array:
    return pc.utf8_lpad(_text(values), width=width, padding="0")


def _grouped(yuan: Ints) -> pa.Array:
    """'1,234,567': thousands separated by commas."""
    big = yuan >= 1_000
    if not big.any():
        return _text(yuan)
    head = _grouped(yuan // 1_000)
    return pc.if_else(pa.array(big), concat(head, ",", _pad(yuan % 1_000, 3)), _text(yuan))
