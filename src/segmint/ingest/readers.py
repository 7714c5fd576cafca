"""Stream a user's file as Arrow batches with row numbers, so big files import in bounded memory.

`open_file` finds the format and opens the file; CSV (encodings, dialects, row numbers
across quoted lines) is read here, Excel, Parquet and JSON Lines in their own modules.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import charset_normalizer
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from segmint.core import i18n
from segmint.core.errors import InputError, Location, NotFoundError, Problem
from segmint.ingest.batches import (
    SAMPLE_BYTES,
    Batch,
    FileReader,
    HeaderRule,
    choose_header,
    rebatch,
)
from segmint.ingest.excel import open_xlsx
from segmint.ingest.json_lines import open_jsonl
from segmint.ingest.parquet import open_parquet

FORMATS = {
    **dict.fromkeys([".csv", ".tsv", ".txt"], "csv"),
    **dict.fromkeys([".xlsx", ".xlsm"], "xlsx"),
    **dict.fromkeys([".parquet", ".pq"], "parquet"),
    **dict.fromkeys([".jsonl", ".ndjson", ".json"], "jsonl"),
}
_SNIFF_CHARS = 64 * 1024
# pyarrow's CSV reader reads up to ~32 blocks ahead of the consumer (measured: 291 MiB held
# with 8 MiB blocks), so blocks stay small and `rebatch` joins them into batch_rows records.
_BLOCK_BYTES = 1024 * 1024
_BINARY_PROBE_BYTES = 64 * 1024
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_CHINESE = frozenset({"gb2312", "gbk", "gb18030", "hz"})  # codecs.lookup names; cp936 is gbk

_Dialect = type[csv.Dialect]


def open_file(
    path: str | os.PathLike[str],
    *,
    name: str | None = None,
    encoding: str | None = None,
    sheet: str | int | None = None,
    file_format: str | None = None,
    batch_rows: int = 100_000,
    header: HeaderRule | None = None,
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
    header : HeaderRule, optional
        Which row of a CSV or XLSX file holds the headers; the first filled row by default.

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
    header = header or HeaderRule()
    fmt = _format_of(source, label, file_format)
    _check_options(fmt, label, encoding=encoding, sheet=sheet, header_row=header.row)
    if batch_rows < 1:
        raise InputError("ingest.bad_batch_rows", got=batch_rows)
    common: dict[str, Any] = {"path": source, "name": label, "batch_rows": batch_rows}
    common["size_bytes"] = _size_of(source, label)
    if fmt in ("csv", "jsonl"):
        _check_text(source, label)
    if fmt == "csv":
        tab = source.suffix.lower() == ".tsv"
        reader = _open_csv(common, encoding=encoding, tab=tab, header=header)
    elif fmt == "xlsx":
        reader = open_xlsx(common, sheet=sheet, header=header)
    else:
        reader = open_parquet(common) if fmt == "parquet" else open_jsonl(common)
    _set_repeats_apart(reader, label)
    return reader


def _format_of(source: Path, label: str, file_format: str | None) -> str:
    fmt = file_format or FORMATS.get(source.suffix.lower())
    if fmt is None or fmt not in FORMATS.values():
        got = f"format '{fmt}'" if fmt else f"extension '{source.suffix}'"
        if not source.suffix and not fmt:
            got = "a name without an extension"
        raise InputError(
            "ingest.unknown_format",
            location=Location(file=label),
            file=label,
            got=got,
            extensions=", ".join(FORMATS),
            stem=source.stem,
        )
    return fmt


def _check_options(
    fmt: str, label: str, *, encoding: str | None, sheet: str | int | None, header_row: int | None
) -> None:
    for option, value, applies in (
        ("--encoding", encoding, ("csv",)),
        ("--sheet", sheet, ("xlsx",)),
        ("--header-row", header_row, ("csv", "xlsx")),
    ):
        if value is not None and fmt not in applies:
            raise InputError(
                "ingest.option_not_for_format",
                location=Location(file=label),
                option=option,
                applies=" / ".join(a.upper() for a in applies),
                file=label,
                format=fmt.upper(),
            )


def _size_of(source: Path, label: str) -> int:
    where = Location(file=label)
    try:
        size = source.stat().st_size
    except FileNotFoundError as exc:
        raise NotFoundError("ingest.file_not_found", location=where, file=label) from exc
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError(
            "ingest.unreadable_file", location=where, file=label, reason=reason
        ) from exc
    if not source.is_file():
        raise InputError("ingest.not_a_file", location=where, file=label)
    if size == 0:
        raise InputError("ingest.empty_file", location=where, file=label)
    return size


def _check_text(source: Path, label: str) -> None:
    """Refuse a binary file (a program, an archive) named like a text file.

    Text has no NUL bytes, except in UTF-16 and UTF-32, which start with a byte order
    mark. A NUL inside an otherwise valid UTF-8 row is a bad cell, not a binary file: the
    row is quarantined (``ingest.control_character``), so the file is binary only when
    the head does not decode as UTF-8 or its first line holds a NUL.
    """
    with source.open("rb") as file:
        head = file.read(_BINARY_PROBE_BYTES)
    if b"\0" not in head or head.startswith(_WIDE_BOMS):
        return
    first_line = head.split(b"\n", 1)[0]
    if b"\0" in first_line or not _decodes(head, "utf-8", final=len(head) < _BINARY_PROBE_BYTES):
        where = Location(file=label)
        raise InputError("ingest.binary_file", location=where, file=label, size=len(head))


def _set_repeats_apart(reader: FileReader, label: str) -> None:
    """Give a repeated header a name of its own ("分销员 #51"); refuse two blank headers.

    Some platform exports repeat a column no one reads; whether a repeat matters is up to
    what reads the file (`ingest.plan`), so the repeats are kept in `reader.repeated`.
    """
    first: dict[str, int] = {}
    names = list(reader.headers)
    for position, header in enumerate(reader.headers, start=1):
        if header not in first:
            first[header] = position
            continue
        if not header:
            raise InputError(
                "ingest.blank_headers",
                location=Location(file=label),
                file=label,
                header=header,
                first=first[header],
                second=position,
            )
        names[position - 1] = f"{header} #{position}"
        reader.repeated.append((header, first[header], position))
    reader.headers = tuple(names)


# ---- CSV ------------------------------------------------------------------------------------


def _open_csv(
    common: dict[str, Any], *, encoding: str | None, tab: bool, header: HeaderRule
) -> FileReader:
    label = common["name"]
    with common["path"].open("rb") as file:
        sample = file.read(SAMPLE_BYTES)
    final = len(sample) == common["size_bytes"]
    chosen = _lookup(encoding, label) if encoding else _detect_encoding(sample, label, final=final)
    text = _decode_sample(sample, chosen, label, final=final)
    dialect = _sniff(text, tab=tab)
    headers, header_row = _header_of(text, dialect, label, final=final, rule=header)
    stream = partial(_stream_csv, dialect=dialect, header_row=header_row)
    common |= {"encoding": chosen, "delimiter": dialect.delimiter}
    return FileReader(**common, format="csv", headers=headers, _stream=stream)


def _lookup(encoding: str, label: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError as exc:
        where = Location(file=label, field="--encoding")
        raise InputError("ingest.unknown_encoding", location=where, encoding=encoding) from exc


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
        raise InputError("ingest.unknown_text_encoding", location=Location(file=label), file=label)
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
    return InputError(
        "ingest.bad_encoding",
        location=Location(file=label, row=row),
        file=label,
        encoding=encoding,
        byte=f"{exc.object[exc.start]:02x}",
        row=row,
        reason=exc.reason,
    )


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
    text: str, dialect: _Dialect, label: str, *, final: bool, rule: HeaderRule
) -> tuple[tuple[str, ...], int]:
    """The header record (see `HeaderRule`) and the line it ends on."""
    records = csv.reader(io.StringIO(text, newline=""), dialect, doublequote=True)
    cleaned = (
        (number, [cell.strip().removeprefix("\ufeff").strip() for cell in record])
        for number, record in enumerate(records, start=1)
    )
    chosen = choose_header(cleaned, rule, label=label)
    if chosen is None:
        code = "ingest.empty_file" if final else "ingest.no_header"
        raise InputError(code, location=Location(file=label), file=label)
    return tuple(chosen[1]), records.line_num


def _stream_csv(reader: FileReader, *, dialect: _Dialect, header_row: int) -> Iterator[Batch]:
    return rebatch(_csv_blocks(reader, dialect, header_row), reader.batch_rows)


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
    code = "ingest.long_record" if "straddl" in str(exc) else "ingest.bad_csv"
    where = Location(file=reader.name, row=row)
    return InputError(code, location=where, file=reader.name, row=row, reason=str(exc))


def _find_bad_bytes(path: Path, label: str, encoding: str) -> InputError | None:
    """Decode the file again from the start to name the line of its first bad byte."""
    decoder, line = codecs.getincrementaldecoder(encoding)(), 1
    with path.open("rb") as file:
        while chunk := file.read(SAMPLE_BYTES):
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
        code = "ingest.bad_row_shape"
        # The params fill the message again in the quarantine file, in the user's language.
        params: dict[str, object] = {
            "found": int(row.actual_columns),
            "expected": int(row.expected_columns),
            "value": _shortened(str(row.text)),
        }
        where = Location(file=reader.name, row=number)
        reader.skipped.append(Problem(code, i18n.message(code, "en", **params), where, params))
    return "skip"


def _shortened(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
