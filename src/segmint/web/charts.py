"""Typed results -> Plotly figure dicts (pure: no I/O, no plotly import).

Each figure comes with the table of its numbers (`Chart.rows`), shown beside it as its
text alternative, so a screen reader and a printed page get the same figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from segmint.core import formats
from segmint.core.formats import Locale
from segmint.segments.insights import ClvView, FamilyView, Overview, RfmView
from segmint.segments.needs_view import NeedsView
from segmint.segments.results import MonthlyOrders

PALETTE = ("#2457a5", "#3f8f6b", "#d08c2c", "#b5483f", "#7a5aa6", "#5a8fa6", "#8a8a8a")
COUNT_COLOURS = {"colorscale": "Blues", "reversescale": True}  # many dark, few light
ALIVE_COLOURS = [[0, "#b5483f"], [0.5, "#f2d27a"], [1, "#3f8f6b"]]  # dead red, alive green
LAYOUT = {
    "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
    "font": {"family": "system-ui, 'WenQuanYi Micro Hei', sans-serif", "size": 13},
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "height": 320,
}


@dataclass(frozen=True, slots=True)
class Chart:
    """A figure, its title, and its numbers as a table (headings, then rows of text)."""

    key: str
    title: str
    figure: dict[str, Any]
    headings: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...] = field(default=())


def _layout(**extra: Any) -> dict[str, Any]:
    """LAYOUT with `extra`; every axis makes room for its labels (long Chinese names too)."""
    for axis in ("xaxis", "yaxis"):
        extra[axis] = {"automargin": True} | extra.get(axis, {})
    return LAYOUT | extra


def pareto(view: Overview, locale: Locale) -> Chart:
    """The 80/20 curve: share of revenue by share of customers, best first."""
    curve = view.pareto_curve
    xs = [i / (len(curve) - 1) for i in range(len(curve))] if len(curve) > 1 else []
    figure = {
        "data": [{"type": "scatter", "mode": "lines", "x": xs, "y": curve, "fill": "tozeroy",
                  "line": {"color": PALETTE[0]}}],
        "layout": _layout(
            xaxis={"title": {"text": locale.text("web.customers_share")}, "tickformat": ".0%"},
            yaxis={"title": {"text": locale.text("web.revenue_share")}, "tickformat": ".0%"},
        ),
    }  # fmt: skip
    marks = [i for i in range(len(curve)) if xs and round(xs[i] * 100) in (1, 5, 10, 20, 50)]
    rows = tuple((formats.percent(xs[i]), formats.percent(curve[i])) for i in marks)
    headings = (locale.text("web.customers_share"), locale.text("web.revenue_share"))
    return Chart("pareto", locale.text("web.chart_pareto"), figure, headings, rows)


def trend(view: Overview, locale: Locale) -> Chart:
    """Customers, active and value customers per run."""
    days = [k.as_of.isoformat() for k in view.trend]
    series = (
        ("customers", [k.customers for k in view.trend]),
        ("active", [k.active for k in view.trend]),
        ("value_customers", [k.value_customers for k in view.trend]),
    )
    figure = {
        "data": [
            {"type": "scatter", "mode": "lines+markers", "name": locale.text(f"web.kpi_{name}"),
             "x": days, "y": values, "line": {"color": PALETTE[i]}}
            for i, (name, values) in enumerate(series)
        ],
        "layout": _layout(legend={"orientation": "h"}, xaxis={"type": "category"}),
    }  # fmt: skip
    headings = (locale.text("web.as_of"), *(locale.text(f"web.kpi_{n}") for n, _ in series))
    rows = tuple(
        (formats.long_day(k.as_of, locale), *(formats.count(v[i]) for _, v in series))
        for i, k in enumerate(view.trend)
    )
    return Chart("trend", locale.text("web.chart_trend"), figure, headings, rows)


def sizes(view: FamilyView, locale: Locale, *, key: str, kind: str = "bar") -> Chart:
    """Customers and revenue share per segment of a family (bars, a funnel or a treemap)."""
    labels = [g.label for g in view.groups]
    customers = [g.customers for g in view.groups]
    trace: dict[str, Any]
    if kind == "funnel":
        trace = {"type": "funnel", "y": labels, "x": customers, "marker": {"color": PALETTE[0]}}
    elif kind == "treemap":
        trace = {"type": "treemap", "labels": labels, "parents": [""] * len(labels),
                 "values": customers, "textinfo": "label+value+percent root"}  # fmt: skip
    else:
        trace = {"type": "bar", "x": labels, "y": customers, "marker": {"color": PALETTE[0]}}
    headings = tuple(
        locale.text(k) for k in ("web.segment", "web.customers", "web.share", "web.revenue_share")
    )
    rows = tuple(
        (g.label, formats.count(g.customers), formats.percent(g.share),
         formats.percent(g.revenue_share))
        for g in view.groups
    )  # fmt: skip
    title = locale.text(f"web.chart_{key}")
    return Chart(key, title, {"data": [trace], "layout": _layout()}, headings, rows)


def flows(view: FamilyView, locale: Locale, *, key: str) -> Chart:
    """Who moved from which segment to which since the run before: a Sankey diagram."""
    none = locale.text("web.absent")
    before = list(dict.fromkeys(f.before_label or none for f in view.flows))
    after = list(dict.fromkeys(f.after_label or none for f in view.flows))
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(before))]
    figure = {
        "data": [{
            "type": "sankey",
            # the runs' columns hold the same names: nodes are told apart by index, not name
            "node": {"label": before + after, "pad": 12,
                     "color": colours + [PALETTE[6]] * len(after)},
            "link": {
                "source": [before.index(f.before_label or none) for f in view.flows],
                "target": [len(before) + after.index(f.after_label or none) for f in view.flows],
                "value": [f.customers for f in view.flows],
                # links take their source's colour, see-through: Plotly's default is white
                "color": [_faint(colours[before.index(f.before_label or none)])
                          for f in view.flows],
            },
        }],
        "layout": _layout(),
    }  # fmt: skip
    headings = (locale.text("web.before"), locale.text("web.after"), locale.text("web.customers"))
    rows = tuple(
        (f.before_label or none, f.after_label or none, formats.count(f.customers))
        for f in view.flows
    )
    return Chart(key, locale.text(f"web.chart_{key}"), figure, headings, rows)


def _faint(colour: str) -> str:
    """`#rrggbb` at 35 % opacity."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},0.35)"


