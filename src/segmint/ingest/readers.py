"""Stream a user's file as Arrow batches with row numbers, so big files import in bounded memory."""

from __future__ import annotations

import codecs
import csv
import datetime
import difflib
import io
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import charset_normalizer
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json
import pyarrow.parquet as pq
from python_calamine import CalamineError, CalamineSheet, CalamineWorkbook

from segmint.core.errors import InputError, Location, NotFoundError, Problem

FORMATS = {
    **dict.fromkeys([".csv", ".tsv", ".txt"], "csv"),
    **dict.fromkeys([".xlsx", ".xlsm"], "xlsx"),
    **dict.fromkeys([".parquet", ".pq"], "parquet"),
    **dict.fromkeys([".jsonl", ".ndjson", ".json"], "jsonl"),
}
ENCODING_HINT = "pass --encoding (for example --encoding gb18030)"
_SAMPLE_BYTES = 1024 * 1024  # for the encoding and the header
_SNIFF_CHARS = 64 * 1024
# pyarrow's CSV reader reads up to ~32 blocks ahead of the consumer (measured: 291 MiB held
# with 8 MiB blocks), so blocks stay small and `_rebatch` joins them into batch_rows records.
_BLOCK_BYTES = 1024 * 1024
_CHINESE = frozenset({"gb2312", "gbk", "gb18030", "hz"})  # codecs.lookup names; cp936 is gbk

_Stream = Callable[["FileReader"], Iterator["Batch"]]
_Dialect = type[csv.Dialect]


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
    _stream: _Stream = field(kw_only=True, repr=False)

    def __iter__(self) -> Iterator[Batch]:
        self.skipped.clear()
        self.bytes_read = 0
        return self._stream(self)


def open_file(
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    file_format: str | None = None,
    batch_rows: int = 100_000,
) -> FileReader:
    """Open a CSV, TSV, XLSX, Parquet or JSON Lines file to read in batches.

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    name : str, optional
        Its name in messages; `path` as given by default.
    encoding : str, optional
        A CSV file's encoding; by default UTF-8 (with or without BOM),
        GB18030 for any Chinese guess, else charset-normalizer's guess.
    sheet : str or int, optional
        An XLSX file's worksheet by name or 0-based index; the first by default.
    file_format : {"csv", "xlsx", "parquet", "jsonl"}, optional
        The format; by default from the extension.
    batch_rows : int, default 100_000
        Most records per batch.

    Returns
    -------
    FileReader
        With headers and format known; records are read when it is iterated.

    Raises
    ------
    NotFoundError
        There is no file at `path`.
    InputError
        Unknown format, empty file, a repeated header, text that does not
        decode, or a file that is not valid in its format.
    """
    source, label = Path(path), os.fspath(path) if name is None else name
    fmt = _format_of(source, label, file_format)
    if (encoding is not None and fmt != "csv") or (sheet is not None and fmt != "xlsx"):
        option = "--encoding applies to CSV" if encoding else "--sheet applies to XLSX"
        raise InputError(f"{option} files; this is {fmt}", location=Location(file=label))
    if batch_rows < 1:
        raise InputError(f"batch_rows must be at least 1; got {batch_rows}")
    common: dict[str, Any] = {"path": source, "name": label, "batch_rows": batch_rows}
    common["size_bytes"] = _size_of(source, label)
    if fmt == "csv":
        tab = source.suffix.lower() == ".tsv"
        reader = _open_csv(common, encoding=encoding, tab=tab)
    elif fmt == "xlsx":
        reader = _open_xlsx(common, sheet=sheet)
    else:
        reader = _open_parquet(common) if fmt == "parquet" else _open_jsonl(common)
    _check_unique(reader.headers, label)
    return reader


def _format_of(source: Path, label: str, file_format: str | None) -> str:
    accepted = sorted(set(FORMATS.values()))
    fmt = file_format or FORMATS.get(source.suffix.lower())
    if fmt is None or fmt not in accepted:
        got = f"format '{fmt}'" if fmt else f"extension '{source.suffix}'"
        message = f"unknown file {got}; segmint reads {', '.join(FORMATS)} files"
        hint = f"rename the file or pass --format ({', '.join(accepted)})"
        raise InputError(message, hint=hint, location=Location(file=label))
    return fmt


def _size_of(source: Path, label: str) -> int:
    where = Location(file=label)
    try:
        size = source.stat().st_size
    except FileNotFoundError as exc:
        raise NotFoundError("no such file", hint="check the path", location=where) from exc
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", location=where) from exc
    if not source.is_file() or size == 0:
        raise InputError("not a file" if size else "file is empty", location=where)
    return size


