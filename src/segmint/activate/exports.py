"""Exports: a table to CSV (UTF-8 with BOM, so Excel shows Chinese), Parquet or Excel.

The file appears whole or not at all: it is written beside the target and renamed. An
existing file is replaced only when asked (`core.files`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from segmint.core import files
from segmint.core.errors import InputError

EXCEL_MAX_ROWS = 1_048_575  # one row of the sheet is the header
BOM = "\ufeff".encode()


def _csv(table: pa.Table, path: Path) -> None:
    with path.open("wb") as f:
        f.write(BOM)
        pacsv.write_csv(table, f)


def _parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path)


def _xlsx(table: pa.Table, path: Path) -> None:
    import xlsxwriter  # imported here: only Excel exports need it

    if table.num_rows > EXCEL_MAX_ROWS:
        raise InputError(
            "export.too_many_rows",
            rows=f"{table.num_rows:,}",
            most=f"{EXCEL_MAX_ROWS:,}",
        )
    # The file is opened here, first: xlsxwriter would open it only at close(), after it
    # has spooled the sheet to temporary files that a failed open then leaks.
    with path.open("wb") as target:
        _write_book(xlsxwriter.Workbook(target, {"constant_memory": True}), table)


def _write_book(book: Any, table: pa.Table) -> None:
    sheet = book.add_worksheet("snapshot")
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, table.column_names)
    rows = (row for batch in table.to_batches(max_chunksize=10_000) for row in batch.to_pylist())
    for r, row in enumerate(rows, start=1):  # a batch at a time: the sheet streams too
        for c, value in enumerate(row.values()):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
            elif isinstance(value, decimal.Decimal):
                sheet.write_number(r, c, float(value))
            elif value is not None:
                sheet.write(r, c, value)
    book.close()


WRITERS: dict[str, Callable[[pa.Table, Path], None]] = {
    ".csv": _csv,
    ".parquet": _parquet,
    ".xlsx": _xlsx,
}


def widen(table: pa.Table, long: pa.Table, *, prefix: str, fill: object) -> pa.Table:
    """`table` with one column per value of `long`'s second column: ``prefix + value``.

    `long` is (customer_id, name, value); customers without a row get `fill`.
    """
    key, name, value = long.column_names
    position = pc.index_in(long[key], table["customer_id"]).to_numpy(zero_copy_only=False)
    values = long[value].to_numpy(zero_copy_only=False)
    for label in sorted(pc.unique(long[name]).to_pylist()):
        column = np.full(table.num_rows, fill, dtype=values.dtype)
        rows = pc.equal(long[name], label).to_numpy(zero_copy_only=False)
        column[position[rows].astype(np.int64)] = values[rows]
        table = table.append_column(f"{prefix}{label}", pa.array(column))
    return table


def check_target(path: Path, *, force: bool = False) -> None:
    """Refuse, before any work, a `path` that `export` could not write or must not replace."""
    files.check_new_file(path, force=force)
    if path.suffix.lower() not in WRITERS:
        raise InputError(
            "export.bad_format",
            path=path,
            formats=", ".join(WRITERS),
        )


def export(table: pa.Table, path: Path, *, force: bool = False) -> Path:
    """Write `table` to `path` in the format its suffix names; return the path.

    An existing file is replaced only with `force`.
    """
    check_target(path, force=force)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with files.writing(path):
            WRITERS[path.suffix.lower()](table, partial)
            os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
