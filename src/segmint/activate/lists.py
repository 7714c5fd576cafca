"""A segment's members as a file for the tools that act on them, a chunk at a time.

Plain, the list is every member with the values her segment's rule reads and why she
is in; with a template (`templates`), the layout a bulk email tool, an SMS gateway or a
WeCom tag import takes, of the members who may be reached on that channel. No row cap:
memory holds one chunk however long the list. The counts and the rows are read in one
transaction, so they agree even while the data changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from segmint.activate import exports, templates
from segmint.core import files
from segmint.core.config import Settings
from segmint.core.errors import InputError, Location
from segmint.segments import saved
from segmint.store import relations
from segmint.store.engine import Store
from segmint.store.snapshots import Run

if TYPE_CHECKING:
    import ibis.expr.types as ir

CHUNK = 50_000  # rows read and written at a time


class SegmentExport(BaseModel):
    """What an export of a segment wrote: where, how many rows, in which layout."""

    model_config = ConfigDict(frozen=True)

    file: str
    segment: str
    rows: int
    format: str
    encoding: str
    template: str | None
    reach: templates.Reach | None  # with a template: who was left out, and why


@dataclass(frozen=True, slots=True)
class Members:
    """A segment's members as rows to write: their schema, and who a template left out."""

    schema: pa.Schema
    reach: templates.Reach | None


def members(
    engine: Store,
    settings: Settings,
    name: str,
    *,
    run: Run,
    lang: str,
    template: str | None,
    chunk: int = CHUNK,
    keep: ir.Table | None = None,
) -> tuple[Members, Iterator[pa.Table]]:
    """The rows of segment `name` in `run`, plain or laid out by `template`, `chunk` at a time.

    Only the members in `keep` (customer_id) when given (a campaign's variant).

    Call inside a transaction that lasts until the chunks are read: the counts and the
    rows are then of one state of the data.

    Raises
    ------
    InputError
        An unknown template (``export.unknown_template``).
    """
    layout = _template(template)
    if layout is None:
        schema, chunks = saved.explained_chunks(
            engine, settings, name, run=run, lang=lang, rows=chunk, keep=keep
        )
        return Members(schema, None), chunks
    chosen = saved.member_ids(engine, settings, name, run=run)
    if keep is not None:
        chosen = chosen.semi_join(keep, "customer_id")
    customers = engine.ibis().table("customers")
    rows, counts = templates.laid_out(chosen, customers, layout, segment=name)
    reach = templates.Reach(**relations.execute(engine, counts).to_pylist()[0])
    schema = rows.schema().to_pyarrow()
    return Members(schema, reach), relations.stream(engine, rows, rows=chunk)


def export_segment(
    engine: Store,
    settings: Settings,
    name: str,
    path: Path,
    *,
    run: Run,
    lang: str,
    template: str | None = None,
    form: str | None = None,
    encoding: str | None = None,
    force: bool = False,
    chunk: int = CHUNK,
    keep: ir.Table | None = None,
) -> SegmentExport:
    """Write the members of segment `name` in `run` to `path`, `chunk` rows at a time.

    Raises
    ------
    InputError
        An unknown template, a format or encoding that does not fit (`exports.form_of`),
        or a file that exists without `force`.
    """
    chosen_form, chosen_encoding = exports.form_of(path, form, encoding)
    files.check_new_file(path, force=force)  # before any work
    with engine.transaction():  # the counts and the rows of one state of the data
        found, chunks = members(
            engine, settings, name, run=run, lang=lang, template=template, chunk=chunk, keep=keep
        )
        written = exports.write_chunks(
            chunks,
            path,
            schema=found.schema,
            form=chosen_form,
            encoding=chosen_encoding,
            force=force,
        )
    return SegmentExport(
        file=str(path),
        segment=name,
        rows=written,
        format=chosen_form,
        encoding=chosen_encoding,
        template=template,
        reach=found.reach,
    )


def _template(key: str | None) -> templates.Template | None:
    if key is None:
        return None
    if key not in templates.TEMPLATES:
        raise InputError(
            "export.unknown_template",
            location=Location(field="template"),
            template=key,
            known=", ".join(templates.TEMPLATES),
        )
    return templates.TEMPLATES[key]
