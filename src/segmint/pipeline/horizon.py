"""Each customer's next day on which her labels, segments or alerts may change by themselves.

The hooks (`segments.timing`) say what moves a condition with the calendar; here they are
turned into days for each customer from her own values: when a counter reaches a cut,
when the oldest row of a window leaves it, when P(alive) falls past a threshold (found
by bisection on the run's fitted model, which falls monotonically while she is silent),
when her birthday comes. The built-in labels' hooks come from the run's facts: RFM
recency cuts and the rfm8 mean, the 365-day spend of tiers, the stage rules' days, gaps
and P(alive) thresholds, and the windows of the value score's components.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from segmint.core.config import Settings
from segmint.core.facts import RunFacts
from segmint.segments import schemes
from segmint.segments.rules.tree import Rule
from segmint.segments.timing import (
    WINDOWED,
    Birthday,
    Crossing,
    Daily,
    Decline,
    Exit,
    Hook,
    rule_hooks,
)

Array = npt.NDArray[np.float64]
HORIZON_DAYS = 3650  # P(alive) is followed this far; beyond it, nothing is pending
NEVER = math.inf


def label_hooks(facts: RunFacts, settings: Settings) -> dict[str, frozenset[Hook]]:
    """The hooks of each built-in label under the run's facts and settings."""
    rfm: set[Hook] = set()
    rfm8: set[Hook] = set()
    if facts.rfm is not None:
        rfm8 = {Crossing("recency_days", facts.rfm.mean_recency_days)}
        if settings.rfm.scoring != "rank":  # ranks compare customers alike: no day moves them
            rfm = {Crossing("recency_days", c) for c in facts.rfm.recency_cuts}
    rules = schemes.lifecycle_rules(settings)
    stage: set[Hook] = {
        Crossing("recency_days", rules.at_risk_min_days),
        Crossing("recency_days", rules.churned_min_days),
        Crossing("tenure_days", rules.new_days),
        Decline("p_alive", rules.at_risk_p_alive),
        Decline("p_alive", rules.churned_p_alive),
    }
    value = {h for name in settings.value.weights for h in WINDOWED.get(name, ())}
    return {
        **_needs_hooks(settings, tier=frozenset({Exit("orders", 365)})),
        "r_score": frozenset(rfm),
        "rfm_cell": frozenset(rfm),
        "rfm11": frozenset(rfm),
        "rfm8": frozenset(rfm8 | rfm),
        "tier": frozenset({Exit("orders", 365)}),
        "stage": frozenset(stage),
        "value_score": frozenset(value),
        "value_customer": frozenset(value),
    }


def _needs_hooks(settings: Settings, *, tier: frozenset[Hook]) -> dict[str, frozenset[Hook]]:
    """The hooks of the needs labels: what in their windows moves with the calendar.

    A cluster reads 30 days of views and e-mail, 365 days of tickets and the age; points
    expire with their orders and follow the tier's multiplier; a product bought leaves
    the recent days of recommendations. Open tickets and satisfaction have no window.
    """
    service = settings.service
    tickets = Exit("tickets", 365)
    points = frozenset({Exit("orders", settings.loyalty.expiry_days)}) | tier
    return {
        "cluster": frozenset({Exit("events", 30), tickets, Birthday()}),
        "loyalty_points": points,
        "loyalty_level": points,
        "next_category": frozenset({Exit("orders", settings.recommend.recent_days)}),
        "unresolved_ticket": frozenset(),
        "frequent_complainer": frozenset({tickets}),
        "low_satisfaction": frozenset(),
        "slow_resolution": frozenset({tickets}),
        "needs_onboarding": frozenset(
            {Crossing("tenure_days", service.onboarding_days), tickets, Exit("events", 90)}
        ),
    }


# P(alive) `delta` days later with no purchase, of the customers at the given positions
# (everyone when None)
Alive = Callable[[Array, npt.NDArray[np.intp] | None], Array]
Scoped = dict[Hook, frozenset[str] | None]  # a hook and whom it can move (None: anyone)