def matrix(view: FamilyView, locale: Locale, *, key: str) -> Chart:
    """The transition matrix of a family between two runs, as a heatmap of customers."""
    none = locale.text("web.absent")
    befores = list(dict.fromkeys(f.before_label or none for f in view.flows))
    afters = list(dict.fromkeys(f.after_label or none for f in view.flows))
    z = [[0] * len(afters) for _ in befores]
    for f in view.flows:
        z[befores.index(f.before_label or none)][afters.index(f.after_label or none)] += f.customers
    figure = {
        "data": [{"type": "heatmap", "x": afters, "y": befores, "z": z, **COUNT_COLOURS,
                  "texttemplate": "%{z}"}],
        "layout": _layout(xaxis={"title": {"text": locale.text("web.after")}, "type": "category"},
                          yaxis={"title": {"text": locale.text("web.before")},
                                 "autorange": "reversed", "type": "category"}),
    }  # fmt: skip
    headings = (locale.text("web.before"), *afters)
    rows = tuple((b, *(formats.count(v) for v in z[i])) for i, b in enumerate(befores))
    return Chart(key, locale.text(f"web.chart_{key}"), figure, headings, rows)


def rfm_heatmap(view: RfmView, locale: Locale) -> Chart:
    """Customers per R score × F score, with each cell's average monetary value."""
    rs = sorted({c.r for c in view.grid}, reverse=True)
    fs = sorted({c.f for c in view.grid})
    cells = {(c.r, c.f): c for c in view.grid}
    z = [[cells[(r, f)].customers if (r, f) in cells else 0 for f in fs] for r in rs]
    money = [
        [formats.money(cells[(r, f)].avg_monetary, locale) if (r, f) in cells else "" for f in fs]
        for r in rs
    ]
    figure = {
        "data": [{"type": "heatmap", "x": [f"F{f}" for f in fs], "y": [f"R{r}" for r in rs],
                  "z": z, "customdata": money, **COUNT_COLOURS, "texttemplate": "%{z}",
                  "hovertemplate": "%{y} %{x}: %{z}<br>%{customdata}<extra></extra>"}],
        "layout": _layout(xaxis={"type": "category"},
                          yaxis={"type": "category", "autorange": "reversed"}),
    }  # fmt: skip
    headings = ("R \\ F", *(f"F{f}" for f in fs))
    rows = tuple(
        (f"R{r}", *(f"{formats.count(z[i][j])} · {money[i][j]}" for j in range(len(fs))))
        for i, r in enumerate(rs)
    )
    return Chart("rfm_grid", locale.text("web.chart_rfm_grid"), figure, headings, rows)


