"""Migration step 4 for runs made before it: typed facts and memberships from what they kept.

Frozen with the step: this reads the run details JSON as segmint wrote it up to step 3
and the snapshot columns of step 2, and writes the tables of step 4. It uses no
declaration of today's code (no catalog, no models), so it does the same on any day.
Two facts older runs did not record are recomputed from their snapshot the way the run
computed them: the stand-in gap (median gap of the repeat buyers) and the value
customers' cut-off (the lowest flagged score).
"""

from __future__ import annotations

import json
from typing import Any

from segmint.store.engine import Store

# The built-in families of step 2's snapshot, each a column holding one key per customer.
_FAMILIES = ("tier", "stage", "rfm8", "rfm11", "rfm_cell", "value_customer")
_FACT_COLUMNS = (
    "settings",
    "rfm",
    "tiers",
    "usual_gap_days",
    "value_cutoff",
    "clv",
    "pareto_curve",
    "warnings",
)


def runs_before_v4(engine: Store) -> None:
    """Facts, family segments and memberships of every run recorded before step 4."""
    runs = engine.rows("SELECT run_id, details FROM runs ORDER BY run_id")
    for run_id, details in runs:
        _write_facts(engine, run_id, _facts(engine, run_id, json.loads(details or "{}")))
    if runs:
        _family_segments(engine)
        for run_id, _ in runs:
            _memberships(engine, run_id)


def _facts(engine: Store, run_id: int, details: dict[str, Any]) -> dict[str, Any]:
    settings = dict(details.get("settings", {}))
    clv = details.get("clv", {})
    checks = clv.get("checks", {})
    settings["clv"] = {
        "holdout_days": checks.get("holdout_days", 84),
        "discount_rate": clv.get("discount_rate", 0.1),
    }
    lifecycle = settings.get("lifecycle", {})
    gap = engine.scalar(
        "SELECT median(avg_days_between_orders) FROM snapshots "
        "WHERE run_id = ? AND avg_days_between_orders IS NOT NULL",
        [run_id],
    )
    cutoff = engine.scalar(
        "SELECT min(value_score) FROM snapshots WHERE run_id = ? AND value_customer", [run_id]
    )
    return {
        "settings": json.dumps(settings),
        "rfm": _rfm(details.get("rfm")),
        "tiers": _tiers(details.get("tiers", []), details.get("tier_buyers", {})),
        "usual_gap_days": gap if gap is not None else lifecycle.get("fallback_gap_days", 90.0),
        "value_cutoff": cutoff,
        "clv": _clv(clv),
        "pareto_curve": details.get("pareto_curve", []),
        "warnings": [
            {"code": w["code"], "params": json.dumps(w.get("params", {}))}
            for w in details.get("warnings", [])
        ],
    }


def _rfm(rfm: dict[str, Any] | None) -> dict[str, Any] | None:
    if not rfm or not rfm.get("cuts"):
        return None
    cuts, means = rfm["cuts"], rfm.get("means", {})
    return {
        "recency_cuts": cuts.get("recency_days", []),
        "frequency_cuts": cuts.get("frequency", []),
        "monetary_cuts": cuts.get("monetary", []),
        "mean_recency_days": means.get("recency_days", 0.0),
        "mean_frequency": means.get("frequency", 0.0),
        "mean_monetary": means.get("monetary", 0.0),
    }


def _tiers(spans: list[dict[str, Any]], buyers: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {
            "tier": s["tier"],
            "customers": s["customers"],
            "buyers": buyers.get(s["tier"], 0),
            "min_spend": s.get("min_spend"),
            "max_spend": s.get("max_spend"),
        }
        for s in spans
    ]


def _clv(clv: dict[str, Any]) -> dict[str, Any]:
    checks = clv.get("checks", {})
    models = [k for k, v in checks.items() if isinstance(v, dict)]
    fits = []
    if clv.get("model") and clv.get("fit"):
        fits.append({"model": clv["model"], "purpose": "purchases", **_fit(clv["fit"])})
    if clv.get("spend_fit"):
        fits.append({"model": "gamma_gamma", "purpose": "spend", **_fit(clv["spend_fit"])})
    return {
        "model": clv.get("model"),
        "chosen_by": checks.get("by"),
        "holdout_days": checks.get("holdout_days"),
        "holdout_customers": checks.get("customers"),
        "discount_rate": clv.get("discount_rate"),
        "note": clv.get("skipped") or clv.get("error") or clv.get("spend_error"),
        "checks": [
            {
                "model": m,
                "mae": checks[m].get("mae"),
                "predicted": checks[m].get("predicted"),
                "actual": checks[m].get("actual"),
                "log_likelihood": _finite(checks[m].get("log_likelihood")),
                "error": checks[m].get("error"),
            }
            for m in models
        ],
        "fits": fits,
    }


def _finite(value: Any) -> float | None:
    """A number JSON can carry (a failed fit's log-likelihood was -inf): else None."""
    return float(value) if isinstance(value, int | float) and abs(value) != float("inf") else None


def _fit(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "params": record.get("params", {}),
        "standard_errors": record.get("standard_errors", {}),
        "log_likelihood": record.get("log_likelihood"),
    }


def _write_facts(engine: Store, run_id: int, facts: dict[str, Any]) -> None:
    values = [facts["settings"], *(json.dumps(facts[c]) for c in _FACT_COLUMNS[1:])]
    casts = ", ".join(["?", *("CAST(? AS JSON)" for _ in _FACT_COLUMNS[1:])])
    engine.execute(f"INSERT INTO run_facts VALUES (?, {casts})", [run_id, *values])


def _keys() -> str:
    """Every (family, key) of the snapshots, one row each: an UNPIVOT of the families."""
    columns = ", ".join(f"CAST({f} AS VARCHAR) AS {f}" for f in _FAMILIES)
    return (
        f'SELECT run_id, customer_id, family, "key" FROM (UNPIVOT (SELECT run_id, customer_id, '
        f'{columns} FROM snapshots) ON {", ".join(_FAMILIES)} INTO NAME family VALUE "key")'
    )


def _family_segments(engine: Store) -> None:
    """One definition per family key found in the snapshots: `tier = 'A'` is `tier.A`."""
    engine.execute(
        f"""INSERT INTO segments
        SELECT row_number() OVER (ORDER BY family, "key"), family || '.' || "key", 1, 'family',
            family, "key",
            CASE WHEN family = 'value_customer' THEN family || ' = ' || "key"
                ELSE family || ' = ''' || replace("key", '''', '''''') || '''' END,
            NULL, false, 'segmint', now(), 'segmint', now(), NULL, NULL
        FROM (SELECT DISTINCT family, "key" FROM ({_keys()}))"""
    )


def _memberships(engine: Store, run_id: int) -> None:
    engine.execute(
        f"""INSERT INTO memberships
        SELECT k.run_id, s.segment_id, k.customer_id FROM ({_keys()}) k
        JOIN segments s ON s.kind = 'family' AND s.family = k.family AND s."key" = k."key"
        WHERE k.run_id = ?""",
        [run_id],
    )
    engine.execute(
        """INSERT INTO run_segments
        SELECT ?, s.segment_id, count(m.customer_id) FROM segments s
        LEFT JOIN memberships m ON m.segment_id = s.segment_id AND m.run_id = ?
        WHERE s.kind = 'family' GROUP BY s.segment_id""",
        [run_id, run_id],
    )
