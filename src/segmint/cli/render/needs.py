"""`segmint needs` in a terminal: clusters in words, loyalty levels, service needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.markup import escape

from segmint.cli.render._console import _labels, _out, _table
from segmint.core import formats
from segmint.core.formats import Locale

if TYPE_CHECKING:
    from segmint.segments.insights import Group
    from segmint.segments.needs_view import NeedsView


def needs(data: NeedsView, *, locale: Locale) -> None:
    """The needs and profiles of a run, a table each."""
    console = _out()
    console.print(escape(locale.text("cli.needs_of", run_id=data.run_id, as_of=data.as_of)))
    described = {p.cluster: p.description for p in data.profiles}
    sizes = {g.key: g for g in data.clusters.groups}
    rows = [
        (p.label, *_figures(sizes.get(str(p.cluster)), locale), described[p.cluster])
        for p in data.profiles
    ]
    headers = _labels(locale, "cluster", "customers", "share", "revenue_share", "avg_clv_12m")
    console.print(_table(locale.text("cli.clusters"), (*headers, locale.label("profile")), rows))
    if data.silhouettes:
        scores = ", ".join(f"k={s.k}: {s.score:.3f}" for s in data.silhouettes)
        console.print(escape(locale.text("cli.clusters_chosen", scores=scores)))
    for title, groups in (
        ("cli.loyalty_levels", data.loyalty.groups),
        ("cli.service_needs", data.service),
    ):
        shown = [(g.label, *_figures(g, locale)) for g in groups]
        console.print(_table(locale.text(title), (locale.label("segment"), *headers[1:]), shown))
    nexts = [(n.tier, n.category, n.customers) for n in data.next_by_tier]
    headers = _labels(locale, "tier", "next_category", "customers")
    console.print(_table(locale.text("cli.next_by_tier"), headers, nexts))


def _figures(group: Group | None, locale: Locale) -> Sequence[object]:
    if group is None:  # a cluster whose customers an update has since moved
        return ("",) * 4
    return (
        group.customers,
        formats.percent(group.share),
        formats.percent(group.revenue_share),
        formats.money(group.avg_clv_12m, locale),
    )
