"""The typed reports a run feeds: segments with KPIs, moves between runs, one customer.

`Workspace` returns these; the CLI renders them, the API serves them (its OpenAPI
schema is theirs) and the dashboard shows them, so a renamed field is a type error in
every face, not an empty cell in one.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from segmint.core import i18n, privacy


class _Result(BaseModel):
    model_config = ConfigDict(frozen=True)


class Alert(_Result):
    """One alert as stored: who, why, how serious, what raised it and what became of it."""

    alert_id: int
    customer_id: str
    reason: str
    subject: str
    severity: str
    params: dict[str, Any]
    raised_at: dt.datetime
    raised_by: str
    run_id: int | None
    update_id: int | None = None  # the update of the live view that raised it, if one did
    resolved_at: dt.datetime | None
    resolved_by: str | None
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    note: str | None

    def text(self, lang: str) -> str:
        """The reason in `lang`, with the numbers behind it (a stage by its name)."""
        params = dict(self.params)
        if params.get("stage") is not None:
            params["stage"] = i18n.message(f"stage.{params['stage']}", lang)
        return i18n.message(f"alert.{self.reason}", lang, **params)

    def at_stake(self) -> float | None:
        """Revenue of the next 12 months lost should her buying stay this low (a drop's alert)."""
        value = self.params.get("at_stake_365d")
        return None if value is None else float(value)


class AlertTotals(_Result):
    """Alerts counted: all, high severity, those with money at stake and its sum (12 months)."""

    alerts: int
    high: int
    with_stake: int
    at_stake: float


class SegmentRow(_Result):
    """One segment of a run: members, shares, KPIs, and its change since the run before.

    ``family`` is a built-in family or ``rules`` (the team's own); ``segment`` its key in
    the family (the segment's name for a rule); ``label`` and ``family_label`` are in the
    report's language. Shares are of the run's customers and 365-day revenue (None when
    the run has none); ``change`` is None without an earlier run.
    """

    segment_id: int
    name: str
    kind: Literal["family", "rule"]
    family: str
    segment: str
    version: int
    label: str
    family_label: str
    customers: int
    share: float | None
    revenue_share: float | None
    revenue_365d: Decimal
    avg_clv_12m: float | None
    repurchase_rate: float | None
    churn_rate: float | None
    aov: float | None
    change: int | None
    trend: list[int] = []  # members in each run of the report's `trend_days`


class SegmentsReport(_Result):
    """Every segment a run evaluated, with the 80/20 curve of its 365-day revenue.

    ``pareto_curve[k]``: the share of revenue held by the top k % of customers (101
    points, or none when nobody spent).
    """

    run_id: int
    as_of: dt.date
    previous_run: int | None
    segments: list[SegmentRow]
    pareto_curve: list[float]
    trend_days: list[dt.date] = []  # the runs of each segment's trend, oldest first

    def family(self, name: str) -> list[SegmentRow]:
        """The rows of one family, in the report's order."""
        return [row for row in self.segments if row.family == name]


class Transition(_Result):
    """Customers (and their 365-day revenue, as of the later run) by segment before → after.

    None on a side: the customer had no segment of the family in that run.
    """

    before: str | None
    after: str | None
    customers: int
    revenue_365d: Decimal | None


class Move(_Result):
    """Entries and exits of one segment between two runs."""

    family: str
    segment: str
    entered: int
    left: int
    revenue_365d_entered: Decimal


class Diff(_Result):
    """Who moved between two runs: tier and stage matrices, entries and exits per segment."""

    before: int
    after: int
    transitions: dict[str, list[Transition]]
    moves: list[Move]


class OwnSegment(_Result):
    """A team's segment a customer is in, with the conditions that held for her."""

    name: str
    version: int
    static: bool
    why: list[str]


class CategoryShare(_Result):
    """A customer's spend in one category, and its share of her spend."""

    category: str
    spend: Decimal
    share: float


class HistoryEntry(_Result):
    """A customer's segment of each family of HISTORY_FAMILIES in one run (None: none)."""

    run_id: int
    as_of: dt.date
    tier: str | None
    stage: str | None
    rfm11: str | None
    value_customer: str | None
    loyalty_level: str | None = None
    cluster: str | None = None


HISTORY_FAMILIES = ("tier", "stage", "rfm11", "value_customer", "loyalty_level", "cluster")


class TimelineEntry(_Result):
    """An order, interaction or ticket of the customer's recent past.

    ``what``: the order's status, the event's type, or complaint / ticket; ``detail``: the
    order's amount, the event's channel, the ticket's category.
    """

    happened_at: dt.datetime
    kind: Literal["order", "event", "ticket"]
    ref: str
    what: str | None
    detail: str | None


class MonthlyOrders(_Result):
    """A customer's counted orders and net revenue in the month starting on ``month``."""

    month: dt.date
    orders: int
    revenue: Decimal


class Product(_Result):
    """A product recommended to a customer: its id, name and category."""

    product_id: str
    name: str | None
    category: str | None


class Profile(_Result):
    """The 360° profile of one customer in a run.

    ``identity``: her customers record (None when only the snapshot has her);
    ``snapshot``: her features, scores and labels, by the catalog's column names
    (`docs/features.md`; None when the run does not have her). For the current run these
    are the live view's, with ``view_as_of`` (her row's day) and ``updated_at``.
    ``labels`` and ``why``: per label family, her label and the reason in words.
    ``recommendations``: the products she is likely to buy next, best first.
    """

    customer_id: str
    run_id: int
    as_of: dt.date
    view_as_of: dt.date | None = None
    updated_at: dt.datetime | None = None
    identity: dict[str, Any] | None
    snapshot: dict[str, Any] | None
    labels: dict[str, str]
    why: dict[str, str]
    segments: list[OwnSegment]
    categories: list[CategoryShare]
    history: list[HistoryEntry]
    timeline: list[TimelineEntry]
    alerts: list[Alert] = []
    recommendations: list[Product] = []

    def masked(self) -> Profile:
        """The profile with her personal data masked (`core.privacy`), for a viewer."""
        if self.identity is None:
            return self
        return self.model_copy(update={"identity": privacy.masked(self.identity)})
