"""Lifecycle stages: prospect, new, active, at risk, churned, won back.

A stage comes from each customer's own buying rhythm — the days since her last order
against her usual gap between orders — and, where a CLV model gives one, her probability
of still being a customer; "won back" needs the stage of the previous run. The rules,
in the order they are tried (the first that holds wins), are the table `STAGE_RULES`,
which both decides the stages and says why a customer has hers:

1. **prospect**: no counted order up to as_of.
2. **churned**: silent for more than ``churned_gaps`` usual gaps and at least
   ``churned_min_days`` days, or P(alive) below ``churned_p_alive``.
3. **at risk**: silent for more than ``at_risk_gaps`` usual gaps and at least
   ``at_risk_min_days`` days, or P(alive) below ``at_risk_p_alive``.
4. **won back**: churned in the previous run, and buying again (none of the above).
5. **new**: first order within the last ``new_days`` days.
6. **active**: everyone else.

A customer with a single order has no gap of her own: the median gap of the repeat
customers stands in (``fallback_gap_days`` when there are none). A missing P(alive)
(NaN) leaves only the rhythm rules.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from segmint.core.errors import InputError, Location
from segmint.models.conditions import (
    AllOf,
    AnyOf,
    Case,
    Compare,
    Condition,
    Const,
    Of,
    Param,
    Product,
    first,
)

Array = npt.NDArray[np.float64]
Stages = npt.NDArray[np.int8]


# The stages' stable keys, in lifecycle order; their names are the catalogue's `stage.<key>`.
STAGES = (
    "prospect",
    "new",
    "active",
    "at_risk",
    "churned",
    "won_back",
)
PROSPECT, NEW, ACTIVE, AT_RISK, CHURNED, WON_BACK = range(len(STAGES))


class Rules(NamedTuple):
    """The thresholds of the stages, with their documented defaults."""

    new_days: int = 90
    at_risk_gaps: float = 2.0
    at_risk_min_days: int = 60
    at_risk_p_alive: float = 0.5
    churned_gaps: float = 4.0
    churned_min_days: int = 180
    churned_p_alive: float = 0.2
    fallback_gap_days: float = 90.0


DEFAULT_RULES = Rules()  # immutable: a NamedTuple


def _silent_too_long(stage: str) -> Condition:
    """Silent past `<stage>_gaps` usual gaps and `<stage>_min_days`, or P(alive) too low."""
    beyond = Product((Param(f"{stage}_gaps"), Of("usual_gap_days")))
    rhythm = AllOf(
        (
            Compare("recency_days", ">", beyond),
            Compare("recency_days", ">=", Param(f"{stage}_min_days")),
        )
    )
    return AnyOf((rhythm, Compare("p_alive", "<", Param(f"{stage}_p_alive"))))


# The stage rules, tried in this order: the first that holds wins, ACTIVE when none does.
# Quantities: frequency, recency_days, tenure_days, usual_gap_days, p_alive and
# previous_stage (an index into STAGES, -1 for none); params: the fields of `Rules`.
STAGE_RULES: tuple[Case, ...] = (
    Case("prospect", Compare("frequency", "<=", Const(0))),
    Case("churned", _silent_too_long("churned")),
    Case("at_risk", _silent_too_long("at_risk")),
    Case("won_back", Compare("previous_stage", "==", Const(CHURNED))),
    Case("new", Compare("tenure_days", "<=", Param("new_days"))),
)


def stages(
    frequency: npt.ArrayLike,
    recency_days: npt.ArrayLike,
    tenure_days: npt.ArrayLike,
    gap_days: npt.ArrayLike,
    *,
    p_alive: npt.ArrayLike | None = None,
    previous: npt.ArrayLike | None = None,
    rules: Rules = DEFAULT_RULES,
) -> Stages:
    """Each customer's stage, an index into `STAGES`.

    Parameters
    ----------
    frequency : array-like
        Counted orders up to as_of (0 for prospects).
    recency_days, tenure_days : array-like
        Days from the last and from the first counted order to as_of (any value for
        prospects).
    gap_days : array-like
        The customer's average days between orders; NaN with fewer than two orders.
    p_alive : array-like, optional
        P(alive) from a CLV model; NaN where there is none.
    previous : array-like, optional
        Stage indices of the previous run (-1 for customers it did not have).
    rules : Rules
        Thresholds (see the module docstring).

    Raises
    ------
    InputError
        If the arrays differ in length or a threshold is out of range.
    """
    check_rules(rules)
    n_orders, silent, tenure, gap = (
        np.asarray(v, dtype=np.float64) for v in (frequency, recency_days, tenure_days, gap_days)
    )
    n = n_orders.size
    alive = np.full(n, np.nan) if p_alive is None else np.asarray(p_alive, dtype=np.float64)
    before = np.full(n, -1) if previous is None else np.asarray(previous)
    if any(a.shape != (n,) for a in (silent, tenure, gap, alive, before)):
        raise InputError(
            "scores.length_mismatch",
            location=Location(field="frequency"),
            names="frequency, recency_days, tenure_days, gap_days, p_alive, previous",
            got=", ".join(str(a.size) for a in (n_orders, silent, tenure, gap, alive, before)),
        )
    quantities = {
        "frequency": n_orders,
        "recency_days": silent,
        "tenure_days": tenure,
        "usual_gap_days": usual_gap(gap, fallback=rules.fallback_gap_days),
        "p_alive": alive,
        "previous_stage": before,
    }
    choices = [STAGES.index(case.key) for case in STAGE_RULES]
    return first(STAGE_RULES, quantities, rules._asdict(), choices=choices, default=ACTIVE)


def usual_gap(gap_days: npt.ArrayLike, *, fallback: float) -> Array:
    """Each customer's own gap, or the median gap of the repeat customers without one."""
    gap = np.asarray(gap_days, dtype=np.float64)
    return np.where(np.isfinite(gap), gap, stand_in_gap(gap, fallback=fallback))


