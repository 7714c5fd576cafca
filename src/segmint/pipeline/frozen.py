"""A few customers' scores and labels with a run's population frozen: the live view's rules.

Between two runs an update recomputes the features of the customers it touches, and
scores them against the population of the current run, not their own few rows:

- Cut points (RFM quantile or fixed cuts), the rfm8 means, the stand-in gap of the
  lifecycle and the fitted CLV models are the run's facts (`RunFacts`).
- A ranked label (RFM by rank, tiers by rank or Pareto, the value-customer flag) keeps
  the run's groups: each group starts at the customer the run placed first in it (by
  value, then customer id, as the run ordered them), and a customer joins the group
  whose start she reaches (`Ladder`). An unchanged customer lands where the run put her.
- The value score's parts are her percentile ranks among the run's customers
  (`Ranks`, the run's distinct values with their counts); an unchanged customer gets
  the run's score to the last bit.

Rankings compare customers as of the run's day: every customer's days-since-last-order
grows alike as days pass, so a days-since value is shifted back by the days since the
run (`shift`) before it is ranked, and a ranked label does not move with the calendar.
Cut points in days do: recency 31 is past a 30-day cut whatever the day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from segmint.core.config import Settings
from segmint.core.facts import RunFacts
from segmint.models import rfm, rfm_names, value_score
from segmint.models.conditions import Compare, Param
from segmint.pipeline import scoring
from segmint.segments import schemes

Array = npt.NDArray[Any]
# Features that count days up to as_of, one more each day: ranked as of the run's day.
COUNTERS = frozenset({"recency_days", "tenure_days", "days_since_last_view"})


@dataclass(frozen=True)
class Ladder:
    """The groups of a ranked label as a run made them: where each non-empty group starts.

    ``labels[i]`` starts at the customer with value ``values[i]`` and id ``ids[i]``; the
    groups are in the run's order (``descending``: highest value first), ties by id.
    """

    labels: tuple[Any, ...]
    values: Array
    ids: Array
    descending: bool

    def place(self, values: Array, ids: Array) -> Array:
        """Each customer's group: the last whose start she reaches (the first if none)."""
        v, who = np.asarray(values, dtype=np.float64), np.asarray(ids, dtype=object)
        reached = np.zeros(v.size, dtype=np.intp)
        for start, start_id in zip(self.values[1:], self.ids[1:], strict=True):
            beyond = v < start if self.descending else v > start
            reached += beyond | ((v == start) & (who >= start_id))
        return np.array(self.labels, dtype=object)[reached]


@dataclass(frozen=True)
class Ranks:
    """One value-score component among a run's customers: distinct values and counts.

    ``values`` ascending (an empty value as -inf, the lowest, as the run ranks it),
    ``below[i]`` the customers under ``values[i]``, ``equal[i]`` those at it.
    """

    values: Array
    below: Array
    equal: Array

    @property
    def customers(self) -> int:
        """The customers the run ranked."""
        return int(self.below[-1] + self.equal[-1]) if self.values.size else 0

    def percentile(self, values: Array) -> Array:
        """Average rank / n among the run's customers, as `value_score.percentile_rank`."""
        v = np.where(np.isnan(values), -np.inf, np.asarray(values, dtype=np.float64))
        at = np.searchsorted(self.values, v, side="left")
        found = at < self.values.size
        found[found] = self.values[at[found]] == v[found]
        less = np.where(at < self.values.size, self.below[np.minimum(at, self.values.size - 1)], 0)
        less = np.where(at >= self.values.size, self.customers, less)
        equal = np.where(found, self.equal[np.minimum(at, self.values.size - 1)], 0)
        average = (2 * less + 1 + equal) / 2.0  # the run's mean 1-based rank of the ties
        return np.asarray(average / self.customers, dtype=np.float64)


@dataclass(frozen=True)
class Frozen:
    """What a run froze for updates: its facts, ladders and value-score ranks, its day."""

    facts: RunFacts
    day: int
    ladders: dict[str, Ladder] = field(default_factory=dict)
    ranks: dict[str, Ranks] = field(default_factory=dict)


def run_settings(settings: Settings, facts: RunFacts) -> Settings:
    """The workspace settings with the scoring sections as the run recorded them."""
    return settings.model_copy(update=dict(facts.settings))


def ranked(name: str, values: Array, *, shift: int) -> Array:
    """A component's values as of the run's day, `shift` days before today."""
    v = np.asarray(values, dtype=np.float64)
    return v - shift if name in COUNTERS else v


