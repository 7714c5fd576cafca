"""Runs and what each found: the runs kept, and the segments report of one."""

from __future__ import annotations

from fastapi import APIRouter

from segmint.api.app import Reads, Session
from segmint.segments.results import SegmentsReport
from segmint.store.snapshots import Run

router = APIRouter(tags=["runs"])


@router.get("/runs", name="list_runs")
def list_runs(s: Session = Reads) -> list[Run]:
    """Every run, newest first, with its typed facts; ``current`` marks the one shown."""
    return s.workspace.runs()


@router.get("/report/segments", name="segments_report")
def segments_report(run: int | None = None, s: Session = Reads) -> SegmentsReport:
    """Every segment of a run (default: the current one) with size, shares, KPIs, change."""
    return s.workspace.segments(run_id=run, lang=s.lang)