def all_hooks(rules: Iterable[Rule], *, facts: RunFacts, settings: Settings) -> Scoped:
    """Every hook of the view, with the customers it can move (`SCOPES`; None: anyone).

    The labels are always memberships. A window losing a row lowers a count or a spend:
    a tier can only fall, so the last tier is out of reach; the value-customer flag can
    only flip near the run's cut-off (`SCOPES`). The alerts on buying below expectation
    and on churn risk are for valued customers alone.
    """
    labels = label_hooks(facts, settings)
    scope = {"tier": "upper_tier", "value_customer": "near_value_cutoff"}
    scoped: Scoped = {}
    for name, hooks in labels.items():
        if name != "value_score":
            _add(scoped, hooks, scope.get(name))
    for rule in rules:
        for hook in rule_hooks(rule):
            if isinstance(hook, str):
                _add(scoped, labels[hook], scope.get(hook))
            else:
                _add(scoped, {hook}, None)
    alerts = settings.alerts
    _add(scoped, {Exit("events", 1)}, None)  # browsing: a view streak
    valued: set[Hook] = {
        Decline("p_alive", alerts.churn_p_alive),
        Exit("orders", alerts.window_days),
    }
    _add(scoped, valued, "valued")
    return scoped


def _add(scoped: Scoped, hooks: Iterable[Hook], scope: str | None) -> None:
    """Add `hooks` for `scope`; a hook that can move anyone stays so."""
    for hook in hooks:
        before = scoped.get(hook, frozenset())
        scoped[hook] = None if scope is None or before is None else before | {scope}


def scopes(
    labels: Mapping[str, Any],
    *,
    components: Iterable[str],
    facts: RunFacts,
    settings: Settings,
) -> dict[str, npt.NDArray[np.bool_]]:
    """The customers each scope holds, from their tier, value score and flag.

    ``near_value_cutoff``: a value score within the windowed components' share of the
    weights of the components the run scored with (`components`) of the run's cut-off:
    a window can move one part by at most 1, so the score by at most that share.
    """
    tier = np.asarray(labels["tier"], dtype=object)
    order = list(settings.tiers.labels)
    flagged = np.asarray(labels["value_customer"], dtype=bool)
    score = np.asarray(
        [np.nan if v is None else v for v in labels["value_score"]], dtype=np.float64
    )
    weights = {n: w for n, w in settings.value.weights.items() if n in set(components)}
    windowed = sum(w for name, w in weights.items() if name in WINDOWED)
    margin = windowed / max(sum(weights.values()), 1e-12)
    cutoff = facts.value_cutoff
    near = (
        np.zeros(tier.size, dtype=bool)
        if cutoff is None or windowed == 0
        else np.abs(score - cutoff) <= margin + 1e-9
    )
    return {
        "upper_tier": tier != order[-1],
        "valued": np.isin(tier, order[:2]) | flagged,
        "near_value_cutoff": near,
    }


def windows(hooks: Iterable[Hook]) -> dict[str, list[int]]:
    """The windows to ask `features.exits` for, by source."""
    found: dict[str, list[int]] = {}
    for hook in hooks:
        if isinstance(hook, Exit):
            found.setdefault(hook.source, []).append(hook.days)
    return found


@dataclass(frozen=True)
class Clock:
    """What moves each customer's values with the calendar (arrays aligned by customer).

    ``counters``: recency_days, tenure_days, days_since_last_view, as_of (NaN for none);
    ``gaps``: the usual gap of the stage rules; ``exits``: the columns of
    `features.exits`; ``alive``: P(alive) after a number of days (`Alive`; None: no
    model);
    ``birthdays``: month * 100 + day (NaN for none), read only for `Birthday`.
    """

    counters: Mapping[str, Array]
    gaps: Array
    exits: Mapping[str, Array] = field(default_factory=dict)
    alive: Alive | None = None
    birthdays: Array | None = None


def next_days(
    hooks: Scoped,
    clock: Clock,
    *,
    day: int,
    settings: Settings,
    who: Mapping[str, npt.NDArray[np.bool_]],
) -> Array:
    """Per customer, the first day after `day` a hook can change something (inf: none).

    `who` holds the customers of each scope (`scopes`).
    """
    n = clock.gaps.size
    out = np.full(n, NEVER)
    for hook, scope in hooks.items():
        days = _hook_day(hook, clock, day=day, n=n)
        if scope is not None:
            reach = np.zeros(n, dtype=bool)
            for name in scope:
                reach |= who[name]
            days = np.where(reach, days, NEVER)
        out = np.fmin(out, days)
    return np.asarray(np.fmin(out, _stage_gaps(clock, day=day, settings=settings)))


