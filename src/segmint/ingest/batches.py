"""What every reader yields: record batches with row numbers, from a file opened once."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from segmint.core.errors import InputError, Location, Problem

SAMPLE_BYTES = 1024 * 1024  # read up front for the encoding and the header
HEADER_SEARCH_ROWS = 10  # a header below a title is looked for in this many filled rows
Stream = Callable[["FileReader"], Iterator["Batch"]]


@dataclass(frozen=True, slots=True)
class HeaderRule:
    """Which row of a CSV or XLSX file holds the headers.

    `row` (``--header-row``, 1-based as a spreadsheet shows it) names it. Otherwise the
    first filled row that `accepts` is the header, among the first `HEADER_SEARCH_ROWS`
    filled rows; without `accepts`, the first filled row.
    """

    row: int | None = None
    accepts: Callable[[Sequence[str]], bool] | None = None


def choose_header(
    rows: Iterable[tuple[int, Sequence[str]]], rule: HeaderRule, *, label: str
) -> tuple[int, Sequence[str]] | None:
    """The header row's number and cells among numbered `rows`; None when all are blank.

    Raises `InputError` when `rule.row` is blank or past the end, and when no row is
    accepted while the first filled row holds a single cell above wider rows: a title
    such as "2026年会员名单" over the real header.
    """
    seen: list[tuple[int, Sequence[str]]] = []
    last = 0
    for number, cells in rows:
        last = number
        filled = any(cell.strip() for cell in cells)
        if rule.row is not None:
            if number == rule.row and filled:
                return number, cells
            if number >= rule.row:
                break
        elif filled:
            if rule.accepts is None or rule.accepts(cells):
                return number, cells
            seen.append((number, cells))
            if len(seen) == HEADER_SEARCH_ROWS:
                break
    if rule.row is not None:
        where = Location(file=label, field="--header-row")
        raise InputError("ingest.header_row_missing", location=where, row=rule.row, last=last)
    if seen and _is_title(seen):
        number, cells = seen[0]
        title = next(cell.strip() for cell in cells if cell.strip())
        raise InputError(
            "ingest.no_header_row",
            location=Location(file=label, row=number),
            rows=len(seen),
            title_row=number,
            title=title,
        )
    return seen[0] if seen else None


def _is_title(rows: list[tuple[int, Sequence[str]]]) -> bool:
    def width(cells: Sequence[str]) -> int:
        return sum(1 for cell in cells if cell.strip())

    return width(rows[0][1]) == 1 and any(width(cells) > 1 for _, cells in rows[1:])


@dataclass(frozen=True, slots=True)
class Batch:
    """Up to `batch_rows` records of a file and the row number of each.

    Attributes
    ----------
    data : pyarrow.RecordBatch
        Columns named by the file's headers, in file order: strings for CSV
        and XLSX, the file's own types for Parquet and JSON Lines.
    rows : numpy.ndarray of int64
        Each record's row as a spreadsheet shows it (header = row 1) for CSV
        and XLSX, its line for JSON Lines, its 1-based number for Parquet.
    """

    data: pa.RecordBatch
    rows: npt.NDArray[np.int64]


@dataclass(slots=True, eq=False)
class FileReader:
    """An opened file; iterating reads it from the start, batch by batch.

    Attributes
    ----------
    path, size_bytes, batch_rows
        Where the file is, its size, and the most records a batch holds.
    name : str
        The file name as the user gave it, for messages.
    format : str
        ``"csv"``, ``"xlsx"``, ``"parquet"`` or ``"jsonl"``.
    headers : tuple of str
        Column names as in the file, without BOM or surrounding spaces. For
        JSON Lines, the fields of the first megabyte in order of appearance;
        a field first seen later follows them in the batches that have it.
    encoding, delimiter, sheet : str or None
        Text encoding and delimiter of a CSV file; worksheet of an XLSX file.
    skipped : list of Problem
        Rows of the wrong shape the last iteration skipped (``ingest.bad_row_shape``).
    bytes_read : int
        Progress of the current iteration in bytes of the file (approximate).
    """

    path: Path
    name: str
    format: str
    headers: tuple[str, ...]
    size_bytes: int
    batch_rows: int
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    skipped: list[Problem] = field(default_factory=list)
    # (header, first position, repeated position) of each header the file repeats; the
    # repeat is named "header #position" in `headers`
    repeated: list[tuple[str, int, int]] = field(default_factory=list)
    bytes_read: int = 0
    _stream: Stream = field(kw_only=True, repr=False)

    def __iter__(self) -> Iterator[Batch]:
        self.skipped.clear()
        self.bytes_read = 0
        return self._stream(self)


def rebatch(batches: Iterator[Batch], limit: int) -> Iterator[Batch]:
    """Batches of `limit` records (the last may have fewer) from batches of any size."""
    pending: list[Batch] = []
    count = 0
    for batch in batches:
        pending.append(batch)
        count += len(batch.rows)
        if count >= limit:
            joined, full = concat(pending), count - count % limit
            for start in range(0, full, limit):  # zero-copy slices
                yield Batch(joined.data.slice(start, limit), joined.rows[start : start + limit])
            pending, count = [Batch(joined.data.slice(full), joined.rows[full:])], count - full
    if count:
        yield concat(pending)


def concat(batches: list[Batch]) -> Batch:
    """One batch holding the records of `batches`, in order."""
    data = pa.concat_batches([batch.data for batch in batches])
    return Batch(data, np.concatenate([batch.rows for batch in batches]))
