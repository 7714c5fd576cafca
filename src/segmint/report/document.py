"""The report: one run's views gathered from the workspace, rendered into one HTML file.

The file holds everything it shows: the style sheet, plotly.js and the charts' data are
written into it, so it opens from disk, by e-mail or on a plane, and asks nothing of any
network. The views, charts and tables are the dashboard's own (`web.charts`,
`_views.html`), so the report and the pages never disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from segmint import __version__
from segmint.core import files
from segmint.core.formats import Locale, locale_of
from segmint.report import summary
from segmint.segments.insights import (
    ClvView,
    FamilyView,
    Overview,
    RfmView,
    TiersView,
    ValueCustomer,
)
from segmint.segments.needs_view import NeedsView
from segmint.segments.results import Alert, AlertTotals, SegmentsReport
from segmint.web import charts
from segmint.web.charts import Chart
from segmint.web.render import Renderer, plotly_js, static
from segmint.workspace import Workspace

SHOWN_ALERTS = 20  # the alerts listed, most money at stake first; the total counts them all


@dataclass(frozen=True, slots=True)
class Report:
    """Everything the report shows of one run, in its reader's language."""

    locale: Locale
    overview: Overview
    tiers: TiersView
    rfm: RfmView
    lifecycle: FamilyView
    clv: ClvView
    needs: NeedsView
    segments: SegmentsReport
    value_customers: list[ValueCustomer]
    alerts: list[Alert]  # raised by the run, most money at stake first (SHOWN_ALERTS)
    alert_totals: AlertTotals  # every alert the run raised
    changes: list[str]


def gather(ws: Workspace, *, run_id: int | None = None, lang: str | None = None) -> Report:
    """The views of run `run_id` (default: the current run) in `lang` (default: the workspace's)."""
    locale = locale_of(ws.settings, lang)
    overview = ws.overview(run_id=run_id)
    run_id = overview.kpis.run_id
    tiers = ws.tiers(run_id=run_id, lang=locale.lang)
    lifecycle = ws.lifecycle(run_id=run_id, lang=locale.lang)
    drops = ws.alert_totals(include_closed=True, run_id=run_id, reasons=("below_expectation",))
    top = ws.settings.tiers.labels[0]
    return Report(
        locale=locale,
        overview=overview,
        tiers=tiers,
        rfm=ws.rfm_view(run_id=run_id, lang=locale.lang),
        lifecycle=lifecycle,
        clv=ws.clv_view(run_id=run_id),
        needs=ws.needs(run_id=run_id, lang=locale.lang),
        segments=ws.segments(run_id=run_id, lang=locale.lang),
        value_customers=ws.value_customers(run_id=run_id, lang=locale.lang),
        alerts=ws.alerts(include_closed=True, run_id=run_id, by_stake=True, limit=SHOWN_ALERTS),
        alert_totals=ws.alert_totals(include_closed=True, run_id=run_id),
        changes=summary.changes(overview, tiers, lifecycle, drops, top=top, locale=locale),
    )


def sections(report: Report) -> dict[str, list[Chart]]:
    """The charts of each section of the report that has charts, in its reader's language."""
    locale = report.locale
    return {
        "overview": charts.of_overview(report.overview, locale),
        "tiers": charts.of_tiers(report.tiers, locale),
        "rfm": charts.of_rfm(report.rfm, locale),
        "lifecycle": charts.of_lifecycle(report.lifecycle, locale),
        "needs": charts.of_needs(report.needs, locale),
        "clv": charts.of_clv(report.clv, locale),
    }


def html(report: Report, *, made_at: dt.datetime | None = None) -> str:
    """The report as one self-contained HTML page."""
    locale = report.locale
    return Renderer("segmint.report").page(
        "report.html",
        locale=locale,
        visit=None,
        report=report,
        sections=sections(report),
        style=static("segmint.css").decode("utf-8"),
        scripts=(plotly_js()[1], static("segmint.js").decode("utf-8")),
        version=__version__,
        made_at=made_at or dt.datetime.now(dt.UTC),
    )


def write(
    ws: Workspace,
    out: Path,
    *,
    run_id: int | None = None,
    lang: str | None = None,
    force: bool = False,
) -> Path:
    """Write the report of a run to `out` (replacing a file only with `force`); return it.

    The file appears whole or not at all (`files.whole`).
    """
    files.check_new_file(out, force=force)
    text = html(gather(ws, run_id=run_id, lang=lang))
    files.whole(out, lambda partial: partial.write_text(text, encoding="utf-8"))
    return out
