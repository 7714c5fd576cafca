"""Campaigns and who was assigned to which of their groups.

A campaign is kept once, audited; its members are added as they are first seen in its
segment, each with the group `models.holdout` gives her, and never moved.
"""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from segmint.core.errors import ConflictError, Location, NotFoundError
from segmint.store import audit
from segmint.store.engine import Store


class Campaign(BaseModel):
    """A campaign: its segment, hold-out share, variants, seed and window (local days)."""

    model_config = ConfigDict(frozen=True)

    name: str
    segment: str
    holdout: float
    variants: list[str]
    seed: int
    start_day: dt.date
    end_day: dt.date
    created_at: dt.datetime
    created_by: str


_COLUMNS = ", ".join(Campaign.model_fields)


def add(engine: Store, campaign: Campaign) -> None:
    """Keep a new campaign; audited.

    Raises
    ------
    ConflictError
        One of that name exists (``campaign.exists``).
    """
    if engine.scalar("SELECT count(*) FROM campaigns WHERE name = ?", [campaign.name]):
        raise ConflictError("campaign.exists", location=Location(field="name"), name=campaign.name)
    row = campaign.model_dump()
    row["variants"] = json.dumps(campaign.variants, ensure_ascii=False)
    marks = ", ".join("?" * len(row))
    with engine.transaction():
        engine.execute(f"INSERT INTO campaigns ({_COLUMNS}) VALUES ({marks})", list(row.values()))
        audit.record(
            engine,
            "campaign_create",
            target=f"campaign {campaign.name}",
            actor=campaign.created_by,
            details={k: str(v) for k, v in row.items() if k not in ("created_at", "created_by")},
        )


def get(engine: Store, name: str) -> Campaign:
    """One campaign by name.

    Raises
    ------
    NotFoundError
        No such campaign (``campaign.not_found``).
    """
    rows = engine.rows(f"SELECT {_COLUMNS} FROM campaigns WHERE name = ?", [name])
    if not rows:
        raise NotFoundError("campaign.not_found", location=Location(field="name"), name=name)
    return _campaign(rows[0])


def listed(engine: Store) -> list[Campaign]:
    """Every campaign, newest first."""
    rows = engine.rows(f"SELECT {_COLUMNS} FROM campaigns ORDER BY created_at DESC, name")
    return [_campaign(r) for r in rows]


def unassigned(engine: Store, name: str, members: pa.Table) -> list[str]:
    """The customers of `members` (customer_id) the campaign has not assigned yet."""
    with engine.registered("_members", members.select(["customer_id"])):
        rows = engine.rows(
            """SELECT customer_id FROM _members EXCEPT
            SELECT customer_id FROM campaign_members WHERE campaign = ? ORDER BY 1""",
            [name],
        )
    return [str(r[0]) for r in rows]


def assign(engine: Store, name: str, groups: pa.Table, *, day: dt.date, now: dt.datetime) -> None:
    """Record `groups` (customer_id, variant): customers first seen in the data of `day`."""
    with engine.registered("_groups", groups.select(["customer_id", "variant"])):
        engine.execute(
            "INSERT INTO campaign_members SELECT ?, customer_id, variant, ?, ? FROM _groups",
            [name, day, now],
        )


def sizes(engine: Store, name: str) -> dict[str, int]:
    """How many customers each group of the campaign has."""
    rows = engine.rows(
        "SELECT variant, count(*) FROM campaign_members WHERE campaign = ? GROUP BY 1 ORDER BY 1",
        [name],
    )
    return {str(v): int(n) for v, n in rows}


def _campaign(row: tuple[object, ...]) -> Campaign:
    fields = dict(zip(Campaign.model_fields, row, strict=True))
    fields["variants"] = json.loads(str(fields["variants"]))
    return Campaign.model_validate(fields)
