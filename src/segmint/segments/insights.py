"""The views of the customer base a dashboard page or the report shows, as typed results.

Overview (KPIs, the 80/20 curve, the trend across runs), tiers with their migration,
the R×F grid with the RFM names, the lifecycle funnel and its flows, CLV with its
validation, and the data's imports and runs. Each is built from one run's snapshot (and
the previous run's, for movement), so it never changes once made; the API serves the
same objects under ``/v1/insights``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict

from segmint.core.config import Settings
from segmint.core.facts import ClvFacts, TierSpan
from segmint.models.lifecycle import STAGES
from segmint.segments.families import segment_label
from segmint.store import insights as stored
from segmint.store.engine import Store
from segmint.store.snapshots import Run

TREND_RUNS = 24  # runs the overview's trend goes back at most
CLV_BINS = 20


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class Kpis(_View):
    """One run's headline figures. Rates are shares of buyers (customers with an order)."""

    run_id: int
    as_of: dt.date
    customers: int
    buyers: int
    active: int
    value_customers: int
    revenue_365d: Decimal
    clv_12m: float
    avg_clv_12m: float | None
    repurchase_rate: float | None
    churn_rate: float | None
    conversion_rate: float | None


class Overview(_View):
    """The current run's KPIs, the previous run's, the 80/20 curve and the trend."""

    kpis: Kpis
    previous: Kpis | None
    pareto_curve: list[float]
    trend: list[Kpis]


class Group(_View):
    """One segment of a family in a run: its size, revenue and value."""

    key: str
    label: str
    customers: int
    share: float | None
    revenue_365d: Decimal
    revenue_share: float | None
    avg_clv_12m: float | None


class Flow(_View):
    """Customers who were in `before` in the earlier run and in `after` now (None: absent)."""

    before: str | None
    after: str | None
    before_label: str | None
    after_label: str | None
    customers: int
    revenue_365d: Decimal


class FamilyView(_View):
    """A family's segments in a run and the flows from the previous run's."""

    run_id: int
    as_of: dt.date
    previous_run: int | None
    family: str
    groups: list[Group]
    flows: list[Flow]


class TiersView(FamilyView):
    """Tiers with the spend range of each (from the run's facts)."""

    spans: list[TierSpan]


class RfmCell(_View):
    """Customers of one (R score, F score) cell, their average monetary value and revenue."""

    r: int
    f: int
    customers: int
    avg_monetary: float | None
    revenue_365d: Decimal


class RfmView(_View):
    """The R×F grid, the rfm8 and rfm11 segments, and the rfm8 movement since last run."""

    run_id: int
    as_of: dt.date
    previous_run: int | None
    grid: list[RfmCell]
    rfm8: FamilyView
    rfm11: FamilyView


class Band(_View):
    """Customers whose 12-month CLV is in [low, high) (the last band takes the top 1 %)."""

    low: float
    high: float
    customers: int


class AliveCell(_View):
    """Mean P(alive) of the buyers of one frequency band and recency band (days)."""

    frequency: str
    recency: str
    customers: int
    p_alive: float


class ClvView(_View):
    """A run's CLV: distribution, P(alive) by frequency and recency, the model's checks."""

    run_id: int
    as_of: dt.date
    total_clv_12m: float
    distribution: list[Band]
    alive: list[AliveCell]
    facts: ClvFacts


class ValueCustomer(_View):
    """A value customer of a run: tier and stage (key and label), orders, revenue, CLV."""

    customer_id: str
    tier: str | None
    tier_label: str | None
    stage: str | None
    stage_label: str | None
    orders: int
    revenue_365d: Decimal
    clv_12m: float | None
    p_alive: float | None


class ImportEntry(_View):
    """One finished import and what it took in and set aside."""

    import_id: str
    kind: str
    file: str
    format: str | None
    encoding: str | None
    started_at: dt.datetime
    finished_at: dt.datetime
    rows_read: int | None
    accepted: int
    quarantined: int
    already_present: int
    updated: int


