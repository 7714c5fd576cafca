"""Campaigns with a hold-out: who gets which variant, their lists, and what it changed.

`create` keeps a campaign on a segment and assigns the segment's members to its groups
(`models.holdout`: the same group for a customer whenever she is first seen, from the
stated seed); `export` assigns those who joined the segment since and writes the list
of one variant, never the hold-out; `report` sets what each variant's customers did in
the campaign's window (orders, revenue, whether they ordered) against the hold-out's,
with the uplift's confidence interval and a verdict (`models.uplift`).
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from segmint.activate import exports, lists
from segmint.core import files
from segmint.core.config import Settings
from segmint.core.errors import InputError, Location
from segmint.features.customer import EPOCH
from segmint.features.orders import window_outcomes
from segmint.models import holdout as groups_of
from segmint.models.uplift import METRICS, Uplift, compare
from segmint.segments import saved
from segmint.store import campaigns as stored
from segmint.store import live, relations
from segmint.store.campaigns import Campaign
from segmint.store.engine import Store
from segmint.store.snapshots import Run

NAME_LENGTH = 64
LONGEST_WINDOW = 366  # days


class Enrolment(BaseModel):
    """A campaign and how many customers each of its groups holds."""

    model_config = ConfigDict(frozen=True)

    campaign: Campaign
    groups: dict[str, int]  # group (a variant, or "holdout") -> customers
    new: int  # customers assigned just now


class VariantResult(BaseModel):
    """One variant against the hold-out, a result per metric."""

    model_config = ConfigDict(frozen=True)

    variant: str
    customers: int
    metrics: list[Uplift]  # conversion, revenue, orders


class CampaignReport(BaseModel):
    """What the campaign's variants changed over its window, against the hold-out."""

    model_config = ConfigDict(frozen=True)

    campaign: Campaign
    data_until: dt.date | None  # the newest local day of the orders
    complete: bool  # the data covers the whole window
    holdout: int  # customers in the hold-out
    variants: list[VariantResult]


def create(
    engine: Store,
    settings: Settings,
    name: str,
    *,
    segment: str,
    holdout: float,
    variants: list[str],
    start: dt.date,
    end: dt.date,
    seed: int | None,
    run: Run,
    actor: str,
) -> Enrolment:
    """Keep a campaign and assign the segment's members now; audited.

    Raises
    ------
    InputError
        A bad name, an unknown segment, a hold-out or variants `models.holdout` refuses,
        a window that ends before it starts or is longer than a year.
    ConflictError
        A campaign of that name exists.
    """
    _check(engine, settings, name=name, segment=segment, start=start, end=end)
    groups_of.check(holdout=holdout, variants=variants)
    today = live.view_day(engine, run.run_id)
    if end < today:  # nobody could be reached in it: members are assigned from today on
        raise InputError(
            "campaign.window_over", location=Location(field="end"), end=end, today=today
        )
    campaign = Campaign(
        name=name,
        segment=segment,
        holdout=holdout,
        variants=list(variants),
        seed=seed if seed is not None else secrets.randbelow(2**31),
        start_day=start,
        end_day=end,
        created_at=dt.datetime.now(dt.UTC),
        created_by=actor,
    )
    stored.add(engine, campaign)
    return enrol(engine, settings, campaign, run=run)


def enrol(engine: Store, settings: Settings, campaign: Campaign, *, run: Run) -> Enrolment:
    """Assign the members of the campaign's segment in `run` it has not seen yet."""
    members = relations.execute(
        engine, saved.member_ids(engine, settings, campaign.segment, run=run)
    )
    new = stored.unassigned(engine, campaign.name, members)
    if new:
        chosen = groups_of.assign(
            new, seed=campaign.seed, holdout=campaign.holdout, variants=campaign.variants
        )
        with engine.transaction():
            stored.assign(
                engine,
                campaign.name,
                pa.table({"customer_id": new, "variant": chosen}),
                day=live.view_day(engine, run.run_id),  # the data's day, not the clock's
                now=dt.datetime.now(dt.UTC),
            )
    return Enrolment(campaign=campaign, groups=stored.sizes(engine, campaign.name), new=len(new))