def stand_in_gap(gap_days: npt.ArrayLike, *, fallback: float) -> float:
    """The gap of a customer with a single order: the repeat customers' median gap.

    `fallback` when nobody has bought twice. A run records it (`RunFacts.usual_gap_days`).
    """
    gap = np.asarray(gap_days, dtype=np.float64)
    known = gap[np.isfinite(gap)]
    return float(np.median(known)) if known.size else fallback


def counted_stand_in_gap(gaps: npt.ArrayLike, counts: npt.ArrayLike, *, fallback: float) -> float:
    """`stand_in_gap` of gaps given as a histogram: distinct known gaps and their counts.

    The median as NumPy takes it: the middle value, or the mean of the two middle ones.
    """
    g, c = np.asarray(gaps, dtype=np.float64), np.asarray(counts, dtype=np.int64)
    order = np.argsort(g, kind="stable")
    running = np.cumsum(c[order])
    n = int(running[-1]) if running.size else 0
    if n == 0:
        return fallback
    # the 1-based ranks of the middle value(s): (n+1)/2 for odd n, n/2 and n/2+1 for even
    middle = g[order][np.searchsorted(running, [(n + 1) // 2, n // 2 + 1])]
    return float(np.mean(middle)) if n % 2 == 0 else float(middle[0])


def check_rules(rules: Rules) -> None:
    """Raise an `InputError` naming every inconsistent threshold of `rules`, with its value.

    The conditions are written as inequalities over the names and values (language-free:
    ``0 < at_risk_gaps (2.0) <= churned_gaps (1.0)``).
    """
    r = rules
    conditions = (
        (
            0 < r.at_risk_gaps <= r.churned_gaps,
            "0 < at_risk_gaps ({}) <= churned_gaps ({})",
            (r.at_risk_gaps, r.churned_gaps),
        ),
        (
            0 <= r.at_risk_min_days <= r.churned_min_days,
            "0 <= at_risk_min_days ({}) <= churned_min_days ({})",
            (r.at_risk_min_days, r.churned_min_days),
        ),
        (
            0 <= r.churned_p_alive <= r.at_risk_p_alive <= 1,
            "0 <= churned_p_alive ({}) <= at_risk_p_alive ({}) <= 1",
            (r.churned_p_alive, r.at_risk_p_alive),
        ),
        (r.new_days >= 0, "new_days ({}) >= 0", (r.new_days,)),
        (r.fallback_gap_days > 0, "fallback_gap_days ({}) > 0", (r.fallback_gap_days,)),
    )
    broken = [text.format(*values) for holds, text, values in conditions if not holds]
    if broken:
        raise InputError(
            "scores.lifecycle_rules", location=Location(field="rules"), broken="; ".join(broken)
        )
