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
from segmint.ingest.batches import Batch, FileReader, HeaderRule, choose_header


def open_xlsx(common: dict[str, Any], *, sheet: str | int | None, header: HeaderRule) -> FileReader:
    """The worksheet `sheet` (name or 0-based index; the first by default), header found.

    A title merged across the first row ("2026年会员名单") is stepped over when `header`
    accepts a later row as the header.
    """
    label = common["name"]
    try:
        with CalamineWorkbook.from_path(common["path"]) as workbook:
            title = _sheet_title(workbook.sheet_names, sheet, label)
            worksheet = workbook.get_sheet_by_name(title)
    except CalamineError as exc:
        where = Location(file=label)
        raise InputError(
            "ingest.bad_workbook", location=where, file=label, reason=str(exc)
        ) from exc
    # iter_rows starts at the sheet's row 1 whatever the first used row: index + 1 is the row.
    rows = (
        (number, [_cell_text(cell).strip() for cell in cells])
        for number, cells in enumerate(worksheet.iter_rows(), start=1)
    )
    chosen = choose_header(rows, header, label=label)
    if chosen is not None:
        number, headers = chosen
        stream = partial(_stream_xlsx, worksheet=worksheet, header_row=number)
        return FileReader(
            **common, format="xlsx", headers=tuple(headers), sheet=title, _stream=stream
        )
    raise InputError("ingest.empty_sheet", location=Location(file=label), file=label, sheet=title)


def _sheet_title(names: list[str], sheet: str | int | None, label: str) -> str:
    if sheet is None and names:
        return names[0]
    if isinstance(sheet, int) and 0 <= sheet < len(names):
        return names[sheet]
    if sheet in names:
        return str(sheet)
    close = difflib.get_close_matches(str(sheet), names, n=1)
    raise InputError(
        "ingest.unknown_sheet",
        location=Location(file=label, field="--sheet"),
        file=label,
        sheet=sheet,
        sheets=", ".join(f"'{n}'" for n in names) or "(none)",
        close=close[0] if close else None,
    )


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


def _stream_xlsx(
    reader: FileReader, *, worksheet: CalamineSheet, header_row: int
) -> Iterator[Batch]:
    """Records after the header; empty rows, like blank CSV lines, are left out."""
    block: list[list[str]] = []
    numbers: list[int] = []
    for number, cells in enumerate(worksheet.iter_rows(), start=1):
        if number <= header_row or not any(texts := [_cell_text(cell) for cell in cells]):
            continue
        block.append(texts)
        numbers.append(number)
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
