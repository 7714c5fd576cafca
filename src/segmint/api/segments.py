"""The team's segments: their definitions, and their members page by page, with why."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import ExitStack, closing
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

import pyarrow as pa
from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from segmint.activate import exports
from segmint.activate.streams import MEDIA_TYPES, encoded
from segmint.api import pages
from segmint.api.app import Reads, ReadsBriefly, Session, Writes
from segmint.api.pages import Page
from segmint.segments.definitions import Segment
from segmint.segments.saved import Preview, SegmentDetail, Why
from segmint.workspace import Workspace

router = APIRouter(prefix="/segments", tags=["segments"])
EXPORT_TYPES = {
    **MEDIA_TYPES,
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
RULE_LENGTH = 10_000  # characters of rule text at most; the parser's own limits apply too


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NewSegment(_Body):
    """A segment to save: its name, its rule, and whether it keeps the members it has now."""

    name: str = Field(min_length=1, max_length=64)
    rule: str = Field(min_length=1, max_length=RULE_LENGTH)
    description: str | None = Field(default=None, max_length=500)
    static: bool = False


class SegmentChange(_Body):
    """A new version of a segment: a new rule, a new description, or both."""

    rule: str | None = Field(default=None, min_length=1, max_length=RULE_LENGTH)
    description: str | None = Field(default=None, max_length=500)


class RuleToTest(_Body):
    """A rule to preview on a run (default: the current one)."""

    rule: str = Field(min_length=1, max_length=RULE_LENGTH)
    run: int | None = None


class Saved(BaseModel):
    """A saved segment version and what it selects on the current run."""

    model_config = ConfigDict(frozen=True)

    segment: Segment
    preview: Preview


@router.get("", name="list_segments")
def list_segments(s: Session = Reads) -> list[SegmentDetail]:
    """The team's rule segments, each with its sentence and members in the current run."""
    return s.workspace.segment_list(lang=s.lang)


@router.get("/{name}", name="get_segment")
def get_segment(name: str, s: Session = Reads) -> SegmentDetail:
    """One segment: its rule in words, its versions, and its members run by run."""
    return s.workspace.segment(name, lang=s.lang)


@router.get(
    "/{name}/members",
    name="segment_members",
    responses={200: {"content": {t: {} for t in MEDIA_TYPES.values()}}},
)
def segment_members(
    name: str,
    run: int | None = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before.")] = None,
    limit: Annotated[int, Query(ge=1, le=pages.MAX_LIMIT)] = 50,
    form: Annotated[
        Literal["json", "csv", "jsonl", "parquet"],
        Query(alias="format", description="json: a page; csv, jsonl, parquet: every member."),
    ] = "json",
    s: Session = ReadsBriefly,
) -> Page[Why]:
    """Members of a segment by customer id (family segments too: tier.A, stage.new …).

    Each with the conditions that held for her, in the current run's live view by default.
    ``format=csv|jsonl|parquet`` streams every member (no row cap, a chunk at a time).
    """
    if form == "json":
        found = s.workspace.segment_members(
            name, after=pages.decode(cursor), limit=limit + 1, run_id=run, lang=s.lang
        )
        return pages.paged(found, limit=limit, key="customer_id")
    pages_ = _pages(s.workspace.cursor(), name, run=run, lang=s.lang)
    first = next(pages_)  # here, so an unknown segment is a 404 and not a broken stream
    return StreamingResponse(  # type: ignore[return-value]
        encoded(_tables(itertools.chain([first], pages_)), schema=MEMBER, form=form),
        media_type=MEDIA_TYPES[form],
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}.{form}"},
    )


