"""The team's segments: their definitions, and their members page by page, with why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from segmint.api import pages
from segmint.api.app import Session, Using
from segmint.api.pages import Page
from segmint.segments.saved import SegmentDetail, Why

router = APIRouter(prefix="/segments", tags=["segments"])


@router.get("", name="list_segments")
def list_segments(s: Session = Using) -> list[SegmentDetail]:
    """The team's rule segments, each with its sentence and members in the current run."""
    return s.workspace.segment_list(lang=s.lang)


@router.get("/{name}", name="get_segment")
def get_segment(name: str, s: Session = Using) -> SegmentDetail:
    """One segment: its rule in words, its versions, and its members run by run."""
    return s.workspace.segment(name, lang=s.lang)


@router.get("/{name}/members", name="segment_members")
def segment_members(
    name: str,
    run: int | None = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the page before.")] = None,
    limit: Annotated[int, Query(ge=1, le=pages.MAX_LIMIT)] = 50,
    s: Session = Using,
) -> Page[Why]:
    """Members of a segment by customer id (family segments too: tier.A, stage.new …).

    Each with the conditions that held for her, in the current run's live view by default.
    """
    found = s.workspace.segment_members(
        name, after=pages.decode(cursor), limit=limit + 1, run_id=run, lang=s.lang
    )
    return pages.paged(found, limit=limit, key="customer_id")
