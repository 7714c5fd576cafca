"""A run's facts, typed: the population-level numbers its scores and labels came from.

Cut points, tier spans, the stand-in gap of the lifecycle, the value customers' cut-off,
the fitted models, their holdout check and tracking series, the 80/20 curve and the run's warnings.
They are stored in typed columns (`store.facts`), read back as these objects, and are
what explanations quote and what scores a new order between runs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from segmint.core import i18n
from segmint.core.config import (
    ClvSettings,
    LifecycleSettings,
    RfmSettings,
    Settings,
    TierSettings,
    ValueSettings,
)
from segmint.core.config_needs import (
    ClusterSettings,
    LoyaltySettings,
    RecommendSettings,
    ServiceSettings,
)


class _Fact(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RunSettings(_Fact):
    """The settings a run's scores depend on, as they were when it ran, and its engine.

    ``engine``: what computed it (a run on Spark read the lake, not the workspace file);
    ``output``: where a run on Spark wrote its snapshot as a lake's table (``[spark]
    output``), None for a run kept in the workspace file alone.
    """

    engine: Literal["duckdb", "spark"] = "duckdb"
    output: str | None = None
    rfm: RfmSettings = RfmSettings()
    tiers: TierSettings = TierSettings()
    lifecycle: LifecycleSettings = LifecycleSettings()
    value: ValueSettings = ValueSettings()
    clv: ClvSettings = ClvSettings()
    clusters: ClusterSettings = ClusterSettings()
    recommend: RecommendSettings = RecommendSettings()
    service: ServiceSettings = ServiceSettings()
    loyalty: LoyaltySettings = LoyaltySettings()

    @classmethod
    def of(cls, settings: Settings, *, engine: Literal["duckdb", "spark"]) -> RunSettings:
        """The run-relevant sections of `settings`, and the engine that computed the run."""
        kept = set(cls.model_fields) - {"engine", "output"}
        sections = {name: getattr(settings, name) for name in kept}
        return cls(engine=engine, **sections)


class RfmFacts(_Fact):
    """The RFM cut points (score s+1 above the s-th) and the buyers' means (rfm8's bar).

    Money in currency units; cut points of recency_days are days, of frequency orders.
    """

    recency_cuts: tuple[float, ...]
    frequency_cuts: tuple[float, ...]
    monetary_cuts: tuple[float, ...]
    mean_recency_days: float
    mean_frequency: float
    mean_monetary: float


class TierSpan(_Fact):
    """One tier: its customers, those of them who bought, and their 365-day spend range."""

    tier: str
    customers: int
    buyers: int
    min_spend: float | None
    max_spend: float | None


class ModelCheck(_Fact):
    """How one candidate model did when the run chose among them."""

    model: str
    mae: float | None = None  # mean absolute error of holdout purchases per customer
    predicted: float | None = None  # holdout purchases the model expected ...
    actual: int | None = None  # ... and those that happened
    log_likelihood: float | None = None  # when chosen by likelihood instead
    error: str | None = None  # why the model could not be fitted


class Fit(_Fact):
    """A fitted model: parameters, their standard errors, the log-likelihood."""

    model: str
    purpose: Literal["purchases", "spend"]
    params: dict[str, float]
    standard_errors: dict[str, float]
    log_likelihood: float


class Tracking(_Fact):
    """Cumulative repeat purchases of the customer base, actual and as the model expected.

    The cumulative tracking plot of Fader, Hardie & Lee (2005). ``days`` is the grid in
    whole days after ``start`` (the customer base's first purchase day): 0, then weekly
    (every few weeks on long histories, at most 200 points), with a point on
    ``calibration_end`` and the last on the run's as_of. ``actual[k]``: repeat purchases
    (every purchase day of a customer after her first, as the models count them) on days
    up to and including ``start + days[k]``; ``expected[k]``: what the purchase model
    expected of the same customers, each from her first purchase. ``fitted_on``:
    "calibration" when the model was fitted on history up to ``calibration_end`` (the run
    chose by holdout, so after it the line is an out-of-sample check), "all_history"
    when on everything up to as_of (chosen by likelihood; ``calibration_end`` is as_of).
    """

    start: dt.date
    calibration_end: dt.date
    fitted_on: Literal["calibration", "all_history"]
    days: tuple[int, ...]
    actual: tuple[int, ...]
    expected: tuple[float, ...]


class ClvFacts(_Fact):
    """The customer-value models of a run: which was chosen, how, their fits and tracking.

    ``tracking`` is None when there is no purchase model (and in runs stored before it).
    """

    model: str | None = None  # the purchase model used; None when none could be
    chosen_by: Literal["holdout", "log_likelihood"] | None = None
    holdout_days: int | None = None
    holdout_customers: int | None = None
    discount_rate: float | None = None
    note: str | None = None  # why there is no model or no spend model
    checks: tuple[ModelCheck, ...] = ()
    fits: tuple[Fit, ...] = ()
    tracking: Tracking | None = None

    def fit(self, purpose: Literal["purchases", "spend"]) -> Fit | None:
        """The fit used for `purpose`, None when there is none."""
        return next((f for f in self.fits if f.purpose == purpose), None)


class Trait(_Fact):
    """A feature that sets a cluster apart: its z-score against everyone, and both means.

    ``feature`` is a profile column (`pipeline.profiles`): a catalog feature, ``age``,
    or ``<kind>:<value>`` for a share (``category_share:母婴``, ``channel_share:抖音``,
    ``gender:female``). Means are in the feature's own units (yuan, days, shares).
    """

    feature: str
    z: float
    mean: float
    overall: float


class Cluster(_Fact):
    """One profile cluster of a run: its stable id, size, centre and distinguishing traits."""

    cluster: int
    customers: int
    center: tuple[float, ...]  # in the profile's columns, before standardizing
    traits: tuple[Trait, ...]


class Silhouette(_Fact):
    """The criterion a number of clusters scored (Rousseeuw 1987; higher is better)."""

    k: int
    score: float


class ProfileFacts(_Fact):
    """The profile clusters of a run: the columns, their standardization, the clusters.

    Kept so the next run can give its clusters the ids of this run's nearest ones, and
    an update between runs places a customer with this run's centres.
    """

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    silhouettes: tuple[Silhouette, ...]
    clusters: tuple[Cluster, ...]


class RunWarning(_Fact):
    """Something a finished run found doubtful: a catalogue code and the values it names."""

    code: str
    params: dict[str, Any]

    def render(self, lang: str) -> tuple[str, str | None]:
        """The message and the hint in `lang`."""
        return i18n.render(self.code, lang, **self.params)

    def as_dict(self, lang: str = "en") -> dict[str, Any]:
        """Code, message, hint and the values, for JSON output."""
        message, hint = self.render(lang)
        return {"code": self.code, "message": message, "hint": hint, "params": self.params}


class RunFacts(_Fact):
    """Everything population-level a run decided, typed.

    ``rfm`` is None when nobody bought; ``usual_gap_days`` is the gap that stands in
    for a customer with a single order (the repeat buyers' median gap);
    ``value_cutoff`` the lowest value score flagged as a value customer.
    """

    settings: RunSettings
    rfm: RfmFacts | None
    tiers: tuple[TierSpan, ...]
    usual_gap_days: float | None
    value_cutoff: float | None
    clv: ClvFacts
    pareto_curve: tuple[float, ...]
    warnings: tuple[RunWarning, ...] = ()
    profiles: ProfileFacts | None = None  # None when too few customers bought

    def span(self, tier: str) -> TierSpan | None:
        """The span of `tier`, None when the run has no such tier."""
        return next((s for s in self.tiers if s.tier == tier), None)