def export(
    engine: Store,
    settings: Settings,
    campaign: Campaign,
    variant: str,
    path: Path,
    *,
    run: Run,
    lang: str,
    template: str | None = None,
    form: str | None = None,
    encoding: str | None = None,
    force: bool = False,
) -> lists.SegmentExport:
    """The list of one variant: its members now in the segment, the newly joined assigned.

    Raises
    ------
    InputError
        `variant` is none of the campaign's (the hold-out gets no list).
    """
    if variant not in campaign.variants:
        raise InputError(
            "campaign.unknown_variant",
            location=Location(field="variant"),
            variant=variant,
            known=", ".join(campaign.variants),
        )
    exports.form_of(path, form, encoding)  # before anything is written
    files.check_new_file(path, force=force)
    enrol(engine, settings, campaign, run=run)
    table = engine.ibis().table("campaign_members")
    keep = table.filter((table.campaign == campaign.name) & (table.variant == variant)).select(
        "customer_id"
    )
    return lists.export_segment(
        engine,
        settings,
        campaign.segment,
        path,
        run=run,
        lang=lang,
        template=template,
        form=form,
        encoding=encoding,
        force=force,
        keep=keep,
    )


def report(
    engine: Store, settings: Settings, campaign: Campaign, *, confidence: float = 0.95
) -> CampaignReport:
    """Each variant against the hold-out over the campaign's window (orders on those days).

    Everyone assigned by the window's end counts, whether she is still in the segment
    or not: leaving it may be what the campaign did.
    """
    src = relations.sources(engine, timezone=settings.timezone)
    start, end = (campaign.start_day - EPOCH).days, (campaign.end_day - EPOCH).days
    members = engine.ibis().table("campaign_members")
    chosen = members.filter(
        (members.campaign == campaign.name) & (members.assigned_day <= campaign.end_day)
    )
    did = window_outcomes(src.orders, start, end)
    joined = chosen.left_join(did, "customer_id").select(
        chosen.variant,
        orders=did.orders.fill_null(0),
        revenue=did.revenue.fill_null(0).cast("float64"),
    )
    table = relations.execute(engine, joined)
    # the local day of the newest order: the instant's day, not every order's day's max
    newest = relations.newest_order_at(engine)
    data_until = None if newest is None else newest.astimezone(ZoneInfo(settings.timezone)).date()
    held = _outcomes(table, groups_of.HOLDOUT)
    results = []
    for variant in campaign.variants:
        got = _outcomes(table, variant)
        metrics = [compare(got[m], held[m], metric=m, confidence=confidence) for m in METRICS]
        results.append(
            VariantResult(variant=variant, customers=len(got["orders"]), metrics=metrics)
        )
    return CampaignReport(
        campaign=campaign,
        data_until=data_until,
        complete=data_until is not None and data_until >= campaign.end_day,
        holdout=len(held["orders"]),
        variants=results,
    )


def _outcomes(table: pa.Table, group: str) -> dict[str, npt.NDArray[np.float64]]:
    """Conversion, revenue and orders of each customer of `group` (variant, orders, revenue)."""
    chosen = table["variant"].to_numpy(zero_copy_only=False) == group
    orders = table["orders"].to_numpy(zero_copy_only=False).astype(np.float64)[chosen]
    revenue = table["revenue"].to_numpy(zero_copy_only=False).astype(np.float64)[chosen]
    return {"conversion": (orders > 0).astype(np.float64), "revenue": revenue, "orders": orders}


def _check(
    engine: Store,
    settings: Settings,
    *,
    name: str,
    segment: str,
    start: dt.date,
    end: dt.date,
) -> None:
    if not name.strip() or len(name) > NAME_LENGTH:
        raise InputError(
            "campaign.bad_name", location=Location(field="name"), name=name, most=NAME_LENGTH
        )
    if segment not in saved.known_names(engine, settings):
        raise InputError(
            "campaign.unknown_segment", location=Location(field="segment"), name=segment
        )
    if not start <= end <= start + dt.timedelta(days=LONGEST_WINDOW):
        raise InputError(
            "campaign.bad_window",
            location=Location(field="end"),
            start=start.isoformat(),
            end=end.isoformat(),
            most=LONGEST_WINDOW,
        )
