"""The views of the customer base the dashboard's pages show, as JSON: each page's twin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from segmint.api.app import Reads, Session
from segmint.segments.insights import (
    ClvView,
    FamilyView,
    ImportEntry,
    Overview,
    QuarantinedRow,
    RfmView,
    TiersView,
)
from segmint.segments.needs_view import NeedsView

router = APIRouter(prefix="/insights", tags=["insights"])

RunQuery = Annotated[int | None, Query(description="A run's id; the current run when absent.")]


@router.get("/overview", name="insights_overview")
def overview(run: RunQuery = None, s: Session = Reads) -> Overview:
    """Customers, buyers, active, value customers, revenue, rates, the 80/20 curve, the trend."""
    return s.workspace.overview(run_id=run)


@router.get("/tiers", name="insights_tiers")
def tiers(run: RunQuery = None, s: Session = Reads) -> TiersView:
    """Tier sizes, revenue shares and spend ranges, and the migration since the run before."""
    return s.workspace.tiers(run_id=run, lang=s.lang)


@router.get("/needs", name="insights_needs")
def needs(run: RunQuery = None, s: Session = Reads) -> NeedsView:
    """Profile clusters in words, loyalty levels, service needs, next-best category per tier."""
    return s.workspace.needs(run_id=run, lang=s.lang)


@router.get("/rfm", name="insights_rfm")
def rfm(run: RunQuery = None, s: Session = Reads) -> RfmView:
    """The R×F grid with monetary values, the rfm8 and rfm11 segments, rfm8's movement."""
    return s.workspace.rfm_view(run_id=run, lang=s.lang)


@router.get("/lifecycle", name="insights_lifecycle")
def lifecycle(run: RunQuery = None, s: Session = Reads) -> FamilyView:
    """Customers per lifecycle stage and the flows between stages since the run before."""
    return s.workspace.lifecycle(run_id=run, lang=s.lang)


@router.get("/clv", name="insights_clv")
def clv(run: RunQuery = None, s: Session = Reads) -> ClvView:
    """The CLV distribution, P(alive) by frequency and recency, the model and its checks."""
    return s.workspace.clv_view(run_id=run)


@router.get("/imports", name="list_imports")
def imports(
    limit: Annotated[int, Query(ge=1, le=1000)] = 50, s: Session = Reads
) -> list[ImportEntry]:
    """The latest imports, newest first, with what each took in and set aside."""
    return s.workspace.imports(limit=limit)


@router.get("/imports/{import_id}/quarantine", name="quarantined_rows")
def quarantined(
    import_id: Annotated[str, Path(max_length=200)], s: Session = Reads
) -> list[QuarantinedRow]:
    """The rows an import set aside, as read (personal data: analysts and admins only)."""
    return s.workspace.quarantined(import_id)
