"""Needs and profiles in words: what a cluster is, why a service need or a loyalty level.

A cluster is described by its distinguishing traits (`core.facts.Trait`, the features
furthest from everyone's mean), each a phrase of the catalogue's `trait.*`; a service
need and a loyalty level by the values that raised them against the run's settings.
"""

from __future__ import annotations

from typing import Any

from segmint.core import i18n
from segmint.core.catalog import SERVICE_NEEDS
from segmint.core.config_needs import LoyaltyLevel
from segmint.core.facts import Cluster, RunFacts, RunSettings, Trait
from segmint.core.formats import Locale, count, decimal, money, money_short

SHARES = ("category_share", "channel_share", "gender")  # traits that are a share of 0-1
MONEY = frozenset({"monetary", "aov"})
PERCENT = frozenset({"discount_share"})


def trait_phrase(trait: Trait, locale: Locale) -> str:
    """One trait as a phrase: "72 % of spend in 母婴", "buys on discount (79 % of orders)"."""
    kind, _, value = trait.feature.partition(":")
    side = "high" if trait.z > 0 else "low"
    if kind in SHARES:
        name = locale.name("gender", value) if kind == "gender" else value
        return locale.text(f"trait.{kind}.{side}", name=name, value=round(100 * trait.mean))
    if kind in MONEY:
        shown = money_short(trait.mean, locale)
    elif kind in PERCENT:
        shown = str(round(100 * trait.mean))
    else:
        shown = decimal(trait.mean, digits=1 if abs(trait.mean) < 100 else 0)
    return locale.text(f"trait.{kind}.{side}", value=shown)


def describe(cluster: Cluster, locale: Locale) -> str:
    """The cluster's traits as one line: "90 % via 天猫, 73 % of spend in 美妆"."""
    if not cluster.traits:
        return locale.text("cluster.typical")
    return locale.text("cluster.separator").join(trait_phrase(t, locale) for t in cluster.traits)


def service_reasons(row: dict[str, Any], settings: RunSettings, locale: Locale) -> dict[str, str]:
    """Each service need the customer has, with the values that raised it."""
    limits = settings.service
    fills: dict[str, dict[str, object]] = {
        "unresolved_ticket": {"tickets": row.get("open_tickets")},
        "frequent_complainer": {
            "complaints": row.get("complaints_365d"),
            "at_least": limits.complaints,
        },
        "low_satisfaction": {
            "rating": decimal(row.get("avg_satisfaction"), digits=1),
            "at_most": decimal(limits.satisfaction, digits=1),
        },
        "slow_resolution": {
            "days": decimal(row.get("avg_resolution_days"), digits=1),
            "above": decimal(limits.resolution_days, digits=1),
        },
        "needs_onboarding": {
            "days": row.get("tenure_days"),
            "tickets": row.get("tickets_365d"),
            "calls": row.get("calls_90d"),
        },
    }
    return {
        need: locale.text(f"why.service.{need}", **fills[need])
        for need in SERVICE_NEEDS
        if row.get(need)
    }


def loyalty_reason(row: dict[str, Any], settings: RunSettings, locale: Locale) -> str:
    """Her points (or spend) against the level reached and the next one."""
    config = settings.loyalty
    levels = list(config.levels)
    at = next((i for i, level in enumerate(levels) if level.key == row.get("loyalty_level")), 0)
    by_points = config.level_by == "points"
    held = count(int(row.get("loyalty_points") or 0))
    fill = {
        "points": held,
        "level": _name(levels[at], locale),
        "from": _amount(levels[at].min, by_points, locale),
    }
    if at + 1 < len(levels):
        upper = levels[at + 1]
        fill |= {"next": _name(upper, locale), "next_from": _amount(upper.min, by_points, locale)}
        return locale.text(f"why.loyalty.{config.level_by}_next", **fill)
    return locale.text(f"why.loyalty.{config.level_by}_top", **fill)


def _name(level: LoyaltyLevel, locale: Locale) -> str:
    return level.zh if locale.lang == "zh-CN" else level.en


def _amount(value: float, points: bool, locale: Locale) -> str:
    return count(int(value)) if points else money(value, locale)


def need_names(row: dict[str, Any], locale: Locale) -> str:
    """The service needs she has, named and joined; empty when none."""
    names = [i18n.message(f"service.{n}", locale.lang) for n in SERVICE_NEEDS if row.get(n)]
    return locale.text("cluster.separator").join(names)


def why(row: dict[str, Any], facts: RunFacts, locale: Locale) -> dict[str, str]:
    """The reasons of her cluster, loyalty level and service needs, by family."""
    found: dict[str, str] = {}
    settings = facts.settings
    mine = (
        next((c for c in facts.profiles.clusters if c.cluster == row.get("cluster")), None)
        if facts.profiles
        else None
    )
    if mine is not None:
        found["cluster"] = describe(mine, locale)
    if row.get("loyalty_level") is not None:
        found["loyalty_level"] = loyalty_reason(row, settings, locale)
    reasons = service_reasons(row, settings, locale)
    if reasons:
        found["service"] = "; ".join(reasons.values())
    return found
