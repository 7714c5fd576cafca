"""What acting on segments shows: exports for the tools, playbooks, tasks, campaigns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.markup import escape

from segmint.activate.verdicts import amount, interval, verdict
from segmint.cli.render._console import _labels, _out, _table
from segmint.core import formats
from segmint.core.formats import Locale

if TYPE_CHECKING:
    from segmint.activate.campaigns import CampaignReport, Enrolment
    from segmint.activate.lists import SegmentExport
    from segmint.activate.playbooks import PlaybookRun
    from segmint.store.campaigns import Campaign
    from segmint.store.playbooks import Task


def segment_exported(done: SegmentExport, *, locale: Locale) -> None:
    """How many rows went where; with a template, who was left out and why."""
    console = _out()
    console.print(
        escape(locale.text("cli.export_written", rows=formats.count(done.rows), file=done.file))
    )
    if done.reach is not None and done.reach.exported < done.reach.members:
        channel = locale.text(f"cli.channel.{done.template}")
        left_out = locale.text(
            "cli.export_left_out",
            members=formats.count(done.reach.members),
            no_consent=formats.count(done.reach.no_consent),
            no_address=formats.count(done.reach.no_address),
            channel=channel,
        )
        console.print(f"[yellow]{escape(left_out)}[/]")


def campaign_created(done: Enrolment, *, locale: Locale) -> None:
    """The campaign, its window and seed, and the size of each group."""
    c = done.campaign
    console = _out()
    console.print(
        escape(
            locale.text(
                "cli.campaign_created",
                name=c.name,
                segment=c.segment,
                start=c.start_day.isoformat(),
                end=c.end_day.isoformat(),
                seed=c.seed,
            )
        )
    )
    rows = [(group, formats.count(n)) for group, n in sorted(done.groups.items())]
    console.print(_table(None, _labels(locale, "group", "customers"), rows))


def campaigns(found: Sequence[Campaign], *, locale: Locale) -> None:
    """Every campaign, newest first."""
    if not found:
        _out().print(escape(locale.text("cli.no_campaigns")))
        return
    rows = [
        (
            c.name,
            c.segment,
            formats.percent(c.holdout),
            ", ".join(c.variants),
            f"{c.start_day.isoformat()} – {c.end_day.isoformat()}",
            str(c.seed),
        )
        for c in found
    ]
    headers = _labels(locale, "name", "segment", "holdout", "variants", "window", "seed")
    _out().print(_table(locale.text("cli.campaigns"), headers, rows))


def campaign_report(found: CampaignReport, *, locale: Locale) -> None:
    """Per variant: each metric's means, uplift and interval, then the verdicts in words."""
    console = _out()
    c = found.campaign
    console.print(
        escape(
            locale.text(
                "cli.campaign_window",
                name=c.name,
                start=c.start_day.isoformat(),
                end=c.end_day.isoformat(),
                holdout=formats.count(found.holdout),
            )
        )
    )
    if not found.complete:
        until = "—" if found.data_until is None else found.data_until.isoformat()
        console.print(f"[yellow]{escape(locale.text('cli.campaign_incomplete', until=until))}[/]")
    for result in found.variants:
        rows = [
            (
                locale.text(f"uplift.metric.{u.metric}"),
                amount(u.metric, u.mean_variant, locale),
                amount(u.metric, u.mean_holdout, locale),
                amount(u.metric, u.uplift, locale, signed=True),
                interval(u, locale),
            )
            for u in result.metrics
        ]
        title = locale.text(
            "cli.campaign_variant",
            variant=result.variant,
            customers=formats.count(result.customers),
        )
        headers = _labels(locale, "metric", "variant_mean", "holdout_mean", "uplift", "interval")
        console.print(_table(title, headers, rows))
        for u in result.metrics:
            console.print(escape("· " + verdict(u, variant=result.variant, locale=locale)))


def playbook_run(done: PlaybookRun, *, locale: Locale) -> None:
    """What each rule did (or would do), one row each."""
    console = _out()
    if not done.rules:
        console.print(escape(locale.text("cli.no_playbooks")))
        return
    key = "cli.playbook_dry_run" if done.dry_run else "cli.playbook_ran"
    console.print(escape(locale.text(key, day=done.day.isoformat())))
    rows = [
        (
            r.rule,
            r.segment,
            formats.count(r.members),
            formats.count(r.owners_assigned),
            formats.count(r.tasks_created),
            formats.count(r.exported) + (f" → {r.export_file}" if r.export_file else ""),
            formats.count(r.told),
        )
        for r in done.rules
    ]
    headers = _labels(
        locale, "rule", "segment", "customers", "owners_assigned", "tasks", "exported", "told"
    )
    console.print(_table(None, headers, rows))


def task_list(found: Sequence[Task], *, locale: Locale) -> None:
    """Tasks, the newest first."""
    if not found:
        _out().print(escape(locale.text("cli.no_tasks")))
        return
    rows = [
        (
            str(t.task_id),
            t.day.isoformat(),
            t.owner or "",
            t.customer_id,
            t.title,
            t.rule,
            formats.moment(t.done_at, locale),
        )
        for t in found
    ]
    headers = _labels(locale, "id", "day", "owner", "customer", "task", "rule", "done")
    _out().print(_table(locale.text("cli.tasks"), headers, rows))
