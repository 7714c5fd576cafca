"""Why a customer has each label: the rule, the thresholds and her own values, in words.

Pure: a snapshot row and the run's recorded facts (cut points, means, settings) in,
one sentence per label out, in English or Chinese.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from segmint.core import i18n
from segmint.core.config import LifecycleSettings, TierSettings, ValueSettings
from segmint.core.facts import RfmFacts, RunFacts, TierSpan


class _Say:
    """The sentences of `explain.*` in one language, and how numbers read in them."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __call__(self, key: str, /, **params: object) -> str:
        return i18n.message(f"explain.{key}", self.lang, **params)

    def join(self, *parts: str) -> str:
        """Parts of one reason, with the language's own separator ("; " or "；")."""
        return i18n.message("reason.separator", self.lang).join(parts)


def explain(row: dict[str, Any], facts: RunFacts, *, as_of: dt.date, lang: str) -> dict[str, str]:
    """One sentence per label family of `row`, from the run's `facts`."""
    say = _Say(lang)
    settings = facts.settings
    why = {"tier": _tier(row, settings.tiers, facts.tiers, say)}
    why["stage"] = _stage(row, settings.lifecycle, say, as_of=as_of)
    if row.get("frequency", 0) > 0 and facts.rfm is not None:
        why |= _rfm(row, facts.rfm, say)
        why["value_customer"] = _value(row, settings.value, say)
    else:
        why["value_customer"] = say("unscored")
    return why


def _rfm(row: dict[str, Any], rfm: RfmFacts, say: _Say) -> dict[str, str]:
    r, f, m = row["recency_days"], row["frequency"], _number(row["monetary"])
    rs, fs, ms = row["r_score"], row["f_score"], row["m_score"]
    return {
        "rfm": say(
            "rfm",
            r=r,
            f=f,
            m=m,
            rs=rs,
            fs=fs,
            ms=ms,
            rc=_numbers(rfm.recency_cuts),
            fc=_numbers(rfm.frequency_cuts),
            mc=_numbers(rfm.monetary_cuts),
        ),
        "rfm8": say(
            "rfm8",
            r=r,
            f=f,
            m=m,
            rm=_number(rfm.mean_recency_days, digits=1),
            fm=_number(rfm.mean_frequency),
            mm=_number(rfm.mean_monetary),
        ),
        "rfm11": say("rfm11", r=rs, f=fs, m=ms, fm=(fs + ms) // 2),
    }


def _tier(row: dict[str, Any], tiers: TierSettings, spans: Sequence[TierSpan], say: _Say) -> str:
    spend = _number(row.get("revenue_365d"))
    method = tiers.method
    if method == "thresholds":
        rule = say("tier_thresholds", spend=spend, cuts=_numbers(tiers.thresholds))
    else:
        shares = tiers.percent if method == "rank" else tiers.pareto_percent
        rule = say(
            "tier_other", spend=spend, method=say(f"method.{method}"), shares=_numbers(shares)
        )
    span = next((s for s in spans if s.tier == row.get("tier")), None)
    if span is None or span.min_spend is None:
        return rule
    extent = say(
        "tier_span",
        tier=span.tier,
        low=_number(span.min_spend),
        high=_number(span.max_spend),
        n=f"{span.customers:,}",
    )
    return say.join(rule, extent)


def _stage(row: dict[str, Any], rules: LifecycleSettings, say: _Say, *, as_of: Any) -> str:
    stage = row.get("stage")
    if stage == "prospect":
        return say("prospect", as_of=as_of)
    silent = say(
        "silent",
        recency=row.get("recency_days"),
        gap=_number(row.get("avg_days_between_orders"), digits=1),
        p=_number(row.get("p_alive"), digits=3),
    )
    if stage in ("churned", "at_risk"):
        rule = say(
            str(stage),
            gaps=getattr(rules, f"{stage}_gaps"),
            days=getattr(rules, f"{stage}_min_days"),
            p=getattr(rules, f"{stage}_p_alive"),
        )
        return say.join(rule, silent)
    if stage == "new":
        return say("new", tenure=row.get("tenure_days"), days=rules.new_days)
    return say.join(say(str(stage)), silent)


def _value(row: dict[str, Any], value: ValueSettings, say: _Say) -> str:
    parts = json.loads(row.get("value_parts") or "{}")
    strongest = sorted(parts.items(), key=lambda kv: -kv[1])[:3]
    shown = say("list_separator").join(f"{_field(k, say.lang)} {_number(v)}" for k, v in strongest)
    return say(
        "value",
        score=_number(row.get("value_score") or 0.0),
        top=value.top_percent,
        parts=shown,
    )


def _field(name: str, lang: str) -> str:
    """A feature's name as the reader knows it (its catalogue label, else the name)."""
    key = f"label.field.{name}"
    return i18n.message(key, lang) if key in i18n.catalogue() else name


def _number(value: Any, *, digits: int = 2) -> str:
    """A number for reading: grouped, rounded; "-" when there is none."""
    if value is None or value != value:
        return "-"
    return f"{float(value):,.{digits}f}"


def _numbers(values: Sequence[Any] | None) -> str:
    """Cut points or shares as '80 / 15' (no Python list brackets, no trailing .0)."""
    if not values:
        return "-"
    return " / ".join(f"{float(v):,.2f}".rstrip("0").rstrip(".") for v in values)