def clv_distribution(view: ClvView, locale: Locale) -> Chart:
    """Customers per band of 12-month CLV."""
    bands = view.distribution
    # the last band also holds the top 1 % (up to the largest value): it has no upper end
    labels = [
        f"{formats.money(b.low, locale)}–{formats.money(b.high, locale)}"
        if i < len(bands) - 1 else f"≥ {formats.money(b.low, locale)}"
        for i, b in enumerate(bands)
    ]  # fmt: skip
    ticks = [formats.money(round(b.low), locale)[:-3] for b in bands]  # no cents
    if ticks:
        ticks[-1] = f"≥{ticks[-1]}"
    figure = {
        "data": [{"type": "bar", "x": ticks, "y": [b.customers for b in bands],
                  "hovertext": labels, "marker": {"color": PALETTE[1]}}],
        "layout": _layout(xaxis={"tickangle": -40, "title": {"text": locale.text("web.clv_band")}},
                          yaxis={"title": {"text": locale.text("web.customers")}}),
    }  # fmt: skip
    headings = (locale.text("web.clv_band"), locale.text("web.customers"))
    rows = tuple(
        (label, formats.count(b.customers))
        for label, b in zip(labels, view.distribution, strict=True)
    )
    return Chart(
        "clv_distribution", locale.text("web.chart_clv_distribution"), figure, headings, rows
    )


def alive_heatmap(view: ClvView, locale: Locale) -> Chart:
    """Mean P(alive) by frequency band (rows) and recency band (columns)."""
    fs = list(dict.fromkeys(c.frequency for c in view.alive))
    rs = list(dict.fromkeys(c.recency for c in view.alive))
    cells = {(c.frequency, c.recency): c.p_alive for c in view.alive}
    z = [[cells.get((f, r)) for r in rs] for f in fs]
    figure = {
        "data": [{"type": "heatmap", "x": rs, "y": fs, "z": z, "zmin": 0, "zmax": 1,
                  "colorscale": ALIVE_COLOURS, "texttemplate": "%{z:.2f}"}],
        "layout": _layout(
            xaxis={"title": {"text": locale.text("web.recency_days")}, "type": "category"},
            yaxis={"title": {"text": locale.text("web.orders")}, "type": "category"},
        ),
    }  # fmt: skip
    headings = (f"{locale.text('web.orders')} \\ {locale.text('web.recency_days')}", *rs)
    rows = tuple((f, *("" if v is None else f"{v:.2f}" for v in z[i])) for i, f in enumerate(fs))
    return Chart("alive", locale.text("web.chart_alive"), figure, headings, rows)


TRACKING_ROWS = 12  # rows of the tracking chart's table: the curve's shape, not its 200 points