class QuarantinedRow(_View):
    """A row an import set aside: where, why, and the row as read."""

    row: int
    field: str | None
    code: str
    message: str
    raw: str | None


def kpis(engine: Store, runs: list[Run]) -> list[Kpis]:
    """The KPIs of `runs`, in their order."""
    found = {r["run_id"]: r for r in stored.run_kpis(engine, [run.run_id for run in runs])}
    return [_kpis(run, found.get(run.run_id)) for run in runs]


def _kpis(run: Run, row: dict[str, Any] | None) -> Kpis:
    row = row or {}  # a run of no customer has no row
    buyers, customers = int(row.get("buyers", 0)), int(row.get("customers", 0))

    def of_buyers(key: str) -> float | None:
        return int(row.get(key, 0)) / buyers if buyers else None

    return Kpis(
        run_id=run.run_id,
        as_of=run.as_of,
        customers=customers,
        buyers=buyers,
        active=int(row.get("active", 0)),
        value_customers=int(row.get("value_customers", 0)),
        revenue_365d=Decimal(str(row.get("revenue_365d", 0))),
        clv_12m=float(row.get("clv_12m", 0.0)),
        avg_clv_12m=row.get("avg_clv_12m"),
        repurchase_rate=of_buyers("repeat_buyers"),
        churn_rate=of_buyers("churned"),
        conversion_rate=buyers / customers if customers else None,
    )


def trend_runs(run: Run, runs: list[Run]) -> list[Run]:
    """The runs a trend up to `run` shows, oldest first, at most `TREND_RUNS`.

    `run` and the latest of `runs` (in any order) up to its day that are not backtests.
    """
    return sorted(
        (r for r in runs if r.run_id == run.run_id or (not r.backtest and r.as_of <= run.as_of)),
        key=lambda r: (r.as_of, r.run_id),
    )[-TREND_RUNS:]


def overview(engine: Store, *, run: Run, previous: Run | None, runs: list[Run]) -> Overview:
    """`run`'s KPIs beside `previous`'s, and the trend across runs (`trend_runs`)."""
    trend = trend_runs(run, runs)
    measured = {k.run_id: k for k in kpis(engine, [*trend, *([previous] if previous else [])])}
    return Overview(
        kpis=measured[run.run_id],
        previous=None if previous is None else measured[previous.run_id],
        pareto_curve=list(run.facts.pareto_curve),
        trend=[measured[r.run_id] for r in trend],
    )


def family(
    engine: Store,
    settings: Settings,
    *,
    family: str,
    run: Run,
    previous: Run | None,
    lang: str,
) -> FamilyView:
    """The segments of `family` (tier, stage, rfm8, rfm11) in `run`, and flows since `previous`."""

    def label(key: str | None) -> str | None:
        return None if key is None else segment_label(family, key, settings=settings, lang=lang)

    rows = stored.family_sizes(engine, run.run_id, family)
    customers = sum(r["customers"] for r in rows)
    revenue = sum((Decimal(str(r["revenue_365d"])) for r in rows), Decimal(0))
    groups = [
        Group(
            key=r["key"],
            label=label(r["key"]) or r["key"],
            customers=r["customers"],
            share=r["customers"] / customers if customers else None,
            revenue_365d=Decimal(str(r["revenue_365d"])),
            revenue_share=float(Decimal(str(r["revenue_365d"])) / revenue) if revenue else None,
            avg_clv_12m=r["avg_clv_12m"],
        )
        for r in rows
    ]
    groups.sort(key=_order(family, settings))
    flows = []
    if previous is not None:
        flows = [
            Flow(
                before=r["before"],
                after=r["after"],
                before_label=label(r["before"]),
                after_label=label(r["after"]),
                customers=r["customers"],
                revenue_365d=Decimal(str(r["revenue_365d"])),
            )
            for r in stored.family_flows(engine, previous.run_id, run.run_id, family)
            if r["before"] is not None or r["after"] is not None  # in the family in a run
        ]
    return FamilyView(
        run_id=run.run_id,
        as_of=run.as_of,
        previous_run=None if previous is None else previous.run_id,
        family=family,
        groups=groups,
        flows=flows,
    )