def score(
    columns: dict[str, Array],
    ids: Array,
    *,
    frozen: Frozen,
    settings: Settings,
    day: int,
    p_alive: Array,
    previous_stage: Array,
) -> dict[str, Any]:
    """The score columns of `scoring.score` for a few customers, the population frozen.

    `settings` are the run's (`run_settings`); `ids` the customers' ids.
    """
    n = columns["frequency"].size
    buyers = columns["frequency"] > 0
    shift = day - frozen.day
    out: dict[str, Any] = {
        k: scoring.spread(v, buyers, n)
        for k, v in _rfm(
            columns, ids, buyers, frozen=frozen, settings=settings, shift=shift
        ).items()
    }
    out["tier"] = _tiers(columns, ids, frozen=frozen, settings=settings)
    gap = np.where(
        np.isfinite(columns["avg_days_between_orders"]),
        columns["avg_days_between_orders"],
        frozen.facts.usual_gap_days or settings.lifecycle.fallback_gap_days,
    )
    out["stage"] = scoring.stages(
        columns | {"avg_days_between_orders": gap},
        p_alive=p_alive,
        previous=previous_stage,
        settings=settings,
    )
    out |= _value(columns, ids, buyers, frozen=frozen, settings=settings, shift=shift)
    return out


def _rfm(
    columns: dict[str, Array],
    ids: Array,
    buyers: npt.NDArray[np.bool_],
    *,
    frozen: Frozen,
    settings: Settings,
    shift: int,
) -> dict[str, Array]:
    """r, f, m, cell, rfm8 and rfm11 of the buyers, by the run's cuts, ladders and means."""
    facts = frozen.facts.rfm
    recency = columns["recency_days"][buyers].astype(np.float64)
    frequency = columns["frequency"][buyers].astype(np.float64)
    money = columns["monetary_cents"][buyers]
    if facts is None:  # nobody had bought at the run: no cut to score by
        empty = np.full(recency.size, None, dtype=object)
        return dict.fromkeys(("r_score", "f_score", "m_score", "rfm_cell", "rfm8", "rfm11"), empty)
    if settings.rfm.scoring == "rank":
        who = ids[buyers]
        r = frozen.ladders["r_score"].place(-ranked("recency_days", recency, shift=shift), who)
        f = frozen.ladders["f_score"].place(frequency, who)
        m = frozen.ladders["m_score"].place(money.astype(np.float64), who)
        scores = (r.astype(np.int8), f.astype(np.int8), m.astype(np.int8))
    else:
        cuts = (facts.recency_cuts, facts.frequency_cuts, np.asarray(facts.monetary_cuts) * 100)
        found = rfm.quantile_scores(recency, frequency, money, bins=settings.rfm.bins, cuts=cuts)
        scores = (found.r, found.f, found.m)
    means = {
        "mean_recency_days": facts.mean_recency_days,
        "mean_frequency": facts.mean_frequency,
        "mean_monetary": facts.mean_monetary,
    }
    values = {"recency_days": recency, "frequency": frequency, "monetary": money / 100}
    high = [
        Compare(c.name, "<" if c.below else ">", Param(c.mean)).holds(values, means)
        for c in rfm_names.RFM8_HIGH.values()
    ]
    return scoring.named_rfm(*scores, rfm8=rfm_names.rfm8_index(*high), settings=settings)


def _tiers(columns: dict[str, Array], ids: Array, *, frozen: Frozen, settings: Settings) -> Array:
    spend = columns["revenue_365d_cents"]
    if settings.tiers.method == "thresholds":
        labels = np.array(schemes.tier_labels(settings), dtype=object)
        return labels[scoring.tier_index(spend, settings=settings)]
    placed = frozen.ladders["tier"].place(spend.astype(np.float64), ids)
    if settings.tiers.method == "pareto":  # nothing spent is the last tier, by revenue
        placed = np.where(spend > 0, placed, schemes.tier_labels(settings)[-1])
    return placed


def _value(
    columns: dict[str, Array],
    ids: Array,
    buyers: npt.NDArray[np.bool_],
    *,
    frozen: Frozen,
    settings: Settings,
    shift: int,
) -> dict[str, Any]:
    """The value score from her ranks among the run's buyers; the flag by the run's ladder."""
    n = buyers.size
    components = schemes.value_components(settings)
    parts: dict[str, Array] = {}
    for name, component in components.items():
        if name not in frozen.ranks:
            continue  # the run had no data for it: it took no part
        values = ranked(name, np.asarray(columns[name], dtype=np.float64)[buyers], shift=shift)
        parts[name] = frozen.ranks[name].percentile(
            values if component.higher_is_better else -values
        )
    score_ = value_score.weighted(parts, components, int(buyers.sum()))
    flagged = np.zeros(n, dtype=bool)
    if "value_customer" in frozen.ladders and buyers.any():
        flagged[buyers] = frozen.ladders["value_customer"].place(score_, ids[buyers]).astype(bool)
    return scoring.value_columns(score_, parts, flagged, buyers)