def tracking(view: ClvView, locale: Locale) -> Chart | None:
    """Cumulative repeat orders, actual and as the model expected, with the calibration end.

    The tracking plot of Fader, Hardie & Lee (2005): after the dotted line the model had
    not seen the orders (when it was fitted on the calibration period). None without a model.
    """
    found = view.facts.tracking
    if found is None or not found.days:
        return None
    days = [(found.start + dt.timedelta(days=d)).isoformat() for d in found.days]
    actual, expected = locale.text("web.actual"), locale.text("web.expected")
    end = found.calibration_end.isoformat()
    figure = {
        "data": [
            {"type": "scatter", "mode": "lines", "name": actual, "x": days, "y": found.actual,
             "line": {"color": PALETTE[0]}},
            {"type": "scatter", "mode": "lines", "name": expected, "x": days,
             "y": found.expected, "line": {"color": PALETTE[2], "dash": "dash"}},
        ],
        "layout": _layout(
            legend={"orientation": "h"},
            xaxis={"tickformat": "%Y-%m"},  # Plotly's own month names are English only
            yaxis={"title": {"text": locale.text("web.repeat_orders")}},
            shapes=[{"type": "line", "xref": "x", "yref": "paper", "x0": end, "x1": end,
                     "y0": 0, "y1": 1, "line": {"dash": "dot", "color": PALETTE[6]}}],
            annotations=[{"x": end, "y": 1, "xref": "x", "yref": "paper", "showarrow": False,
                          "text": locale.text(f"web.fitted_on_{found.fitted_on}"),
                          "xanchor": "right", "yanchor": "bottom"}],
        ),
    }  # fmt: skip
    step = max(1, len(days) // TRACKING_ROWS)
    end_day = (found.calibration_end - found.start).days
    marks = {*range(0, len(days), step), len(days) - 1}
    shown = sorted(marks | {i for i, d in enumerate(found.days) if d == end_day})
    rows = tuple(
        (formats.long_day(found.start + dt.timedelta(days=found.days[i]), locale),
         formats.count(found.actual[i]), formats.decimal(found.expected[i], digits=0))
        for i in shown
    )  # fmt: skip
    headings = (locale.text("web.as_of"), actual, expected)
    return Chart("tracking", locale.text("web.chart_tracking"), figure, headings, rows)


def monthly_orders(months: list[MonthlyOrders], locale: Locale) -> Chart:
    """A customer's revenue (bars) and counted orders per month."""
    labels = [m.month.strftime("%Y-%m") for m in months]
    figure = {
        "data": [
            {"type": "bar", "name": locale.text("web.month_revenue"), "x": labels,
             "y": [m.revenue for m in months], "marker": {"color": PALETTE[0]}},
            {"type": "scatter", "mode": "lines+markers", "name": locale.text("web.orders"),
             "x": labels, "y": [m.orders for m in months], "yaxis": "y2",
             "line": {"color": PALETTE[2]}},
        ],
        "layout": _layout(
            legend={"orientation": "h", "y": 1.15}, xaxis={"type": "category"},
            yaxis={"title": {"text": locale.text("web.month_revenue")}},
            yaxis2={"overlaying": "y", "side": "right", "rangemode": "tozero", "dtick": 1,
                    "title": {"text": locale.text("web.orders")}},
        ),
    }  # fmt: skip
    headings = (
        locale.text("web.month"),
        locale.text("web.orders"),
        locale.text("web.month_revenue"),
    )
    rows = tuple(
        (label, formats.count(m.orders), formats.money(m.revenue, locale))
        for label, m in zip(labels, months, strict=True)
        if m.orders or m.revenue
    )
    return Chart("monthly_orders", locale.text("web.chart_monthly_orders"), figure, headings, rows)


# The charts of each view, in the order its dashboard page and the report show them.


def of_overview(view: Overview, locale: Locale) -> list[Chart]:
    """The 80/20 curve and the trend across runs."""
    return [pareto(view, locale), trend(view, locale)]


def of_tiers(view: FamilyView, locale: Locale) -> list[Chart]:
    """Tier sizes; with an earlier run, the transition matrix and the flows."""
    shown = [sizes(view, locale, key="tiers")]
    if view.flows:
        shown += [matrix(view, locale, key="tier_matrix"), flows(view, locale, key="tier_flows")]
    return shown


def of_rfm(view: RfmView, locale: Locale) -> list[Chart]:
    """The R×F grid, rfm8 and rfm11 as treemaps, rfm8's transition matrix."""
    shown = [
        rfm_heatmap(view, locale),
        sizes(view.rfm8, locale, key="rfm8", kind="treemap"),
        sizes(view.rfm11, locale, key="rfm11", kind="treemap"),
    ]
    if view.rfm8.flows:
        shown.append(matrix(view.rfm8, locale, key="rfm8_matrix"))
    return shown


def of_lifecycle(view: FamilyView, locale: Locale) -> list[Chart]:
    """The stage funnel; with an earlier run, the flows between stages."""
    shown = [sizes(view, locale, key="stages", kind="funnel")]
    if view.flows:
        shown.append(flows(view, locale, key="stage_flows"))
    return shown


def of_needs(view: NeedsView, locale: Locale) -> list[Chart]:
    """Cluster sizes and, with an earlier run, the flows between clusters; loyalty levels."""
    shown = [sizes(view.clusters, locale, key="clusters")]
    if view.clusters.flows:
        shown.append(flows(view.clusters, locale, key="cluster_flows"))
    shown.append(sizes(view.loyalty, locale, key="loyalty", kind="funnel"))
    return shown


def of_clv(view: ClvView, locale: Locale) -> list[Chart]:
    """The CLV distribution, P(alive) by orders and recency, the model's tracking plot."""
    followed = tracking(view, locale)
    return [clv_distribution(view, locale), alive_heatmap(view, locale)] + (
        [followed] if followed else []
    )
