"""The reports a run feeds: segments with KPIs and change, moves between runs, profiles."""

from __future__ import annotations

from typing import Any

from segmint.core.config import Settings
from segmint.core.errors import Location, NotFoundError, RuleError
from segmint.core.formats import locale_of
from segmint.models.lifecycle import STAGES
from segmint.segments import insights, needs
from segmint.segments.explain import explain
from segmint.segments.families import FAMILY_KEYS, family_label, segment_label
from segmint.segments.results import (
    HISTORY_FAMILIES,
    CategoryShare,
    Diff,
    HistoryEntry,
    Move,
    OwnSegment,
    Product,
    Profile,
    SegmentRow,
    SegmentsReport,
    TimelineEntry,
    Transition,
)
from segmint.segments.rules import explain as explain_rule
from segmint.store import live, reports, snapshots
from segmint.store import segments as stored
from segmint.store.engine import Store
from segmint.store.snapshots import Run

MOVED = ("tier", "stage")  # families whose transition matrices a diff shows
RULES = "rules"  # the team's own segments, listed after the built-in families


def segments(
    engine: Store,
    settings: Settings,
    *,
    run: Run,
    previous: Run | None,
    lang: str,
) -> SegmentsReport:
    """Every segment the run evaluated, built-in and the team's, with its change since `previous`.

    A family segment with no member is left out (the 125 RFM cells would drown the rest);
    a rule segment is shown even when empty. Change is counted by segment name, so an
    edited rule segment is compared with its earlier version's members.
    """
    rows = [r for r in _kpis(engine, run.run_id) if _shown(r)]
    trend = insights.trend_runs(run, snapshots.runs(engine))
    counted = [r.run_id for r in trend] + ([previous.run_id] if previous is not None else [])
    sizes = {
        (r["run_id"], r["name"]): r["customers"] for r in reports.segment_sizes(engine, counted)
    }  # what each run recorded: its trend, and the run before for the change
    for row in rows:
        row["family_label"] = family_label(row["family"], lang=lang)
        row["label"] = (
            row["name"]
            if row["family"] == RULES
            else segment_label(row["family"], row["segment"], settings=settings, lang=lang)
        )
        row["change"] = (
            None
            if previous is None
            else row["customers"] - sizes.get((previous.run_id, row["name"]), 0)
        )
        row["trend"] = [sizes.get((r.run_id, row["name"]), 0) for r in trend]
    order = {f: i for i, f in enumerate((*FAMILY_KEYS, RULES))}
    ranks = {  # tiers top first and stages in lifecycle order; other families by size
        "tier": {label: i for i, label in enumerate(settings.tiers.labels)},
        "stage": {stage: i for i, stage in enumerate(STAGES)},
    }

    def place(row: dict[str, Any]) -> tuple[int, int, str]:
        rank = ranks.get(row["family"], {}).get(row["segment"], -row["customers"])
        return order[row["family"]], rank, row["segment"]

    rows.sort(key=place)
    return SegmentsReport(
        run_id=run.run_id,
        as_of=run.as_of,
        previous_run=None if previous is None else previous.run_id,
        segments=[SegmentRow(**row) for row in rows],
        pareto_curve=list(run.facts.pareto_curve),
        trend_days=[r.as_of for r in trend],
    )


def _kpis(engine: Store, run_id: int) -> list[dict[str, Any]]:
    """The KPI rows of a run, each with its family (RULES for rule segments) and segment."""
    rows = reports.segment_kpis(engine, run_id)
    for row in rows:
        key = row.pop("key")
        row["family"] = row["family"] if row["kind"] == "family" else RULES
        row["segment"] = key if row["kind"] == "family" else row["name"]
    return rows


def _shown(row: dict[str, Any]) -> bool:
    if row["family"] == RULES:
        return True
    return row["family"] in FAMILY_KEYS and row["customers"] > 0


def diff(engine: Store, *, before: int, after: int) -> Diff:
    """Who moved between two runs: tier and stage matrices, entries and exits per segment."""
    matrices = {
        family: [Transition(**cell) for cell in reports.transitions(engine, before, after, family)]
        for family in MOVED
    }
    moves = []
    for move in reports.moves(engine, before, after):
        family = move["family"] if move["kind"] == "family" else RULES
        if family not in (*FAMILY_KEYS, RULES):
            continue  # RFM cells: 125 of them, told by rfm8 and rfm11
        moves.append(
            Move(
                family=family,
                segment=move["key"] if move["kind"] == "family" else move["name"],
                entered=move["entered"],
                left=move["left"],
                revenue_365d_entered=move["revenue_365d_entered"],
            )
        )
    return Diff(before=before, after=after, transitions=matrices, moves=moves)