# The ladders a run records, by label: the column that orders it and its direction.
LADDERS: dict[str, tuple[str, bool]] = {
    "r_score": ("recency_days", False),  # by -recency, ascending, as NTILE
    "f_score": ("frequency", False),
    "m_score": ("monetary_cents", False),
    "tier": ("revenue_365d_cents", True),
    "value_customer": ("value_score", True),
}


def recorded(
    columns: dict[str, Array], scores: dict[str, Any], *, settings: Settings
) -> tuple[dict[str, Ladder], dict[str, Ranks]]:
    """What a run freezes for the updates after it, from its columns and scores.

    The rows are the run's customers in customer-id order (the run's tie-breaker).
    """
    ids = np.asarray(columns["customer_id"], dtype=object)
    buyers = columns["frequency"] > 0
    ranks: dict[str, Ranks] = {}
    for name, component in schemes.value_components(settings).items():
        values = np.asarray(columns[name], dtype=np.float64)[buyers]
        if values.size and not np.isnan(values).all():
            ranks[name] = ranks_of(values if component.higher_is_better else -values)
    ladders: dict[str, Ladder] = {}
    wanted = {"value_customer"}
    if settings.rfm.scoring == "rank":
        wanted |= {"r_score", "f_score", "m_score"}
    if settings.tiers.method != "thresholds":
        wanted.add("tier")
    for name in wanted:
        column, descending = LADDERS[name]
        who = buyers if name != "tier" else np.ones(buyers.size, dtype=bool)
        if not who.any():
            continue
        values = np.asarray(scores[column] if column in scores else columns[column])
        values = values[who].astype(np.float64)
        if name == "r_score":
            values = -values
        labels = np.asarray(scores[name])[who]
        ladders[name] = ladder(
            labels, values, ids[who], descending=descending, order=_order(name, settings)
        )
    return ladders, ranks


def _order(name: str, settings: Settings) -> tuple[Any, ...]:
    if name == "tier":
        return schemes.tier_labels(settings)
    if name == "value_customer":
        return (True, False)
    return tuple(range(1, settings.rfm.bins + 1))  # NTILE: the lowest group first


def ranks_of(values: Array) -> Ranks:
    """A component's distinct values with the customers below and at each."""
    v = np.where(np.isnan(values), -np.inf, np.asarray(values, dtype=np.float64))
    distinct, counts = np.unique(v, return_counts=True)
    return Ranks(distinct, np.cumsum(counts) - counts, counts)


def ladder(
    labels: Array, values: Array, ids: Array, *, descending: bool, order: tuple[Any, ...]
) -> Ladder:
    """The ladder of a ranked label: each non-empty group's first customer in the run's order.

    The rows come in customer-id order, so a row's position is the id tie-breaker;
    `order` lists the labels in the run's order (the top first when `descending`).
    """
    v = np.asarray(values, dtype=np.float64)
    sort = np.lexsort((np.arange(v.size), -v if descending else v))
    in_order = np.asarray(labels, dtype=object)[sort]
    kept, starts = [], []
    for label in order:
        at = np.flatnonzero(in_order == label)
        if at.size:
            kept.append(label)
            starts.append(sort[at[0]])
    who = np.asarray(ids, dtype=object)
    return Ladder(tuple(kept), v[starts], who[starts], descending)


def from_tables(
    facts: RunFacts,
    day: int,
    *,
    ladders: dict[str, pa.Table],
    ranks: dict[str, pa.Table],
) -> Frozen:
    """A run's `Frozen` from its stored ladders (label, value, customer_id) and ranks."""
    return Frozen(
        facts,
        day,
        {name: _ladder(name, table) for name, table in ladders.items()},
        {name: _ranks(table) for name, table in ranks.items()},
    )


def _ladder(name: str, table: pa.Table) -> Ladder:
    return Ladder(
        labels=tuple(_label(name, x) for x in table["label"].to_pylist()),
        values=table["value"].to_numpy(),
        ids=np.asarray(table["customer_id"].to_pylist(), dtype=object),
        descending=LADDERS[name][1],
    )


def _ranks(table: pa.Table) -> Ranks:
    """A component's ranks, ascending (sorted again should the rows come back unordered)."""
    values, below, equal = (table[c].to_numpy() for c in ("value", "below", "equal"))
    if np.any(np.diff(values) <= 0):
        order = np.argsort(values)
        values, below, equal = values[order], below[order], equal[order]
    return Ranks(values, below, equal)


def _label(ladder: str, text: str) -> Any:
    """A ladder's label as the scores hold it: an RFM score, a flag, a tier's name."""
    if ladder in ("r_score", "f_score", "m_score"):
        return int(text)
    return text == "True" if ladder == "value_customer" else text