@router.get(
    "/{name}/export",
    name="export_segment",
    responses={200: {"content": {t: {} for t in EXPORT_TYPES.values()}}},
)
def export_segment(
    name: str,
    template: Annotated[
        Literal["email", "sms", "wecom"] | None,
        Query(description="The layout a tool imports; only members who may be reached."),
    ] = None,
    form: Annotated[Literal["csv", "xlsx", "parquet", "jsonl"], Query(alias="format")] = "csv",
    encoding: Annotated[
        Literal["utf-8-sig", "utf-8", "gb18030"] | None, Query(description="Of a CSV.")
    ] = None,
    run: int | None = None,
    s: Session = ReadsBriefly,
) -> Response:
    """Every member of a segment as a file, streamed (no row cap), as `segmint export segment`.

    Plain: each member with the values her rule reads and why. With ``template``: the
    columns a bulk email tool (``email``), an SMS gateway (``sms``) or a WeCom tag import
    (``wecom``) takes, of the members who consented to that channel and have an address
    it can use (names, phones and e-mails: analysts and admins only); the headers
    ``X-Segmint-Members``, ``X-Segmint-Exported``,
    ``X-Segmint-No-Consent`` and ``X-Segmint-No-Address`` say who was left out.
    """
    chosen_form, chosen_encoding = exports.form_of(Path(f"list.{form}"), form, encoding)
    held = ExitStack()  # a connection of the stream's own, one transaction for all of it
    reader = held.enter_context(closing(s.workspace.cursor()))
    held.enter_context(reader.engine.transaction())
    try:  # here, so an unknown segment is a 404 and not a broken stream
        found, chunks = reader.segment_rows(name, template=template, run_id=run, lang=s.lang)
    except BaseException:
        held.close()
        raise
    headers = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}.{form}"}
    if found.reach is not None:
        headers |= {
            f"X-Segmint-{part}": str(getattr(found.reach, field))
            for part, field in (
                ("Members", "members"),
                ("Exported", "exported"),
                ("No-Consent", "no_consent"),
                ("No-Address", "no_address"),
            )
        }
    body = exports.encoded_file(
        _closing(held, chunks), schema=found.schema, form=chosen_form, encoding=chosen_encoding
    )
    media = EXPORT_TYPES[chosen_form]
    if chosen_form == "csv" and chosen_encoding == "gb18030":
        media = "text/csv; charset=gb18030"
    return StreamingResponse(body, media_type=media, headers=headers)


def _closing(held: ExitStack, chunks: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """`chunks`, then what `held` holds let go (also when the client goes away)."""
    with held:
        yield from chunks


CHUNK = 5000  # members a streamed chunk holds
MEMBER = pa.schema([("customer_id", pa.string()), ("why", pa.string())])


def _pages(reader: Workspace, name: str, *, run: int | None, lang: str) -> Iterator[list[Why]]:
    """The members a chunk at a time, on a connection of the stream's own.

    All in one transaction: every chunk is read from the same state of the data, so a
    change committed while the stream runs neither splits nor repeats a member.
    """
    with closing(reader), reader.engine.transaction():
        page = reader.segment_members(name, limit=CHUNK, run_id=run, lang=lang)
        yield page
        while len(page) == CHUNK:
            page = reader.segment_members(
                name, after=page[-1].customer_id, limit=CHUNK, run_id=run, lang=lang
            )
            yield page


def _tables(chunks: Iterator[list[Why]]) -> Iterator[pa.Table]:
    for page in chunks:
        yield pa.table(
            {
                "customer_id": [m.customer_id for m in page],
                "why": [" · ".join(m.clauses) for m in page],
            },
            schema=MEMBER,
        )


@router.post("/preview", name="preview_segment")
def preview_segment(body: RuleToTest, s: Session = Reads) -> Preview:
    """What a rule selects, before it is saved: count, shares, overlaps, a sample with why.

    A rule that does not read is a 422 naming its line and column (``location.position``).
    """
    return s.workspace.rule_test(body.rule, run_id=body.run, lang=s.lang)


@router.post("", name="add_segment", status_code=201)
def add_segment(body: NewSegment, s: Session = Writes) -> Saved:
    """Save a new segment, checked and previewed on the current run; audited."""
    segment, preview = s.workspace.add_segment(
        body.name,
        body.rule,
        description=body.description,
        static=body.static,
        actor=s.caller.actor,
        lang=s.lang,
    )
    return Saved(segment=segment, preview=preview)


@router.put("/{name}", name="edit_segment")
def edit_segment(name: str, body: SegmentChange, s: Session = Writes) -> Saved:
    """Save a new version of a segment; the runs that used the old one keep it; audited."""
    segment, preview = s.workspace.edit_segment(
        name, rule=body.rule, description=body.description, actor=s.caller.actor, lang=s.lang
    )
    return Saved(segment=segment, preview=preview)


@router.delete("/{name}", name="remove_segment")
def remove_segment(name: str, s: Session = Writes) -> Segment:
    """Retire a segment: later runs leave it out, earlier runs keep its members; audited."""
    return s.workspace.remove_segment(name, actor=s.caller.actor)
