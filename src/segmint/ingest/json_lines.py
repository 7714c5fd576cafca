"""JSON Lines files, and JSON objects sent over the API: one object per line or item.

A bad line is named by its number; an API batch's items are numbered from 1 in the
order sent and read exactly as the same objects in a file would be.
"""

from __future__ import annotations

import codecs
import io
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.json as pa_json

from segmint.core.errors import InputError, Location
from segmint.ingest.batches import SAMPLE_BYTES, Batch, FileReader


def open_jsonl(common: dict[str, Any]) -> FileReader:
    """A JSON Lines file; the headers are the fields of its first megabyte, in order."""
    label = common["name"]
    with common["path"].open("rb") as file:
        sample = file.read(SAMPLE_BYTES)
    final = len(sample) == common["size_bytes"]
    lines = sample.removeprefix(codecs.BOM_UTF8).split(b"\n")
    fields: dict[str, None] = {}  # the json module here, so that a bad line is named at once
    for number, line in enumerate(lines if final else lines[:-1], start=1):
        if line.strip():
            fields.update(dict.fromkeys(_json_object(line, number, label)))
    if not fields and final:
        raise InputError("ingest.empty_file", location=Location(file=label), file=label)
    return FileReader(**common, format="jsonl", headers=tuple(fields), _stream=_stream_jsonl)


def open_objects(objects: Sequence[Mapping[str, Any]], *, name: str, batch_rows: int) -> FileReader:
    """Objects already in memory (an API batch) as a reader: item n is row n.

    Each object becomes the line of JSON it would be in a file, so its values are typed
    and checked exactly as a JSON Lines import's.
    """
    lines = [json.dumps(o, ensure_ascii=False, default=str).encode() + b"\n" for o in objects]
    fields: dict[str, None] = {}
    for obj in objects:
        fields.update(dict.fromkeys(obj))
    if not fields:
        raise InputError("ingest.empty_file", location=Location(file=name), file=name)

    def stream(reader: FileReader) -> Iterator[Batch]:
        for start in range(0, len(lines), reader.batch_rows):
            chunk = lines[start : start + reader.batch_rows]
            reader.bytes_read += sum(map(len, chunk))
            yield _json_batch(reader, chunk, list(range(start + 1, start + len(chunk) + 1)))

    return FileReader(
        path=Path(name),
        name=name,
        format="json",
        headers=tuple(fields),
        size_bytes=sum(map(len, lines)),
        batch_rows=batch_rows,
        _stream=stream,
    )


def _json_object(line: bytes, number: int, label: str) -> dict[str, Any]:
    where = Location(file=label, row=number)
    try:
        value = json.loads(line)
    except ValueError as exc:  # JSONDecodeError, or UnicodeDecodeError for bytes
        code = "ingest.bad_json_line"
        raise InputError(code, location=where, file=label, row=number, reason=str(exc)) from exc
    if not isinstance(value, dict):
        got = _JSON_NAMES.get(type(value), type(value).__name__)
        raise InputError("ingest.json_not_object", location=where, file=label, row=number, got=got)
    return value


_JSON_NAMES = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
_JSON_NAMES[type(None)] = "null"


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
        table = _as_text_times(
            pa_json.read_json(io.BytesIO(payload), read_options=options), payload, options
        )
    except pa.ArrowInvalid as exc:
        for line, number in zip(lines, numbers, strict=True):
            _json_object(line, number, reader.name)  # raises for the first bad line
        raise InputError(
            "ingest.bad_json_lines",
            location=Location(file=reader.name, row=numbers[0]),
            file=reader.name,
            first=numbers[0],
            last=numbers[-1],
            reason=str(exc),
        ) from exc
    names = [*reader.headers, *(n for n in table.column_names if n not in reader.headers)]
    present = set(table.column_names)
    columns = [table[n] if n in present else pa.nulls(table.num_rows) for n in names]
    data = pa.Table.from_arrays(columns, names=names).combine_chunks().to_batches()[0]
    return Batch(data, np.array(numbers, dtype=np.int64))


def _as_text_times(table: pa.Table, payload: bytes, options: pa_json.ReadOptions) -> pa.Table:
    """`table` with the times pyarrow recognised read again as the text they were.

    pyarrow turns "10:00+08:00" into 02:00 without a zone, beside "10:00" kept as 10:00:
    an instant and a clock time become indistinguishable. As text, our own parser keeps
    each as written (`parse.parse_timestamps`), as it does for a CSV file.
    """
    times = [
        f.name for f in table.schema if pa.types.is_timestamp(f.type) or pa.types.is_date(f.type)
    ]
    if not times:
        return table
    schema = pa.schema(
        [pa.field(f.name, pa.string()) if f.name in times else f for f in table.schema]
    )
    parse = pa_json.ParseOptions(explicit_schema=schema)
    return pa_json.read_json(io.BytesIO(payload), read_options=options, parse_options=parse)
