"""The reports a run feeds: segments with KPIs and change, moves between runs, profiles."""

from __future__ import annotations

from typing import Any

from segmint.core.config import Settings
from segmint.core.errors import Location, NotFoundError
from segmint.models.lifecycle import STAGES
from segmint.segments.explain import explain
from segmint.segments.families import FAMILY_KEYS, family_label, segment_label
from segmint.store import reports
from segmint.store.duckdb import DuckDBEngine

MOVED = ("tier", "stage")  # families whose transition matrices a diff shows


def segments(
    engine: DuckDBEngine,
    settings: Settings,
    *,
    run: dict[str, Any],
    previous: dict[str, Any] | None,
    lang: str,
) -> dict[str, Any]:
    """Every segment of every family in `run`, with its change since `previous`."""
    rows = reports.segment_kpis(engine, run["run_id"], FAMILY_KEYS)
    before = {}
    if previous is not None:
        before = {
            (r["family"], r["segment"]): r["customers"]
            for r in reports.segment_kpis(engine, previous["run_id"], FAMILY_KEYS)
        }
    for row in rows:
        key = (row["family"], row["segment"])
        row["family_label"] = family_label(row["family"], lang=lang)
        row["label"] = segment_label(row["family"], row["segment"], settings=settings, lang=lang)
        row["change"] = None if previous is None else row["customers"] - before.get(key, 0)
    order = {f: i for i, f in enumerate(FAMILY_KEYS)}
    ranks = {  # tiers top first and stages in lifecycle order; other families by size
        "tier": {label: i for i, label in enumerate(settings.tiers.labels)},
        "stage": {stage: i for i, stage in enumerate(STAGES)},
    }

    def place(row: dict[str, Any]) -> tuple[int, int, str]:
        rank = ranks.get(row["family"], {}).get(row["segment"], -row["customers"])
        return order[row["family"]], rank, row["segment"]

    rows.sort(key=place)
    return {
        "run_id": run["run_id"],
        "as_of": run["as_of"],
        "previous_run": None if previous is None else previous["run_id"],
        "segments": rows,
        # the 80/20 curve: share of 365-day revenue held by the top 0, 1, ... 100 % customers
        "pareto_curve": run["details"].get("pareto_curve", []),
    }


def diff(engine: DuckDBEngine, *, before: int, after: int) -> dict[str, Any]:
    """Who moved between two runs: tier and stage matrices, entries and exits per segment."""
    moves = []
    matrices = {}
    for family in FAMILY_KEYS:
        cells = reports.transitions(engine, before, after, family)
        if family in MOVED:
            matrices[family] = cells
        segments_seen = {c["before"] for c in cells} | {c["after"] for c in cells}
        for segment in sorted(s for s in segments_seen if s is not None):
            entered = [c for c in cells if c["after"] == segment and c["before"] != segment]
            left = [c for c in cells if c["before"] == segment and c["after"] != segment]
            if entered or left:
                moves.append(
                    {
                        "family": family,
                        "segment": segment,
                        "entered": sum(c["customers"] for c in entered),
                        "left": sum(c["customers"] for c in left),
                        "revenue_365d_entered": sum(c["revenue_365d"] or 0 for c in entered),
                    }
                )
    return {"before": before, "after": after, "transitions": matrices, "moves": moves}


def profile(
    engine: DuckDBEngine,
    settings: Settings,
    customer_id: str,
    *,
    run: dict[str, Any],
    lang: str,
) -> dict[str, Any]:
    """The 360° profile: identity, features, scores and labels with why, history, timeline."""
    identity = reports.customer_record(engine, customer_id)
    row = reports.snapshot_row(engine, run["run_id"], customer_id)
    if identity is None and row is None:
        raise NotFoundError(
            "customer.not_found", location=Location(field="customer_id"), customer=customer_id
        )
    labels = {}
    if row is not None:
        labels = {
            f: segment_label(f, _key(row[f]), settings=settings, lang=lang)
            for f in FAMILY_KEYS
            if row.get(f) is not None
        }
    return {
        "customer_id": customer_id,
        "run_id": run["run_id"],
        "as_of": run["as_of"],
        "identity": identity,
        "snapshot": row,
        "labels": labels,
        "why": {}
        if row is None
        else explain(row, run["details"] | {"as_of": run["as_of"]}, lang=lang),
        "categories": reports.category_shares(engine, run["run_id"], customer_id),
        "history": reports.history(
            engine, customer_id, ("tier", "stage", "rfm11", "value_customer")
        ),
        "timeline": reports.timeline(engine, customer_id),
    }


def _key(value: Any) -> str:
    """A snapshot value as a segment key (flags are "true" / "false")."""
    return str(value).lower() if isinstance(value, bool) else str(value)