def profile(
    engine: Store,
    settings: Settings,
    customer_id: str,
    *,
    run: Run,
    lang: str,
) -> Profile:
    """The 360° profile: identity, features, scores and labels with why, history, timeline.

    For the current run the profile is the live view's: her row and segments as the
    latest update left them, with ``view_as_of`` and ``updated_at``.
    """
    identity = reports.customer_record(engine, customer_id)
    view: dict[str, Any] = {}
    if run.current:  # her row in the live view, with the day it is as of and when it was made
        row = live.view_row(engine, run.run_id, customer_id)
        if row is not None:
            view = {"view_as_of": row.pop("view_as_of"), "updated_at": row.pop("updated_at")}
    else:
        row = reports.snapshot_row(engine, run.run_id, customer_id)
    if identity is None and row is None:
        raise NotFoundError(
            "customer.not_found", location=Location(field="customer_id"), customer=customer_id
        )
    labels, why = {}, {}
    if row is not None:
        labels = {
            f: segment_label(f, _key(row[f]), settings=settings, lang=lang)
            for f in FAMILY_KEYS
            if row.get(f) is not None
        }
        locale = locale_of(settings, lang)
        if service := needs.need_names(row, locale):
            labels["service"] = service
        why = explain(row, run.facts, as_of=view.get("view_as_of", run.as_of), lang=lang)
        why |= needs.why(row, run.facts, locale)
    day = view.get("view_as_of", run.as_of)
    return Profile(
        customer_id=customer_id,
        run_id=run.run_id,
        as_of=run.as_of,
        **view,
        identity=identity,
        snapshot=row,
        labels=labels,
        why=why,
        recommendations=_recommended(engine, run.run_id, row),
        segments=_own_segments(
            engine, settings, customer_id, run=run, lang=lang, row=row if view else None, day=day
        ),
        categories=[
            CategoryShare(**c) for c in reports.category_shares(engine, run.run_id, customer_id)
        ],
        history=[HistoryEntry(**h) for h in reports.history(engine, customer_id, HISTORY_FAMILIES)],
        timeline=[TimelineEntry(**t) for t in reports.timeline(engine, customer_id)],
    )


def _recommended(engine: Store, run_id: int, row: dict[str, Any] | None) -> list[Product]:
    """The products recommended to her, best first, with their names and categories."""
    ids = (row or {}).get("recommended")
    if not ids:
        return []
    found = {p["product_id"]: p for p in reports.products(engine, run_id, ids.split(","))}
    return [Product(**found[i]) for i in ids.split(",") if i in found]


def _own_segments(
    engine: Store,
    settings: Settings,
    customer_id: str,
    *,
    run: Run,
    lang: str,
    row: dict[str, Any] | None,
    day: Any,
) -> list[OwnSegment]:
    """The team's segments she is in, each with the conditions that held.

    With `row` (her live row, as of `day`) the segments of the live view, read on it.
    """
    ids = reports.rule_memberships(engine, run.run_id, customer_id, live=row is not None)
    if not ids:
        return []
    from segmint.segments import membership  # the expression layer, only when there is work

    versions = stored.by_ids(engine, ids)
    if row is None:
        view = membership.run_view(engine, settings, run_id=run.run_id, as_of=run.as_of)
    else:
        view = membership.customer_view(
            engine, settings, run_id=run.run_id, customer_id=customer_id, as_of=day
        )
    read = membership.reader(engine, settings)
    found = []
    for segment_id in ids:
        version = versions[segment_id]
        try:
            rule = read(version["rule"], segment=version["name"])
        except RuleError as exc:  # a rule that no longer reads: say why instead
            why = [exc.render(lang)[0]]
        else:
            values = membership.operands(engine, view, rule, ids=[customer_id]).to_pylist()
            why = (
                [c.sentence for c in explain_rule(rule, values[0], lang).clauses] if values else []
            )
        found.append(
            OwnSegment(
                name=version["name"], version=version["version"], static=version["static"], why=why
            )
        )
    return found


def _key(value: Any) -> str:
    """A snapshot value as a segment key (flags are "true" / "false")."""
    return str(value).lower() if isinstance(value, bool) else str(value)
