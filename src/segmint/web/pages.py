"""The dashboard's pages: each renders the typed result its ``/v1`` twin returns as JSON."""

from __future__ import annotations

import csv
import io
import urllib.parse
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from starlette.responses import HTMLResponse

from segmint.activate import verdicts
from segmint.core.errors import RuleError, SegmintError
from segmint.segments.alerts import REASONS, SEVERITIES
from segmint.segments.families import segment_labels
from segmint.web import charts
from segmint.web.visits import Visit, form, visiting

router = APIRouter(include_in_schema=False)

RunQuery = Annotated[int | None, Query()]
SHOWN_ALERTS = 200  # alerts listed on the page; the totals above count them all
# a filter's values, or "" for any (the form's first choice)
Severity = Literal[("", *SEVERITIES)]  # type: ignore[valid-type]
Reason = Literal[("", *REASONS)]  # type: ignore[valid-type]


@router.get("/", name="page_overview")
def overview(run: RunQuery = None, v: Visit = visiting("insights_overview")) -> HTMLResponse:
    """Customers, value customers, revenue and its 80/20 curve, rates, the trend."""
    view = v.workspace.overview(run_id=run)
    return v.page("overview.html", view=view, charts=charts.of_overview(view, v.locale))


@router.get("/tiers", name="page_tiers")
def tiers(run: RunQuery = None, v: Visit = visiting("insights_tiers")) -> HTMLResponse:
    """Tier sizes and revenue shares, and who moved between tiers since the run before."""
    view = v.workspace.tiers(run_id=run, lang=v.lang)
    return v.page("tiers.html", view=view, charts=charts.of_tiers(view, v.locale))


@router.get("/rfm", name="page_rfm")
def rfm(run: RunQuery = None, v: Visit = visiting("insights_rfm")) -> HTMLResponse:
    """The R×F grid, the rfm8 and rfm11 segments, and rfm8's movement."""
    view = v.workspace.rfm_view(run_id=run, lang=v.lang)
    return v.page("charts.html", page="rfm", view=view, charts=charts.of_rfm(view, v.locale))


@router.get("/lifecycle", name="page_lifecycle")
def lifecycle(run: RunQuery = None, v: Visit = visiting("insights_lifecycle")) -> HTMLResponse:
    """The stage funnel and the flows between stages since the run before."""
    view = v.workspace.lifecycle(run_id=run, lang=v.lang)
    shown = charts.of_lifecycle(view, v.locale)
    return v.page("charts.html", page="lifecycle", view=view, charts=shown)


@router.get("/needs", name="page_needs")
def needs(run: RunQuery = None, v: Visit = visiting("insights_needs")) -> HTMLResponse:
    """Profile clusters in words, loyalty levels, service needs, next-best categories."""
    view = v.workspace.needs(run_id=run, lang=v.lang)
    return v.page("needs.html", view=view, charts=charts.of_needs(view, v.locale))


@router.get("/clv", name="page_clv")
def clv(run: RunQuery = None, v: Visit = visiting("insights_clv")) -> HTMLResponse:
    """The CLV distribution, P(alive) by frequency and recency, the model's checks."""
    view = v.workspace.clv_view(run_id=run)
    return v.page("clv.html", view=view, charts=charts.of_clv(view, v.locale))


@router.get("/segments", name="page_segments")
def segments(v: Visit = visiting("segments_report")) -> HTMLResponse:
    """Every segment with its size, revenue share and change since the run before."""
    return v.page("segments.html", report=v.workspace.segments(lang=v.lang))


@router.get("/segments/new", name="page_new_segment")
def new_segment(v: Visit = visiting("preview_segment")) -> HTMLResponse:
    """The editor of a new rule segment."""
    return v.page("segment.html", detail=None, rule="", name="")


@router.get("/segments/{name}", name="page_segment")
def segment(
    name: Annotated[str, Path(max_length=200)],
    saved: bool = False,
    v: Visit = visiting("get_segment"),
) -> HTMLResponse:
    """A rule segment's editor: its rule, live preview, and version history."""
    detail = v.workspace.segment(name, lang=v.lang)
    return v.page("segment.html", detail=detail, rule=detail.segment.rule, saved=saved)


@router.post("/segments/preview", name="page_preview")
async def preview(v: Visit = visiting("preview_segment")) -> HTMLResponse:
    """The count, revenue share, sentence or error of the rule typed so far (an htmx partial)."""
    fields = await form(v.request)
    rule, editing = fields.get("rule", ""), fields.get("segment") or None
    if not rule.strip():
        return v.page("_preview.html", preview=None, error=None, rule=rule)
    try:
        found = await run_in_threadpool(v.workspace.rule_test, rule, lang=v.lang, segment=editing)
    except RuleError as error:
        return v.page("_preview.html", preview=None, error=error, rule=rule)
    return v.page("_preview.html", preview=found, error=None, rule=rule)


@router.post("/segments", name="page_add_segment")
async def add_segment(v: Visit = visiting("add_segment", writes=True)) -> Response:
    """Save a new rule segment; back to the editor with the reason when it cannot be."""
    fields = await form(v.request)
    name, rule = fields.get("name", "").strip(), fields.get("rule", "")
    try:
        await run_in_threadpool(
            v.workspace.add_segment, name, rule,
            description=fields.get("description") or None, actor=_actor(v),
        )  # fmt: skip
    except SegmintError as error:
        failed = error.render(v.lang)[0]
        return v.page("segment.html", detail=None, rule=rule, name=name, failed=failed)
    return RedirectResponse(f"/segments/{urllib.parse.quote(name)}?saved=1", status_code=303)


