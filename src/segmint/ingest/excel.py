"""Excel workbooks (.xlsx): one worksheet read row by row, every cell as text."""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Iterator
from functools import partial
from typing import Any

import numpy as np
import pyarrow as pa
from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from segmint.core.errors import InputError, Location
from segmint.ingest.batches import Batch, FileReader


def open_xlsx(common: dict[str, Any], *, sheet: str | int | None) -> FileReader:
    """The worksheet `sheet` (name or 0-based index; the first by default), header found."""
    label = common["name"]
    try:
        with CalamineWorkbook.from_path(common["path"]) as workbook:
            title = _sheet_title(workbook.sheet_names, sheet, label)
            worksheet = workbook.get_sheet_by_name(title)
    except CalamineError as exc:
        message = f"cannot read the file as an Excel workbook: {exc}"
        raise InputError(message, location=Location(file=label)) from exc
    for cells in worksheet.iter_rows():  # the first non-empty row is the header
        if any(texts := [_cell_text(cell) for cell in cells]):
            headers = tuple(text.strip() for text in texts)
            stream = partial(_stream_xlsx, worksheet=worksheet)
            return FileReader(**common, format="xlsx", headers=headers, sheet=title, _stream=stream)
    raise InputError(f"sheet '{title}' is empty", location=Location(file=label))


def _sheet_title(names: list[str], sheet: str | int | None, label: str) -> str:
    if sheet is None and names:
        return names[0]
    if isinstance(sheet, int) and 0 <= sheet < len(names):
        return names[sheet]
    if sheet in names:
        return str(sheet)
    close = difflib.get_close_matches(str(sheet), names, n=1)
    guess = f" Did you mean '{close[0]}'?" if close else ""
    message = f"no sheet {sheet!r}; the workbook has {', '.join(map(repr, names))}.{guess}"
    hint = "pass --sheet with a sheet name or a 0-based index"
    raise InputError(message, hint=hint, location=Location(file=label))


def _cell_text(value: object) -> str:
    """A cell as text; Excel stores integers as floats, so 12.0 reads "12"."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="seconds")
    return str(value)  # int, date (ISO), timedelta


def _stream_xlsx(reader: FileReader, *, worksheet: CalamineSheet) -> Iterator[Batch]:
    """Records after the header; empty rows, like blank CSV lines, are left out."""
    block: list[list[str]] = []
    numbers: list[int] = []
    header_seen = False
    # iter_rows starts at the sheet's row 1 whatever the first used row: index + 1 is the row.
    for number, cells in enumerate(worksheet.iter_rows(), start=1):
        if not any(texts := [_cell_text(cell) for cell in cells]):
            continue
        if header_seen:
            block.append(texts)
            numbers.append(number)
        header_seen = True
        if len(block) == reader.batch_rows:
            reader.bytes_read = reader.size_bytes * number // max(worksheet.height, number)
            yield _xlsx_batch(reader.headers, block, numbers)
            block, numbers = [], []
    if block:
        yield _xlsx_batch(reader.headers, block, numbers)
    reader.bytes_read = reader.size_bytes


def _xlsx_batch(headers: tuple[str, ...], block: list[list[str]], numbers: list[int]) -> Batch:
    arrays = [pa.array(column, type=pa.string()) for column in zip(*block, strict=True)]
    data = pa.RecordBatch.from_arrays(arrays, names=list(headers))
    return Batch(data, np.array(numbers, dtype=np.int64))