def _check_unique(headers: Sequence[str], label: str) -> None:
    first: dict[str, int] = {}
    for position, header in enumerate(headers, start=1):
        if header in first:
            message = f"duplicate header '{header}' in columns {first[header]} and {position}"
            if not header:
                message = f"columns {first[header]} and {position} have no header"
            hint = "rename one of the two columns"
            raise InputError(message, hint=hint, location=Location(file=label, field=header))
        first[header] = position


def _rebatch(batches: Iterator[Batch], limit: int) -> Iterator[Batch]:
    """Batches of `limit` records (the last may have fewer) from batches of any size."""
    pending: list[Batch] = []
    count = 0
    for batch in batches:
        pending.append(batch)
        count += len(batch.rows)
        if count >= limit:
            joined, full = _concat(pending), count - count % limit
            for start in range(0, full, limit):  # zero-copy slices
                yield Batch(joined.data.slice(start, limit), joined.rows[start : start + limit])
            pending, count = [Batch(joined.data.slice(full), joined.rows[full:])], count - full
    if count:
        yield _concat(pending)


def _concat(batches: list[Batch]) -> Batch:
    data = pa.concat_batches([batch.data for batch in batches])
    return Batch(data, np.concatenate([batch.rows for batch in batches]))


# ---- CSV ------------------------------------------------------------------------------------


def _open_csv(common: dict[str, Any], *, encoding: str | None, tab: bool) -> FileReader:
    label = common["name"]
    with common["path"].open("rb") as file:
        sample = file.read(_SAMPLE_BYTES)
    final = len(sample) == common["size_bytes"]
    chosen = _lookup(encoding, label) if encoding else _detect_encoding(sample, label, final=final)
    text = _decode_sample(sample, chosen, label, final=final)
    dialect = _sniff(text, tab=tab)
    headers, header_row = _header_of(text, dialect, label, final=final)
    stream = partial(_stream_csv, dialect=dialect, header_row=header_row)
    common |= {"encoding": chosen, "delimiter": dialect.delimiter}
    return FileReader(**common, format="csv", headers=headers, _stream=stream)


