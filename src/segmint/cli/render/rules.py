"""Rule previews, the team's segments and alerts, as tables a person reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape

from segmint.cli.render._console import _labels, _out, _table
from segmint.core import formats
from segmint.core.formats import Locale


def rule_preview(shown: Any, *, locale: Locale) -> None:
    """What a rule selects: the sentence, counts and shares, overlaps, a sample with why."""
    console = _out()
    console.print(f"[bold]{escape(shown.sentence)}[/]")
    said = locale.text(
        "cli.rule_members",
        count=formats.count(shown.count),
        share=formats.percent(shown.share),
        revenue=formats.percent(shown.revenue_share) if shown.revenue_share is not None else "-",
        run_id=shown.run_id,
    )
    console.print(escape(said))
    _lints(console, shown.lint, locale=locale)
    if shown.overlaps:
        overlaps = [(o.name, o.members, o.shared) for o in shown.overlaps]
        headers = _labels(locale, "segment", "customers", "shared")
        console.print(_table(locale.text("cli.overlaps"), headers, overlaps))
    if shown.sample:
        sample = [(w.customer_id, "\n".join(w.clauses)) for w in shown.sample]
        headers = _labels(locale, "customer", "why")
        console.print(_table(locale.text("cli.sample_members"), headers, sample))


def _lints(console: Console, lints: Sequence[Any], *, locale: Locale) -> None:
    for lint in lints:
        word = f"[bold yellow]{escape(locale.text('run.warning'))}[/]"
        console.print(f"{word} [dim]segment.lint_{lint.kind}[/] {escape(lint.render(locale.lang))}")


def segment_saved(segment: Any, shown: Any, *, locale: Locale) -> None:
    """A saved segment version and what it selects on the current run."""
    key = "cli.segment_added" if segment.version == 1 else "cli.segment_edited"
    console = _out()
    console.print(escape(locale.text(key, name=segment.name, version=segment.version)))
    rule_preview(shown, locale=locale)


def segment_list(found: Sequence[Any], *, locale: Locale) -> None:
    """The team's segments, one row each."""
    if not found:
        _out().print(escape(locale.text("cli.no_segments")))
        return
    rows = [
        (
            d.segment.name,
            d.segment.rule,
            "-" if d.members is None else d.members,
            d.segment.version,
            locale.label("static") if d.segment.static else locale.label("dynamic"),
            d.segment.changed_by or "",
            formats.moment(d.segment.changed_at, locale) if d.segment.changed_at else "",
        )
        for d in found
    ]
    headers = _labels(locale, "segment", "rule", "customers", "version", "kind", "by", "changed")
    _out().print(_table(locale.text("cli.your_segments"), headers, rows))


def segment_detail(found: Any, *, locale: Locale) -> None:
    """One segment: rule and sentence, versions, runs."""
    console = _out()
    segment = found.segment
    console.print(f"[bold]{escape(segment.name)}[/] · {escape(segment.rule)}")
    console.print(escape(found.sentence))
    if segment.description:
        console.print(escape(segment.description))
    versions = [
        (
            v.version,
            v.rule,
            v.changed_by or "",
            formats.moment(v.changed_at, locale) if v.changed_at else "",
        )
        for v in found.versions
    ]
    headers = _labels(locale, "version", "rule", "by", "changed")
    console.print(_table(locale.text("cli.versions"), headers, versions))
    if found.runs:
        rows = [(u.run_id, str(u.as_of), u.version, u.members) for u in found.runs]
        headers = _labels(locale, "run", "as_of", "version", "customers")
        console.print(_table(locale.text("cli.segment_runs"), headers, rows))


def _raised_by(alert: Any, locale: Locale) -> str:
    """The update of the live view that raised it, else its run, else who did."""
    if alert.update_id is not None:
        return locale.text("cli.by_update", update=alert.update_id)
    if alert.run_id is not None:
        return locale.text("cli.by_run", run=alert.run_id)
    return str(alert.raised_by)


def alert_list(found: Sequence[Any], *, locale: Locale) -> None:
    """The alerts, one row each: id, severity, customer, reason in words, when and by what."""
    if not found:
        _out().print(escape(locale.text("cli.no_alerts")))
        return
    rows = [
        (
            a.alert_id,
            locale.name("value.severity", a.severity),
            a.customer_id,
            a.text(locale.lang),
            formats.moment(a.raised_at, locale),
            _raised_by(a, locale),
        )
        for a in found
    ]
    headers = _labels(locale, "id", "severity", "customer", "why", "raised", "raised_by")
    _out().print(_table(locale.text("cli.alerts"), headers, rows))
