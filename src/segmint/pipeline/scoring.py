"""Scores and labels from the features: RFM, RFM names, tiers, stages, value score.

Pure: NumPy arrays in, arrays out. Customers come ordered by customer id, so a
customer's position is the id tie-breaker every ranking states ("by value, then id").
Money arrives in minor units (cents) so that comparisons with means and thresholds are
exact. RFM scores, names and the value score cover the customers with a counted order;
prospects have none. Tiers cover everyone (a prospect's spend is 0).
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from segmint.core.config import Settings
from segmint.core.facts import RfmFacts, TierSpan
from segmint.models import lifecycle, rfm, rfm_names, tiers, value_score
from segmint.segments import schemes

Array = npt.NDArray[Any]


def rfm_scores(
    recency_days: Array, frequency: Array, monetary_cents: Array, *, settings: Settings
) -> rfm.Scores:
    """r, f and m of the buyers, by the configured scoring."""
    bins = settings.rfm.bins
    if settings.rfm.scoring == "rank":
        ids = np.arange(recency_days.size)
        return rfm.rank_scores(recency_days, frequency, monetary_cents, ids, bins=bins)
    if settings.rfm.scoring == "fixed":
        cuts = settings.rfm.cuts
        money = np.asarray(cuts["monetary"]) * 100  # cut points are given in currency
        fixed = (cuts["recency_days"], cuts["frequency"], money)
        return rfm.quantile_scores(recency_days, frequency, monetary_cents, bins=bins, cuts=fixed)
    return rfm.quantile_scores(recency_days, frequency, monetary_cents, bins=bins)


def rfm_columns(
    recency_days: Array, frequency: Array, monetary_cents: Array, *, settings: Settings
) -> tuple[dict[str, Array], RfmFacts]:
    """r, f, m scores, cell code, rfm8 and rfm11 keys of buyers, and the facts behind them.

    The facts are the cut points (quantile scoring) and the means rfm8 compares with.
    """
    scores = rfm_scores(recency_days, frequency, monetary_cents, settings=settings)
    named8 = rfm_names.rfm8(recency_days, frequency, monetary_cents)
    columns = named_rfm(scores.r, scores.f, scores.m, rfm8=named8, settings=settings)
    n = max(recency_days.size, 1)
    r_cuts, f_cuts, m_cuts = scores.cuts
    facts = RfmFacts(
        recency_cuts=tuple(float(c) for c in r_cuts),
        frequency_cuts=tuple(float(c) for c in f_cuts),
        monetary_cuts=tuple(float(c) / 100 for c in m_cuts),  # money cuts in currency
        mean_recency_days=float(recency_days.sum() / n),
        mean_frequency=float(frequency.sum() / n),
        mean_monetary=float(monetary_cents.sum() / n / 100),
    )
    return columns, facts


def named_rfm(r: Array, f: Array, m: Array, *, rfm8: Array, settings: Settings) -> dict[str, Array]:
    """The RFM columns of buyers from their scores and rfm8 places: cell, rfm8, rfm11."""
    rules = schemes.rfm11_rules(settings)
    named11 = rfm_names.name_cells(rules, r, f, m, bins=settings.rfm.bins)
    cell = r.astype(np.int64) * 100 + f * 10 + m
    return {
        "r_score": r,
        "f_score": f,
        "m_score": m,
        "rfm_cell": cell.astype(str).astype(object),
        "rfm8": np.array(rfm_names.RFM8_NAMES, dtype=object)[rfm8],
        "rfm11": np.array([rule.key for rule in rules], dtype=object)[named11],
    }


def tier_index(spend_cents: Array, *, settings: Settings) -> npt.NDArray[np.int8]:
    """Each customer's tier, 0 the top, on spend in the 365 days up to as_of."""
    config = settings.tiers
    ids = np.arange(spend_cents.size)
    if config.method == "rank":
        return tiers.rank_tiers(spend_cents, ids, config.percent)
    if config.method == "pareto":
        return tiers.pareto_tiers(spend_cents, ids, config.pareto_percent)
    return tiers.threshold_tiers(spend_cents, [t * 100 for t in config.thresholds])


class ScoreFacts(NamedTuple):
    """What the scores were decided by, for the run's facts."""

    rfm: RfmFacts | None  # None when nobody bought
    tiers: list[TierSpan]
    usual_gap_days: float
    value_cutoff: float | None  # None when nobody is flagged


