"""Exports: a table to CSV (UTF-8 with BOM, so Excel shows Chinese), Parquet or Excel.

The file appears whole or not at all: it is written beside the target and renamed. An
existing file is replaced only when asked (`core.files`). Long lists are written a chunk
at a time (`write_chunks`): CSV in UTF-8 with or without a BOM or in GB18030 (what
older Chinese tools read), JSON Lines, Parquet or Excel, with no cap on the rows but
Excel's own.
"""

from __future__ import annotations

import datetime as dt
import decimal
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from segmint.activate.streams import encoded
from segmint.core import files
from segmint.core.errors import InputError, Location

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
    """Write `table` as the book's one sheet (its rows in chunks: the sheet streams too)."""
    _write_sheet(book, [table], table.column_names, sheet_name="snapshot")


def _write_sheet(
    book: Any, chunks: Iterable[pa.Table], header: list[str], *, sheet_name: str
) -> None:
    sheet = book.add_worksheet(sheet_name)
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(0, 0, header)
    r = 0
    for chunk in chunks:
        if r + chunk.num_rows > EXCEL_MAX_ROWS:
            raise InputError(
                "export.too_many_rows", rows=f"> {EXCEL_MAX_ROWS:,}", most=f"{EXCEL_MAX_ROWS:,}"
            )
        for batch in chunk.to_batches(max_chunksize=10_000):
            for row in batch.to_pylist():
                r += 1
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


FORMATS = ("csv", "xlsx", "parquet", "jsonl")
ENCODINGS = ("utf-8-sig", "utf-8", "gb18030")  # of CSV; the others are UTF-8 by definition


def form_of(path: Path, form: str | None, encoding: str | None) -> tuple[str, str]:
    """The format (`form`, else the file's ending) and encoding of an export to `path`.

    Raises
    ------
    InputError
        An ending that is no format, a format the ending contradicts, an unknown
        encoding, or an encoding for a format that has its own (``export.bad_format``,
        ``export.format_mismatch``, ``export.bad_encoding``,
        ``export.encoding_not_for_format``).
    """
    ending = path.suffix.lower().lstrip(".")
    chosen = form or ending
    if chosen not in FORMATS or (ending in FORMATS and ending != chosen):
        code = "export.bad_format" if form is None else "export.format_mismatch"
        raise InputError(
            code,
            location=Location(field="format" if form else "out"),
            path=path,
            form=chosen,
            formats=", ".join(f".{f}" for f in FORMATS),
        )
    if encoding is not None and encoding not in ENCODINGS:
        raise InputError(
            "export.bad_encoding", location=Location(field="encoding"), encoding=encoding
        )
    if encoding is not None and chosen != "csv" and encoding != "utf-8":
        raise InputError(
            "export.encoding_not_for_format",
            location=Location(field="encoding"),
            encoding=encoding,
            form=chosen,
        )
    return chosen, encoding or ("utf-8-sig" if chosen == "csv" else "utf-8")


def write_chunks(
    chunks: Iterable[pa.Table],
    path: Path,
    *,
    schema: pa.Schema,
    form: str,
    encoding: str,
    force: bool = False,
) -> int:
    """Write `chunks` (tables of `schema`) to `path`, one at a time; the rows written.

    `form` and `encoding` as `form_of` gives them. Whole or not at all, like `export`.
    """
    files.check_new_file(path, force=force)
    counted = _Counted(chunks)

    def write(partial: Path) -> None:
        if form == "xlsx":
            _xlsx_chunks(counted, partial, schema)
            return
        with partial.open("wb") as f:
            for piece in encoded_file(counted, schema=schema, form=form, encoding=encoding):
                f.write(piece)

    files.whole(path, write)
    return counted.rows


def encoded_file(
    chunks: Iterable[pa.Table], *, schema: pa.Schema, form: str, encoding: str
) -> Iterator[bytes]:
    """The bytes of a file of `chunks` in `form` and `encoding`, a piece at a time.

    An Excel book is put together in a temporary file first (its format needs the whole
    sheet before the end of the file), then read out; the others are encoded as they go.
    """
    if form == "xlsx":
        with tempfile.TemporaryDirectory() as folder:
            book = Path(folder) / "list.xlsx"
            _xlsx_chunks(chunks, book, schema)
            with book.open("rb") as f:
                yield from iter(lambda: f.read(1 << 20), b"")
        return
    pieces = encoded(chunks, schema=schema, form=form)
    yield from _recoded(pieces, encoding) if form == "csv" else pieces


class _Counted:
    """Chunks passed on as they are, their rows counted."""

    def __init__(self, chunks: Iterable[pa.Table]) -> None:
        self._chunks = chunks
        self.rows = 0

    def __iter__(self) -> Iterator[pa.Table]:
        for chunk in self._chunks:
            self.rows += chunk.num_rows
            yield chunk


def _recoded(pieces: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    """CSV in UTF-8 with a BOM, in `encoding` (each piece whole lines, so whole characters)."""
    for n, piece in enumerate(pieces):
        if encoding == "utf-8-sig":
            yield piece
            continue
        text = piece.decode("utf-8")
        yield (text.removeprefix("\ufeff") if n == 0 else text).encode(encoding)


def _xlsx_chunks(chunks: Iterable[pa.Table], path: Path, schema: pa.Schema) -> None:
    import xlsxwriter

    with path.open("wb") as target:
        book = xlsxwriter.Workbook(target, {"constant_memory": True})
        _write_sheet(book, chunks, schema.names, sheet_name="members")


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
    files.whole(path, lambda partial: WRITERS[path.suffix.lower()](table, partial))
    return path
