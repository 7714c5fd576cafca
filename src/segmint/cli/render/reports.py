"""Runs, segments, profiles and the demo's headline, as tables a person reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from rich.markup import escape

from segmint.cli.render._console import _field, _labels, _notice, _out, _table
from segmint.core import formats
from segmint.core.formats import Locale

if TYPE_CHECKING:
    from segmint.demo.run import Headline
    from segmint.pipeline.finish import RunResult
    from segmint.segments.results import (
        Diff,
        HistoryEntry,
        Profile,
        SegmentRow,
        SegmentsReport,
        TimelineEntry,
    )
    from segmint.store.snapshots import Run


def _segment_rows(rows: Sequence[SegmentRow], locale: Locale) -> list[tuple[object, ...]]:
    return [
        (
            r.family_label,
            r.label,
            r.customers,
            formats.percent(r.share),
            formats.percent(r.revenue_share),
            formats.money(r.avg_clv_12m, locale),
            formats.percent(r.repurchase_rate),
            formats.percent(r.churn_rate),
            formats.money(r.aov, locale),
            "" if r.change is None else f"{r.change:+,}",
        )
        for r in rows
    ]


_SEGMENT_COLUMNS = (
    "family",
    "segment",
    "customers",
    "share",
    "revenue_share",
    "avg_clv_12m",
    "repurchase_rate",
    "churn_rate",
    "aov",
    "change",
)


def _segment_headers(locale: Locale) -> tuple[str, ...]:
    return _labels(locale, *_SEGMENT_COLUMNS)


def run_result(
    result: RunResult, summary: SegmentsReport, current: SegmentsReport, *, locale: Locale
) -> None:
    """What a run did, and the headline segments (`current`: the current run's report)."""
    console = _out()
    done = locale.text(
        "cli.run_done",
        run_id=result.run_id,
        as_of=result.as_of.isoformat(),
        customers=formats.count(result.customers),
        seconds=formats.decimal(result.seconds, digits=1),
        model=result.facts.clv.model or "-",
    )
    console.print(escape(done))
    headline = [r for r in summary.segments if r.family in ("tier", "stage", "value_customer")]
    title = locale.text("cli.segments")
    console.print(_table(title, _segment_headers(locale), _segment_rows(headline, locale)))
    if result.alerts_raised or result.alerts_resolved:
        said = locale.text(
            "cli.run_alerts", raised=result.alerts_raised, resolved=result.alerts_resolved
        )
        console.print(f"[yellow]{escape(said)}[/]")
    for warning in result.warnings:
        word = f"[bold yellow]{escape(locale.text('run.warning'))}[/]"
        shown = warning.as_dict(locale.lang)
        _notice(console, word, shown["code"], shown["message"], shown["hint"], lang=locale.lang)
    if result.backtest:
        note = locale.text(
            "run.backtest_note",
            current=current.run_id,
            as_of=current.as_of.isoformat(),
            run=result.run_id,
        )
        console.print(f"[yellow]{escape(note)}[/]")
    console.print(f"[dim]{escape(locale.text('cli.next_after_run'))}[/]")


def runs(found: Sequence[Run], *, locale: Locale) -> None:
    """The runs, newest first."""
    if not found:
        _out().print(escape(locale.text("cli.no_runs")))
        return
    rows = [
        (
            r.run_id,
            str(r.as_of),
            r.customers,
            r.facts.settings.engine,
            r.facts.clv.model or "-",
            formats.moment(r.finished_at, locale),
            locale.text("cli.seconds", seconds=formats.decimal(r.seconds, digits=1)),
            r.config_hash,
            locale.text("label.current_run")
            if r.current
            else locale.text("label.backtest")
            if r.backtest
            else "",
        )
        for r in found
    ]
    columns = (
        *_labels(locale, "run", "as_of", "customers", "engine", "clv_model"),
        formats.zone(locale),
        *_labels(locale, "took", "settings", "run_kind"),
    )
    _out().print(_table(locale.text("cli.runs"), columns, rows))


def segments(
    data: SegmentsReport,
    moved: Diff | None,
    *,
    names: Mapping[str, Mapping[str, str]],
    locale: Locale,
) -> None:
    """Segments with KPIs, then the tier and stage moves since the previous run."""
    console = _out()
    title = locale.text("cli.segments_of_run", run_id=data.run_id, as_of=data.as_of)
    if data.previous_run is not None:
        title += locale.text("cli.change_since", run_id=data.previous_run)
    rows = _segment_rows(data.segments, locale)
    console.print(_table(title, _segment_headers(locale), rows))
    curve = data.pareto_curve
    if len(curve) == 101:
        top = locale.text(
            "cli.pareto", top20=formats.percent(curve[20]), top50=formats.percent(curve[50])
        )
        console.print(escape(top))
    if moved is not None:
        _moves(moved, names=names, locale=locale)


def _moves(moved: Diff, *, names: Mapping[str, Mapping[str, str]], locale: Locale) -> None:
    for family, cells in moved.transitions.items():
        named = names.get(family, {})
        rows = [
            (
                named.get(c.before, c.before) if c.before else locale.text("cli.new_in_run"),
                named.get(c.after, c.after) if c.after else locale.text("cli.gone_in_run"),
                c.customers,
                formats.money(c.revenue_365d, locale),
            )
            for c in cells
            if c.before != c.after
        ]
        if rows:
            title = locale.text("cli.moves", family=locale.label(f"family.{family}"))
            headers = _labels(locale, "from", "to", "customers", "revenue_365d")
            _out().print(_table(title, headers, rows))
    own = [
        (m.segment, m.entered, m.left, formats.money(m.revenue_365d_entered, locale))
        for m in moved.moves
        if m.family == "rules"
    ]
    if own:
        headers = _labels(locale, "segment", "entered", "left", "revenue_365d")
        _out().print(_table(locale.text("cli.own_moves"), headers, own))


def profile(data: Profile, *, names: Mapping[str, Mapping[str, str]], locale: Locale) -> None:
    """The 360° profile of one customer."""
    console = _out()
    top = locale.text("cli.profile_of", run_id=data.run_id, as_of=data.as_of, zone=locale.timezone)
    if data.updated_at is not None:  # the live view: her row's day and when it was made
        top = locale.text(
            "cli.profile_live",
            run_id=data.run_id,
            as_of=formats.day(data.view_as_of, locale),
            updated=formats.moment(data.updated_at, locale),
            zone=locale.timezone,
        )
    console.print(f"[bold]{escape(data.customer_id)}[/] · {escape(top)}")
    shown = [
        (_field(k, locale), _identity_value(k, v, locale))
        for k, v in (data.identity or {}).items()
        if v is not None and k != "customer_id"
    ]
    if shown:
        console.print(_table(locale.text("cli.identity"), ("", ""), shown))
    _why(data, locale=locale)
    if data.segments:
        own = [(s.name, "\n".join(s.why)) for s in data.segments]
        headers = _labels(locale, "segment", "why")
        console.print(_table(locale.text("cli.own_segments"), headers, own))
    if data.alerts:
        shown_alerts = [
            (a.alert_id, locale.name("value.severity", a.severity), a.text(locale.lang))
            for a in data.alerts
        ]
        headers = _labels(locale, "id", "severity", "why")
        console.print(_table(locale.text("cli.alerts"), headers, shown_alerts))
    if data.recommendations:
        products = [
            (rank, p.product_id, p.name or "", p.category or "")
            for rank, p in enumerate(data.recommendations, start=1)
        ]
        headers = _labels(locale, "rank", "product", "name", "category")
        console.print(_table(locale.text("cli.recommended"), headers, products))
    values = [
        (_field(k, locale), _snapshot_value(k, v, names=names, locale=locale))
        for k, v in (data.snapshot or {}).items()
        if k not in ("customer_id", "value_parts", "recommended")
    ]
    console.print(_table(locale.text("cli.features_and_scores"), ("", ""), values))
    if data.history:
        _history(data.history, names=names, locale=locale)
    if data.timeline:
        _timeline(data.timeline, locale=locale)


def _why(data: Profile, *, locale: Locale) -> None:
    labels = [(locale.label(f"family.{k}"), v, data.why.get(k, "")) for k, v in data.labels.items()]
    if data.why.get("rfm") and data.snapshot is not None:
        labels.append((locale.label("rfm"), data.snapshot["rfm_cell"], data.why["rfm"]))
    headers = ("", *_labels(locale, "label", "why"))
    _out().print(_table(locale.text("cli.labels_and_why"), headers, labels))


def _identity_value(name: str, value: object, locale: Locale) -> str:
    if name == "gender":
        return locale.name("value.gender", value)
    return formats.field_value(name, value, locale)


def _snapshot_value(
    name: str, value: object, *, names: Mapping[str, Mapping[str, str]], locale: Locale
) -> str:
    family = names.get(name)
    if family is not None and value is not None:
        key = str(value).lower() if isinstance(value, bool) else str(value)
        return family.get(key, key)
    return formats.field_value(name, value, locale)


def _history(
    history: Sequence[HistoryEntry],
    *,
    names: Mapping[str, Mapping[str, str]],
    locale: Locale,
) -> None:
    entries = [h.model_dump() for h in history]
    rows = [
        tuple(_snapshot_value(k, v, names=names, locale=locale) for k, v in h.items())
        for h in entries
    ]
    headers = tuple(_field(c, locale) for c in entries[0])
    _out().print(_table(locale.text("cli.history"), headers, rows))


def _timeline(timeline: Sequence[TimelineEntry], *, locale: Locale) -> None:
    rows = [
        (
            formats.moment(t.happened_at, locale),
            locale.name("value.kind", t.kind),
            t.ref,
            locale.name(f"value.{t.kind}", t.what),
            formats.money(t.detail, locale) if t.kind == "order" else t.detail,
        )
        for t in timeline
    ]
    headers = (formats.zone(locale), *_labels(locale, "kind", "id", "what", "detail"))
    _out().print(_table(locale.text("cli.recent"), headers, rows))


def headline(data: Headline, *, locale: Locale) -> None:
    """The demo's headline: who the value customers are, tiers, stages, churn risk."""
    console = _out()
    said = locale.text(
        "cli.headline",
        run_id=data.run_id,
        as_of=data.as_of,
        customers=formats.count(data.customers),
        value_customers=formats.count(data.value_customers),
        churn_risk=formats.count(data.churn_risk),
    )
    console.print("\n" + escape(said))
    tiers = [(t.tier, t.customers, formats.percent(t.revenue_share)) for t in data.tiers]
    console.print(
        _table(locale.label("family.tier"), _labels(locale, "tier", "customers", "revenue"), tiers)
    )
    stages_ = list(data.stages.items())
    console.print(
        _table(locale.label("family.stage"), _labels(locale, "stage", "customers"), stages_)
    )
    rfm11 = list(data.rfm11.items())
    console.print(
        _table(locale.label("family.rfm11"), _labels(locale, "segment", "customers"), rfm11)
    )