def score(
    columns: dict[str, Array],
    *,
    settings: Settings,
    p_alive: Array,
    previous_stage: Array,
) -> tuple[dict[str, Any], ScoreFacts]:
    """Every score column of the snapshot (None for "empty"), and the facts behind them."""
    n = columns["frequency"].size
    buyers = columns["frequency"] > 0
    named, rfm_facts = rfm_columns(
        columns["recency_days"][buyers].astype(np.int64),
        columns["frequency"][buyers],
        columns["monetary_cents"][buyers],
        settings=settings,
    )
    out: dict[str, Any] = {name: spread(values, buyers, n) for name, values in named.items()}

    labels = np.array(schemes.tier_labels(settings), dtype=object)
    tier = tier_index(columns["revenue_365d_cents"], settings=settings)
    out["tier"] = labels[tier]
    out["stage"] = stages(columns, p_alive=p_alive, previous=previous_stage, settings=settings)
    out |= _value(columns, buyers, settings=settings)
    flagged = out["value_customer"]
    facts = ScoreFacts(
        rfm=rfm_facts if buyers.any() else None,
        tiers=tier_spans(columns["revenue_365d_cents"], tier, labels=labels),
        usual_gap_days=lifecycle.stand_in_gap(
            columns["avg_days_between_orders"], fallback=settings.lifecycle.fallback_gap_days
        ),
        value_cutoff=float(min(out["value_score"][flagged])) if flagged.any() else None,
    )
    return out, facts


def tier_spans(spend_cents: Array, tier: Array, *, labels: Array) -> list[TierSpan]:
    """Per tier: its customers, those who bought, and the lowest and highest 365-day spend."""
    spans = []
    for index, label in enumerate(labels):
        spend = spend_cents[tier == index]
        low, high = (int(spend.min()), int(spend.max())) if spend.size else (None, None)
        spans.append(
            TierSpan(
                tier=str(label),
                customers=int(spend.size),
                buyers=int((spend > 0).sum()),
                min_spend=None if low is None else low / 100,
                max_spend=None if high is None else high / 100,
            )
        )
    return spans


def stages(
    columns: dict[str, Array], *, p_alive: Array, previous: Array, settings: Settings
) -> Array:
    """Each customer's stage key; `previous` holds the stage keys of the run before."""
    keys = list(lifecycle.STAGES)
    before = np.array([keys.index(k) if k in keys else -1 for k in previous])
    index = lifecycle.stages(
        columns["frequency"],
        np.nan_to_num(columns["recency_days"], nan=0.0),
        np.nan_to_num(columns["tenure_days"], nan=0.0),
        columns["avg_days_between_orders"],
        p_alive=p_alive,
        previous=before,
        rules=schemes.lifecycle_rules(settings),
    )
    return np.array(keys, dtype=object)[index]


def _value(
    columns: dict[str, Array], buyers: npt.NDArray[np.bool_], *, settings: Settings
) -> dict[str, Any]:
    n = buyers.size
    components = schemes.value_components(settings)
    values = {name: np.asarray(columns[name], dtype=np.float64)[buyers] for name in components}
    ids = np.arange(int(buyers.sum()))
    result = value_score.value_scores(
        values, ids, components=components, top_percent=settings.value.top_percent
    )
    flagged = np.zeros(n, dtype=bool)
    flagged[buyers] = result.flagged
    return value_columns(result.score, result.parts, flagged, buyers)


def value_columns(
    score: Array, parts: dict[str, Any], flagged: Array, buyers: npt.NDArray[np.bool_]
) -> dict[str, Any]:
    """value_score and value_parts of the buyers (None for the others), value_customer."""
    n = buyers.size
    return {
        "value_score": spread(score, buyers, n),
        "value_customer": flagged,
        "value_parts": spread(parts_text(parts), buyers, n),
    }


def parts_text(parts: dict[str, Any]) -> Array:
    """Each customer's value parts as a JSON object, rounded to 6 places (`value_parts`)."""
    return _json_objects({k: np.round(v, 6) for k, v in parts.items()})


def _json_objects(columns: dict[str, npt.NDArray[np.float64]]) -> Array:
    """One JSON object per row, {"name": number, ...}, built column-wise by Arrow."""
    if not columns:
        return np.array([], dtype=object)
    pieces: list[Any] = []
    for i, (name, values) in enumerate(columns.items()):
        pieces += [
            ("{" if i == 0 else ", ") + json.dumps(name) + ": ",
            pc.cast(pa.array(values), pa.string()),
        ]
    pieces.append("}")
    return np.asarray(pc.binary_join_element_wise(*pieces, ""), dtype=object)


def spread(values: Array, where: npt.NDArray[np.bool_], n: int) -> Array:
    """Values of the customers `where`, None for the others."""
    out = np.full(n, None, dtype=object)
    out[where] = values
    return out
