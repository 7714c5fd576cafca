"""What changed since the run before, in the few sentences a manager reads first.

Pure: typed views in, sentences out, each from the catalogue (`report.*`) with its figures
formatted for the reader, so the summary and the report's tables say the same numbers.
"""

from __future__ import annotations

from decimal import Decimal

from segmint.core import formats
from segmint.core.formats import Locale
from segmint.segments.insights import FamilyView, Kpis, Overview
from segmint.segments.results import AlertTotals

# Stages whose new arrivals are news: buying stopped, or came back.
WATCHED_STAGES = ("at_risk", "churned", "won_back")


def changes(
    overview: Overview,
    tiers: FamilyView,
    lifecycle: FamilyView,
    drops: AlertTotals,
    *,
    top: str,
    locale: Locale,
) -> list[str]:
    """The summary of `overview`'s run against the run before it.

    `tiers` and `lifecycle` carry the flows from the run before; `drops` counts the
    run's alerts of valued customers buying below expectation (high: in the top tier);
    `top` is the highest tier's key.
    """
    before = overview.previous
    if before is None:
        return [locale.text("report.first_run", day=formats.long_day(overview.kpis.as_of, locale))]
    return [
        _customers(overview.kpis, before, locale),
        *_tier_moves(tiers, top, locale),
        _below_expectation(drops, top, tiers, locale),
        *_stage_moves(lifecycle, locale),
    ]


def _customers(now: Kpis, before: Kpis, locale: Locale) -> str:
    revenue = (
        None
        if not before.revenue_365d
        else float(now.revenue_365d / before.revenue_365d - Decimal(1))
    )
    return locale.text(
        "report.customers",
        day=formats.long_day(before.as_of, locale),
        customers=formats.count(now.customers),
        customers_change=_signed(now.customers - before.customers),
        value=formats.count(now.value_customers),
        value_change=_signed(now.value_customers - before.value_customers),
        revenue=formats.money_short(now.revenue_365d, locale),
        revenue_change="—" if revenue is None else f"{100 * revenue:+.1f} %",
    )


def _tier_moves(tiers: FamilyView, top: str, locale: Locale) -> list[str]:
    """Who moved up into the top tier and who left it, with their 12-month revenue."""
    label = _label(tiers, top)
    came = [f for f in tiers.flows if f.after == top and f.before != top]
    left = [f for f in tiers.flows if f.before == top and f.after != top]
    said = []
    for key, flows in (("report.tier_up", came), ("report.tier_down", left)):
        customers = sum(f.customers for f in flows)
        if customers:
            revenue = sum((f.revenue_365d for f in flows), Decimal(0))
            money = formats.money_short(revenue, locale)
            said.append(
                locale.text(key, customers=formats.count(customers), tier=label, revenue=money)
            )
    return said or [locale.text("report.tier_same", tier=label)]


def _below_expectation(drops: AlertTotals, top: str, tiers: FamilyView, locale: Locale) -> str:
    """How many valued customers buy below their own expectation, and the money at stake."""
    if not drops.alerts:
        return locale.text("report.none_below")
    return locale.text(
        "report.below",
        customers=formats.count(drops.alerts),
        top=formats.count(drops.high),
        tier=_label(tiers, top),
        money=formats.money_short(drops.at_stake, locale),
    )


def _stage_moves(lifecycle: FamilyView, locale: Locale) -> list[str]:
    """Customers newly at risk, churned or won back since the run before."""
    moved = {
        stage: sum(f.customers for f in lifecycle.flows if f.after == stage and f.before != stage)
        for stage in WATCHED_STAGES
    }
    if not any(moved.values()):
        return []
    return [locale.text("report.stages", **{k: formats.count(v) for k, v in moved.items()})]


def _label(view: FamilyView, key: str) -> str:
    return next((g.label for g in view.groups if g.key == key), key)


def _signed(change: int) -> str:
    return f"{change:+,}" if change else "±0"