def _hook_day(hook: Hook, clock: Clock, *, day: int, n: int) -> Array:
    match hook:
        case Exit(source=source, days=days):
            left = clock.exits.get(f"{source}_{days}", np.full(n, np.nan))
            return np.fmin(left, clock.exits.get(f"{source}_after", np.full(n, np.nan)))
        case Crossing(field=name, value=value):
            return _crossing(clock.counters[name], value, day=day)
        case Decline(value=value):
            return _decline(clock.alive, value, day=day, n=n)
        case Birthday():
            return _birthday(clock.birthdays, day=day, n=n)
        case Daily():
            return np.full(n, day + 1.0)
    raise AssertionError(hook)  # pragma: no cover - every hook is matched


def _crossing(counter: Array, value: float | Array, *, day: int) -> Array:
    """The first day the counter (one more each day) flips a comparison with `value`.

    A comparison with v flips when the counter reaches floor(v), floor(v) + 1 or ceil(v)
    (``>= 30`` at 30, ``> 30`` at 31); the earliest of those still ahead.
    """
    c = np.asarray(counter, dtype=np.float64)
    out = np.full(c.size, NEVER)
    v = np.asarray(value, dtype=np.float64)
    for k in (np.floor(v), np.floor(v) + 1, np.ceil(v)):
        ahead = k - c
        out = np.where(ahead > 0, np.fmin(out, day + ahead), out)
    return out


def _stage_gaps(clock: Clock, *, day: int, settings: Settings) -> Array:
    """The days recency passes the stage rules' multiples of each customer's gap."""
    rules = schemes.lifecycle_rules(settings)
    recency = clock.counters["recency_days"]
    out = np.full(recency.size, NEVER)
    for gaps in (rules.at_risk_gaps, rules.churned_gaps):
        out = np.fmin(out, _crossing(recency, gaps * clock.gaps, day=day))
    return out


# The days ahead P(alive) is first evaluated at; a crossing is placed between two of them,
# found to the day when it is within EXACT_DAYS, else its bracket's start is the bound.
LADDER = np.array([0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, HORIZON_DAYS], float)
EXACT_DAYS = 64


def _decline(alive: Alive | None, value: float, *, day: int, n: int) -> Array:
    """A day P(alive) is at or below `value`, never after the first such day.

    The exact first day for a crossing within `EXACT_DAYS` (bisection over whole days);
    for a later one the day after the last ladder point still above, a lower bound the
    next roll-forward refines.
    """
    out = np.full(n, NEVER)
    if alive is None:
        return out
    ladder = np.stack([alive(np.full(n, d), None) for d in LADDER])  # steps x customers
    below = ladder <= value
    falls = ~below[0] & below.any(axis=0)
    k = np.argmax(below, axis=0)  # the first ladder point at or below
    lo, hi = LADDER[np.maximum(k - 1, 0)], LADDER[k]
    out = np.where(falls, day + lo + 1, out)
    near = np.flatnonzero(falls & (lo < EXACT_DAYS))
    lo, hi = lo[near], hi[near]
    while np.any(hi - lo > 1):
        mid = np.floor((lo + hi) / 2)
        under = alive(mid, near) <= value
        hi, lo = np.where(under, mid, hi), np.where(under, lo, mid)
    out[near] = day + hi
    return out


def _birthday(birthdays: Array | None, *, day: int, n: int) -> Array:
    """The day of each customer's next birthday after `day` (29 February: 1 March)."""
    if birthdays is None:
        return np.full(n, NEVER)
    today = pd.Timestamp("1970-01-01") + pd.Timedelta(days=day)
    mmdd = pd.Series(birthdays)
    out = np.full(n, NEVER)
    for year in (today.year, today.year + 1):
        dates = pd.to_datetime(
            pd.DataFrame({"year": year, "month": mmdd // 100, "day": mmdd % 100}),
            errors="coerce",
        )
        dates = dates.fillna(pd.Timestamp(year=year, month=3, day=1)).where(mmdd.notna())
        days = ((dates - pd.Timestamp("1970-01-01")).dt.days).to_numpy(dtype=np.float64)
        out = np.where(days > day, np.fmin(out, days), out)
    return out


def as_dates(days: Array) -> pa.Array:
    """Day numbers as an Arrow date column for `next_changes` (null for never)."""
    finite = np.isfinite(days)
    whole = np.where(finite, days, 0).astype(np.int32)
    return pa.array(whole, pa.int32(), mask=~finite).view(pa.date32())