def _order(family: str, settings: Settings) -> Callable[[Group], tuple[int, str]]:
    """Tiers top first, stages and levels in order, clusters by id, others largest first."""
    ranks = {
        "tier": {label: i for i, label in enumerate(settings.tiers.labels)},
        "stage": {stage: i for i, stage in enumerate(STAGES)},
        "loyalty_level": {level.key: i for i, level in enumerate(settings.loyalty.levels)},
    }.get(family)
    if family == "cluster":  # by id, as the runs keep them
        return lambda group: (int(group.key), group.key)

    def place(group: Group) -> tuple[int, str]:
        rank = -group.customers if ranks is None else ranks.get(group.key, len(ranks))
        return rank, group.key

    return place


def tiers(
    engine: Store, settings: Settings, *, run: Run, previous: Run | None, lang: str
) -> TiersView:
    """Tiers: sizes, revenue shares, spend ranges, and the migration since `previous`."""
    view = family(engine, settings, family="tier", run=run, previous=previous, lang=lang)
    return TiersView(**dict(view), spans=list(run.facts.tiers))


def rfm(engine: Store, settings: Settings, *, run: Run, previous: Run | None, lang: str) -> RfmView:
    """The R×F grid, rfm8 and rfm11 with the rfm8 movement since `previous`."""
    grid = [
        RfmCell(
            r=c["r"],
            f=c["f"],
            customers=c["customers"],
            avg_monetary=c["avg_monetary"],
            revenue_365d=Decimal(str(c["revenue_365d"])),
        )
        for c in stored.rfm_grid(engine, run.run_id)
    ]
    return RfmView(
        run_id=run.run_id,
        as_of=run.as_of,
        previous_run=None if previous is None else previous.run_id,
        grid=grid,
        rfm8=family(engine, settings, family="rfm8", run=run, previous=previous, lang=lang),
        rfm11=family(engine, settings, family="rfm11", run=run, previous=None, lang=lang),
    )


def clv(engine: Store, *, run: Run) -> ClvView:
    """The run's CLV distribution, its P(alive) grid and the model's facts."""
    bands = [
        Band(low=float(b["low"]), high=float(b["high"]), customers=b["customers"])
        for b in stored.clv_histogram(engine, run.run_id, bins=CLV_BINS)
    ]
    alive = [
        AliveCell(
            frequency=stored.FREQUENCY_BANDS[c["frequency"]][0],
            recency=stored.RECENCY_BANDS[c["recency"]][0],
            customers=c["customers"],
            p_alive=float(c["p_alive"]),
        )
        for c in stored.alive_grid(engine, run.run_id)
        if c["frequency"] is not None and c["recency"] is not None
    ]
    return ClvView(
        run_id=run.run_id,
        as_of=run.as_of,
        total_clv_12m=stored.clv_total(engine, run.run_id),
        distribution=bands,
        alive=alive,
        facts=run.facts.clv,
    )


def value_customers(
    engine: Store, settings: Settings, *, run: Run, lang: str, limit: int = 20
) -> list[ValueCustomer]:
    """The `limit` value customers of `run` worth most over the next 12 months."""

    def label(family: str, key: str | None) -> str | None:
        return None if key is None else segment_label(family, key, settings=settings, lang=lang)

    return [
        ValueCustomer(
            **r | {"revenue_365d": Decimal(str(r["revenue_365d"]))},
            tier_label=label("tier", r["tier"]),
            stage_label=label("stage", r["stage"]),
        )
        for r in stored.value_customers(engine, run.run_id, limit=limit)
    ]


def imports(engine: Store, *, limit: int = 50) -> list[ImportEntry]:
    """The latest imports, newest first."""
    return [ImportEntry(**row) for row in stored.imports(engine, limit=limit)]


def quarantined(engine: Store, import_id: str) -> list[QuarantinedRow]:
    """The rows an import set aside, in file order."""
    return [QuarantinedRow(**row) for row in stored.quarantined(engine, import_id)]
