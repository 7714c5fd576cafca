"""Campaigns with a hold-out over HTTP: make one, list them, read a campaign's uplift."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from segmint.activate.campaigns import CampaignReport, Enrolment
from segmint.api.app import Reads, Session, Writes
from segmint.store.campaigns import Campaign

router = APIRouter(prefix="/campaigns", tags=["campaigns"])


class NewCampaign(BaseModel):
    """A campaign to make (`segmint campaign create`): its segment, hold-out and window."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    segment: str = Field(min_length=1, max_length=200)
    holdout: float = Field(default=0.1, gt=0, lt=1)
    variants: list[str] = Field(default=["A"], min_length=1, max_length=26)
    start: dt.date | None = None
    end: dt.date | None = None
    seed: int | None = Field(default=None, ge=0, lt=2**63)


@router.get("", name="list_campaigns")
def list_campaigns(s: Session = Reads) -> list[Campaign]:
    """Every campaign, newest first."""
    return s.workspace.campaigns()


@router.post("", name="create_campaign", status_code=201)
def create_campaign(body: NewCampaign, s: Session = Writes) -> Enrolment:
    """Make a campaign and assign its segment's members to the variants and the hold-out."""
    return s.workspace.create_campaign(
        body.name,
        segment=body.segment,
        holdout=body.holdout,
        variants=body.variants,
        start=body.start,
        end=body.end,
        seed=body.seed,
        actor=s.caller.actor,
    )


@router.get("/{name}/report", name="campaign_report")
def campaign_report(name: str, s: Session = Reads) -> CampaignReport:
    """Each variant against the hold-out over the window: means, uplift, interval, verdict."""
    return s.workspace.campaign_report(name)
