"""RFM, tiers and lifecycle stages as expressions over a table of features.

The same rules as `segmint.models` (`rfm`, `rfm_names`, `tiers`, `lifecycle`), compiled
from the models' own condition tables (`segments.expressions`), so an engine labels its
customers where they are. Population-level numbers — cut points, means, tier ends, the
stand-in gap — come in as ``params``, found from small aggregates
(`pipeline.scored`). Orders that decide ties are those the models state: by value,
then customer id.

Money is compared in integer cents (column ``<name>_cents``), days and counts as
integers, so every comparison is exact on every engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from segmint.models import lifecycle, rfm, rfm_names, tiers
from segmint.models.conditions import Case
from segmint.segments.expressions import first, holds

Params = Mapping[str, Any]
Bound = tuple[float, str]  # the value and customer id of the customer at a ranking position
RFM_VALUES = ("recency_days", "frequency", "monetary_cents")  # what r, f and m score


def quantile_scores(t: ir.Table, cuts: Sequence[Any], *, bins: int) -> dict[str, ir.IntegerValue]:
    """r, f and m by cut points, `rfm.cut_conditions`: ``1 + #{j : value > c_j}`` (r: ``k - #``)."""

    def passed(name: str, column: str, at: Sequence[float]) -> ir.IntegerValue:
        params = {f"{name}_cuts": tuple(at)}
        counted = [
            holds(c, {name: t[column]}, params).cast("int8")
            for c in rfm.cut_conditions(name, bins=bins)
        ]
        return sum(counted[1:], counted[0])

    r, f, m = (
        passed(n, c, at)
        for n, c, at in zip(
            ("recency_days", "frequency", "monetary"), RFM_VALUES, cuts, strict=True
        )
    )
    return {
        "r_score": (bins - r).cast("int8"),
        "f_score": (1 + f).cast("int8"),
        "m_score": (1 + m).cast("int8"),
    }


def rank_scores(
    t: ir.Table, starts: Mapping[str, Sequence[Bound]], *, bins: int
) -> dict[str, ir.IntegerValue]:
    """Equal groups, `rfm.ntile`: NTILE(k) by value then customer id, recency descending.

    `starts` holds, per value, the customer where each group after the first starts
    (`models.positions.tile_starts`): a customer's group is 1 + those she is at or past.
    """

    def tile(value: ir.NumericValue, column: str, *, descending: bool) -> ir.IntegerValue:
        return (1 + passed(t, value, starts[column], descending=descending)).cast("int8")

    return {
        "r_score": tile(t.recency_days, "recency_days", descending=True),
        "f_score": tile(t.frequency, "frequency", descending=False),
        "m_score": tile(t.monetary_cents, "monetary_cents", descending=False),
    }


def rfm_names_of(
    t: ir.Table,
    scores: Mapping[str, ir.IntegerValue],
    *,
    params: Params,
    rules: Sequence[rfm_names.Rule],
) -> dict[str, ir.Value]:
    """rfm_cell, rfm8 (each dimension against the buyers' mean) and rfm11 (the naming table)."""
    values = {
        "recency_days": t.recency_days,
        "frequency": t.frequency,
        "monetary": t.monetary_cents,
    }
    high = [holds(c, values, params) for c in rfm_names.RFM8_HIGH.values()]
    rfm8 = ibis.cases(
        *(
            ((high[0] == r) & (high[1] == f) & (high[2] == m), key)
            for (r, f, m), key in rfm_names.RFM8.items()
        )
    )
    r, f, m = scores["r_score"], scores["f_score"], scores["m_score"]
    cells = {"r_score": r, "fm_score": (f.cast("int16") + m) // 2}
    cases = [Case(rule.key, rule.condition) for rule in rules]
    rfm11 = first(cases, cells, {}, choices=[c.key for c in cases], default=rules[0].key)
    cell = (r.cast("int16") * 100 + f.cast("int16") * 10 + m).cast("string")
    return {"rfm_cell": cell, "rfm8": rfm8, "rfm11": rfm11}


def passed(
    t: ir.Table, value: ir.NumericValue, bounds: Sequence[Bound], *, descending: bool
) -> ir.IntegerValue:
    """How many of `bounds` a customer is at or past, ranked by value then customer id.

    A bound is the value and id of the customer at a position (`models.positions`): she
    is at or past it when her value comes after its value, or equals it and her id is not
    smaller. Row by row: no window over the whole table.
    """
    counted = [
        (
            (value < at if descending else value > at) | ((value == at) & (t.customer_id >= who))
        ).cast("int8")
        for at, who in bounds
    ]
    return sum(counted[1:], counted[0]) if counted else ibis.literal(0, "int8")


def tier_index(
    spend: ir.NumericValue, rank: ir.IntegerValue | None, *, method: str, params: Params
) -> ir.IntegerValue:
    """Each customer's tier, 0 the top, by the method's case table (`models.tiers`).

    ``params``: ``thresholds`` (cents) for thresholds, ``ends`` for rank and pareto,
    where `rank` is the position the ends are counted in.
    """
    if method == "thresholds":
        cases = tiers.threshold_cases(len(params["thresholds"]))
    elif method == "rank":
        cases = tiers.rank_cases(len(params["ends"]))
    else:
        cases = tiers.pareto_cases(len(params["ends"]))
    values = {"spend": spend, "spend_rank": rank}
    return first(cases, values, params, choices=range(len(cases)), default=len(cases))


def stage(
    t: ir.Table, *, p_alive: ir.FloatingValue, previous: ir.IntegerValue, params: Params
) -> ir.StringValue:
    """Each customer's stage key by `lifecycle.STAGE_RULES`, the first that holds.

    ``params``: the `lifecycle.Rules` fields and ``usual_gap_days``, the stand-in gap of a
    customer with a single order. `previous` is the stage index of the run before (-1).
    """
    values = {
        "frequency": t.frequency,
        "recency_days": t.recency_days.fill_null(0),
        "tenure_days": t.tenure_days.fill_null(0),
        "usual_gap_days": t.avg_days_between_orders.fill_null(params["usual_gap_days"]),
        "p_alive": p_alive,
        "previous_stage": previous,
    }
    keys = [case.key for case in lifecycle.STAGE_RULES]
    return first(
        lifecycle.STAGE_RULES,
        values,
        params,
        choices=keys,
        default=lifecycle.STAGES[lifecycle.ACTIVE],
    )
