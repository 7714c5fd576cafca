"""What every reader yields: record batches with row numbers, from a file opened once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from segmint.core.errors import Problem

SAMPLE_BYTES = 1024 * 1024  # read up front for the encoding and the header
Stream = Callable[["FileReader"], Iterator["Batch"]]


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