@router.post("/segments/{name}", name="page_edit_segment")
async def edit_segment(
    name: Annotated[str, Path(max_length=200)], v: Visit = visiting("edit_segment", writes=True)
) -> Response:
    """Save a new version of a rule segment."""
    fields = await form(v.request)
    rule = fields.get("rule", "")
    try:
        await run_in_threadpool(
            v.workspace.edit_segment, name, rule=rule,
            description=fields.get("description") or None, actor=_actor(v),
        )  # fmt: skip
    except SegmintError as error:
        detail = await run_in_threadpool(v.workspace.segment, name, lang=v.lang)
        return v.page("segment.html", detail=detail, rule=rule, failed=error.render(v.lang)[0])
    return RedirectResponse(f"/segments/{urllib.parse.quote(name)}?saved=1", status_code=303)


def _actor(v: Visit) -> str:
    """How the audit names a change made on the dashboard: the key, as the API does."""
    return f"web:{v.key.key_id}:{v.key.name}"


@router.get("/customers", name="page_customers")
def customers(
    q: Annotated[str | None, Query(max_length=200)] = None,
    v: Visit = visiting("list_customers"),
) -> HTMLResponse:
    """Find customers by id, phone, e-mail or name (a viewer: by id)."""
    found = []
    if q:
        found = v.workspace.find_customers(text=q, limit=50, contacts=v.sees_personal_data)
        if not v.sees_personal_data:
            found = [row.masked() for row in found]
    return v.page("customers.html", q=q or "", found=found)


@router.get("/customers/{customer_id}", name="page_customer")
def customer(
    customer_id: Annotated[str, Path(max_length=200)], v: Visit = visiting("get_customer")
) -> HTMLResponse:
    """The 360° profile: identity, scores, labels with why, timeline, alerts, history."""
    profile = v.workspace.customer(customer_id, lang=v.lang)
    months = v.workspace.monthly_orders(customer_id, as_of=profile.view_as_of or profile.as_of)
    return v.page(
        "customer.html",
        profile=profile if v.sees_personal_data else profile.masked(),
        names=segment_labels(v.workspace.settings, lang=v.lang),
        charts=[charts.monthly_orders(months, v.locale)],
    )


@router.get("/alerts", name="page_alerts")
def alerts(
    closed: bool = False,
    severity: Annotated[Severity, Query()] = "",
    reason: Annotated[Reason, Query()] = "",
    v: Visit = visiting("list_alerts"),
) -> HTMLResponse:
    """Open alerts (or all), of a severity or reason, most money at stake first, totalled."""
    severities, reasons = [severity] if severity else [], [reason] if reason else []
    shown = v.workspace.alerts(
        severities=severities, reasons=reasons, include_closed=closed,
        by_stake=True, limit=SHOWN_ALERTS,
    )  # fmt: skip
    totals = v.workspace.alert_totals(severities=severities, reasons=reasons, include_closed=closed)
    return v.page(
        "alerts.html",
        alerts=shown,
        totals=totals,
        closed=closed,
        severity=severity,
        reason=reason,
        severities=SEVERITIES,
        reasons=REASONS,
    )


@router.post("/alerts/{alert_id}/ack", name="page_ack")
def acknowledge(
    alert_id: int, v: Visit = visiting("acknowledge_alert", writes=True)
) -> RedirectResponse:
    """Acknowledge an alert, then back to the list."""
    v.workspace.acknowledge_alert(alert_id, actor=_actor(v))
    return RedirectResponse("/alerts", status_code=303)


@router.get("/campaigns", name="page_campaigns")
def campaigns(v: Visit = visiting("list_campaigns")) -> HTMLResponse:
    """Campaigns with their hold-outs, and each one's uplift report."""
    reports = [v.workspace.campaign_report(c.name) for c in v.workspace.campaigns()]
    return v.page(
        "campaigns.html",
        reports=reports,
        verdict=lambda u, variant: verdicts.verdict(u, variant=variant, locale=v.locale),
        amount=lambda metric, value, signed=False: verdicts.amount(
            metric, value, v.locale, signed=signed
        ),
        interval=lambda u: verdicts.interval(u, v.locale),
    )


@router.get("/data", name="page_data")
def data(v: Visit = visiting("list_imports")) -> HTMLResponse:
    """Imports with what they took in and set aside, and the runs."""
    return v.page("data.html", imports=v.workspace.imports(), runs=v.workspace.runs())


@router.get("/data/{import_id}/quarantine.csv", name="page_quarantine")
def quarantine(
    import_id: Annotated[str, Path(max_length=200)], v: Visit = visiting("quarantined_rows")
) -> Response:
    """The rows an import set aside, as CSV (UTF-8 with BOM, so Excel reads Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "field", "code", "message", "raw"])
    for row in v.workspace.quarantined(import_id):
        writer.writerow([row.row, row.field or "", row.code, row.message, row.raw or ""])
    name = f"quarantine-{import_id}.csv"
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
