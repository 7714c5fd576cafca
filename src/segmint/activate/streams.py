"""Long lists as a stream of bytes: CSV, JSON Lines or Parquet, chunk by chunk.

For answers with no row cap: a chunk of rows is encoded and sent before the next is
read, so memory holds one chunk whatever the list's length. CSV starts with a BOM so
Excel reads Chinese; Parquet writes a row group per chunk and its footer at the end.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}
BOM = "\ufeff".encode()


def encoded(chunks: Iterable[pa.Table], *, schema: pa.Schema, form: str) -> Iterator[bytes]:
    """The bytes of `chunks` (tables of `schema`) in `form`: csv, jsonl or parquet."""
    if form == "parquet":
        yield from _parquet(chunks, schema)
        return
    if form == "csv":
        yield BOM + (",".join(schema.names) + "\n").encode()
    for chunk in chunks:
        if chunk.num_rows:
            yield _csv(chunk) if form == "csv" else _jsonl(chunk)


def _csv(chunk: pa.Table) -> bytes:
    out = io.BytesIO()
    pa_csv.write_csv(chunk, out, write_options=pa_csv.WriteOptions(include_header=False))
    return out.getvalue()


def _jsonl(chunk: pa.Table) -> bytes:
    lines = (json.dumps(row, ensure_ascii=False, default=str) for row in chunk.to_pylist())
    return ("\n".join(lines) + "\n").encode()


def _parquet(chunks: Iterable[pa.Table], schema: pa.Schema) -> Iterator[bytes]:
    sink = _Sink()
    with pq.ParquetWriter(sink, schema) as writer:
        for chunk in chunks:
            writer.write_table(chunk.cast(schema))
            yield sink.take()
    yield sink.take()  # the footer


class _Sink(io.RawIOBase):
    """A file that keeps what is written to it until it is taken."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._written = 0

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self._parts.append(bytes(data))
        self._written += len(data)
        return len(data)

    def tell(self) -> int:
        return self._written

    def take(self) -> bytes:
        taken = b"".join(self._parts)
        self._parts.clear()
        return taken