def _lookup(encoding: str, label: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError as exc:
        message = f"unknown encoding '{encoding}'"
        raise InputError(message, hint=ENCODING_HINT, location=Location(file=label)) from exc


def _detect_encoding(sample: bytes, label: str, *, final: bool) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if _decodes(sample, "utf-8", final=final):
        return "utf-8"
    matches = charset_normalizer.from_bytes(sample)
    # charset-normalizer often ranks short GBK text as big5, euc_jis_2004 or utf_16_be
    # while still listing gb18030, so any Chinese candidate wins; GB18030 is their superset.
    if any(codecs.lookup(match.encoding).name in _CHINESE for match in matches):
        return "gb18030"
    best = matches.best()
    if best is None:
        message = "cannot tell the text encoding; the file may not be text"
        raise InputError(message, hint=ENCODING_HINT, location=Location(file=label))
    return codecs.lookup(best.encoding).name


def _decodes(sample: bytes, encoding: str, *, final: bool) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(sample, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _decode_sample(sample: bytes, encoding: str, label: str, *, final: bool) -> str:
    """The sample as text, without a character cut at its end unless `final`."""
    try:
        text: str = codecs.getincrementaldecoder(encoding)().decode(sample, final=final)
    except UnicodeDecodeError as exc:
        row = sample[: exc.start].count(b"\n") + 1
        raise _decode_error(label, encoding, row, exc) from exc
    return text.removeprefix("\ufeff")


def _decode_error(label: str, encoding: str, row: int, exc: UnicodeDecodeError) -> InputError:
    byte = exc.object[exc.start]
    message = f"the file is not valid {encoding} text: byte 0x{byte:02x} on this row ({exc.reason})"
    return InputError(message, hint=ENCODING_HINT, location=Location(file=label, row=row))


def _sniff(text: str, *, tab: bool) -> _Dialect:
    if tab:
        return csv.excel_tab
    sample = text[:_SNIFF_CHARS]
    sample = sample[: sample.rfind("\n") + 1] or sample  # whole lines only
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|")
    except csv.Error:  # one column, or no delimiter stands out: the CSV default
        return csv.excel


def _header_of(
    text: str, dialect: _Dialect, label: str, *, final: bool
) -> tuple[tuple[str, ...], int]:
    """The first non-blank record and the line it ends on."""
    records = csv.reader(io.StringIO(text, newline=""), dialect, doublequote=True)
    for record in records:
        if any(cell.strip() for cell in record):
            headers = tuple(cell.strip().removeprefix("\ufeff").strip() for cell in record)
            return headers, records.line_num
    problem = "file is empty" if final else "no header row in the first megabyte"
    raise InputError(problem, location=Location(file=label))


def _stream_csv(reader: FileReader, *, dialect: _Dialect, header_row: int) -> Iterator[Batch]:
    return _rebatch(_csv_blocks(reader, dialect, header_row), reader.batch_rows)


def _csv_blocks(reader: FileReader, dialect: _Dialect, header_row: int) -> Iterator[Batch]:
    gaps: list[int] = []  # rows that are not records (malformed or blank), ascending
    next_row = header_row + 1
    with pa.OSFile(os.fspath(reader.path)) as source:
        try:
            for data in _open_arrow_csv(reader, dialect, header_row, source, gaps):
                rows, next_row = _number_rows(next_row, data.num_rows, gaps)
                reader.bytes_read = source.tell()  # ahead of the consumer by pyarrow's readahead
                yield Batch(*_drop_blank(data, rows))
        except (UnicodeDecodeError, pa.ArrowInvalid) as exc:
            raise _csv_error(reader, next_row, exc) from exc


def _csv_error(reader: FileReader, row: int, exc: Exception) -> InputError:
    if isinstance(exc, UnicodeDecodeError) or "invalid UTF8" in str(exc):
        # pyarrow meets bad bytes up to ~32 blocks early (readahead) or counts rows per block.
        found = _find_bad_bytes(reader.path, reader.name, str(reader.encoding))
        if found is not None:
            return found
    detail = "a record is longer than 1 MiB" if "straddl" in str(exc) else str(exc)
    message = f"cannot read the file as CSV at or after this row: {detail}"
    return InputError(message, location=Location(file=reader.name, row=row))


def _find_bad_bytes(path: Path, label: str, encoding: str) -> InputError | None:
    """Decode the file again from the start to name the line of its first bad byte."""
    decoder, line = codecs.getincrementaldecoder(encoding)(), 1
    with path.open("rb") as file:
        while chunk := file.read(_SAMPLE_BYTES):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += exc.object[: exc.start].count(b"\n")
                return _decode_error(label, encoding, line, exc)
            line += chunk.count(b"\n")
    return None


def _open_arrow_csv(
    reader: FileReader, dialect: _Dialect, header_row: int, source: pa.NativeFile, gaps: list[int]
) -> Iterator[pa.RecordBatch]:
    # Single-threaded, so that pyarrow numbers the invalid rows. It counts records (header = 1,
    # blank lines included): after a quoted field with line breaks, row numbers are the
    # spreadsheet's, not the text editor's lines.
    read = pa_csv.ReadOptions(
        use_threads=False,
        block_size=_BLOCK_BYTES,
        skip_rows=header_row,
        column_names=list(reader.headers),
        # pyarrow transcodes to UTF-8 while streaming; a BOM sits in the skipped header line.
        encoding="utf-8" if reader.encoding == "utf-8-sig" else reader.encoding,
    )
    parse = pa_csv.ParseOptions(
        delimiter=reader.delimiter,
        quote_char=dialect.quotechar or '"',
        double_quote=True,  # the Sniffer says False when its sample has no quotes
        newlines_in_values=True,
        ignore_empty_lines=False,  # they come as records of empty cells, keeping the count
        invalid_row_handler=partial(_skip_row, reader, gaps),
    )
    strings = pa_csv.ConvertOptions(
        column_types=dict.fromkeys(reader.headers, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    yield from pa_csv.open_csv(
        source, read_options=read, parse_options=parse, convert_options=strings
    )


def _skip_row(reader: FileReader, gaps: list[int], row: Any) -> str:
    number = int(row.number)
    gaps.append(number)
    if str(row.text).strip():  # a line of spaces is blank, not malformed
        message = f"row has {row.actual_columns} fields; the header has {row.expected_columns}"
        problem = Problem("ingest.bad_row_shape", message, Location(file=reader.name, row=number))
        reader.skipped.append(problem)
    return "skip"


def _number_rows(start: int, count: int, gaps: list[int]) -> tuple[npt.NDArray[np.int64], int]:
    """Rows of `count` records from row `start` on, stepping over (and using up) `gaps`."""
    end, used = start + count, 0
    while used < len(gaps) and gaps[used] < end:
        end, used = end + 1, used + 1
    rows = np.arange(start, end, dtype=np.int64)
    if used:
        rows = rows[~np.isin(rows, gaps[:used])]
        del gaps[:used]
    return rows, end


def _drop_blank(
    data: pa.RecordBatch, rows: npt.NDArray[np.int64]
) -> tuple[pa.RecordBatch, npt.NDArray[np.int64]]:
    """Leave out blank lines, read as records of empty cells (so is a line of commas)."""
    filled = pc.greater(pc.binary_length(data.column(0)), 0)
    for column in data.columns[1:]:
        filled = pc.or_(filled, pc.greater(pc.binary_length(column), 0))
    if pc.all(filled).as_py():
        return data, rows
    return data.filter(filled), rows[filled.to_numpy(zero_copy_only=False)]


# ---- XLSX -----------------------------------------------------------------------------------


def _open_xlsx(common: dict[str, Any], *, sheet: str | int | None) -> FileReader:
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


# ---- Parquet --------------------------------------------------------------------------------


def _open_parquet(common: dict[str, Any]) -> FileReader:
    try:
        with pq.ParquetFile(common["path"]) as parquet:
            headers = tuple(parquet.schema_arrow.names)
    except (pa.ArrowException, OSError) as exc:
        message = f"cannot read the file as Parquet: {exc}"
        raise InputError(message, location=Location(file=common["name"])) from exc
    return FileReader(**common, format="parquet", headers=headers, _stream=_stream_parquet)


def _stream_parquet(reader: FileReader) -> Iterator[Batch]:
    done = 0
    try:
        with pq.ParquetFile(reader.path) as parquet:
            total = max(parquet.metadata.num_rows, 1)
            for data in parquet.iter_batches(batch_size=reader.batch_rows):
                yield Batch(data, np.arange(done + 1, done + data.num_rows + 1, dtype=np.int64))
                done += data.num_rows
                reader.bytes_read = reader.size_bytes * done // total
    except (pa.ArrowException, OSError) as exc:
        message = f"cannot read the file as Parquet after record {done}: {exc}"
        raise InputError(message, location=Location(file=reader.name, row=done + 1)) from exc


# ---- JSON Lines -----------------------------------------------------------------------------


def _open_jsonl(common: dict[str, Any]) -> FileReader:
    label = common["name"]
    with common["path"].open("rb") as file:
        sample = file.read(_SAMPLE_BYTES)
    final = len(sample) == common["size_bytes"]
    lines = sample.removeprefix(codecs.BOM_UTF8).split(b"\n")
    fields: dict[str, None] = {}  # the json module here, so that a bad line is named at once
    for number, line in enumerate(lines if final else lines[:-1], start=1):
        if line.strip():
            fields.update(dict.fromkeys(_json_object(line, number, label)))
    if not fields and final:
        raise InputError("file is empty", location=Location(file=label))
    return FileReader(**common, format="jsonl", headers=tuple(fields), _stream=_stream_jsonl)


def _json_object(line: bytes, number: int, label: str) -> dict[str, Any]:
    where, hint = Location(file=label, row=number), "JSON Lines has one JSON object per line"
    try:
        value = json.loads(line)
    except ValueError as exc:  # JSONDecodeError, or UnicodeDecodeError for bytes
        message = f"line {number} is not valid JSON: {exc}"
        raise InputError(message, hint=hint, location=where) from exc
    if not isinstance(value, dict):
        message = f"line {number} is a JSON {type(value).__name__}, not an object"
        raise InputError(message, hint=hint, location=where)
    return value


def _stream_jsonl(reader: FileReader) -> Iterator[Batch]:
    lines: list[bytes] = []
    numbers: list[int] = []
    with reader.path.open("rb") as file:
        for number, line in enumerate(file, start=1):
            reader.bytes_read += len(line)
            if (line := line.removeprefix(codecs.BOM_UTF8)).strip():
                lines.append(line)
                numbers.append(number)
            if len(lines) == reader.batch_rows:
                yield _json_batch(reader, lines, numbers)
                lines, numbers = [], []
    if lines:
        yield _json_batch(reader, lines, numbers)


def _json_batch(reader: FileReader, lines: list[bytes], numbers: list[int]) -> Batch:
    """Lines parsed by pyarrow, each batch with the types it infers for itself.

    Not pyarrow's streaming JSON reader: it fixes the types after its first block (an
    int64 field then fails on 2.5) and leaves blank lines out of its row count.
    """
    payload = b"".join(lines)
    options = pa_json.ReadOptions(use_threads=False, block_size=len(payload) + 1)
    try:
        table = pa_json.read_json(io.BytesIO(payload), read_options=options)
    except pa.ArrowInvalid as exc:
        for line, number in zip(lines, numbers, strict=True):
            _json_object(line, number, reader.name)  # raises for the first bad line
        message = f"cannot read lines {numbers[0]}-{numbers[-1]} as JSON Lines: {exc}"
        raise InputError(message, location=Location(file=reader.name, row=numbers[0])) from exc
    names = [*reader.headers, *(n for n in table.column_names if n not in reader.headers)]
    present = set(table.column_names)
    columns = [table[n] if n in present else pa.nulls(table.num_rows) for n in names]
    data = pa.Table.from_arrays(columns, names=names).combine_chunks().to_batches()[0]
    return Batch(data, np.array(numbers, dtype=np.int64))
