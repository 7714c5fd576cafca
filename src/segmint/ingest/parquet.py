"""Parquet files: the file's own types, batch by batch; rows are record numbers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from segmint.core.errors import InputError, Location
from segmint.ingest.batches import Batch, FileReader


def open_parquet(common: dict[str, Any]) -> FileReader:
    """A Parquet file, its column names read from the schema."""
    try:
        with pq.ParquetFile(common["path"]) as parquet:
            headers = tuple(parquet.schema_arrow.names)
    except (pa.ArrowException, OSError) as exc:
        label = common["name"]
        where = Location(file=label)
        raise InputError("ingest.bad_parquet", location=where, file=label, reason=str(exc)) from exc
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
        raise InputError(
            "ingest.bad_parquet_data",
            location=Location(file=reader.name, row=done + 1),
            file=reader.name,
            done=done,
            reason=str(exc),
        ) from exc
