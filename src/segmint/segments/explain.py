"""Why a customer has each label: the rule, the thresholds and her own values, in words.

Pure: a snapshot row and the run's recorded facts (cut points, means, settings) in,
one sentence per label out, in English or Chinese.
"""

from __future__ import annotations

import json
from typing import Any

_TEXT = {
    "en": {
        "prospect": "no counted order up to {as_of}",
        "silent": "no order for {recency} days; usual gap {gap} days; P(alive) {p}",
        "churned": "churned: silent > {gaps} usual gaps and >= {days} days, or P(alive) < {p}",
        "at_risk": "at risk: silent > {gaps} usual gaps and >= {days} days, or P(alive) < {p}",
        "won_back": "churned in the previous run and buying again",
        "new": "first order {tenure} days ago (new within {days} days)",
        "active": "buying within her usual rhythm",
        "tier_thresholds": "365-day spend {spend}; tier cut-offs {cuts} (highest first)",
        "tier_other": "365-day spend {spend}; tiers by {method} {shares} %",
        "tier_span": "tier {tier} spans {low:,.2f} to {high:,.2f} ({n:,} customers)",
        "rfm": "recency {r} days -> r {rs}, frequency {f} -> f {fs}, monetary {m} -> m {ms}; "
        "cut points r {rc}, f {fc}, m {mc}",
        "rfm8": "recency {r} vs mean {rm:.1f}, frequency {f} vs {fm:.2f}, monetary {m} vs {mm:.2f}",
        "rfm11": "cell r {r}, fm = (f {f} + m {m}) // 2 = {fm} in the naming table",
        "value": "score {score:.3f} (top {top} % are value customers); strongest parts: {parts}",
        "unscored": "no counted order: not scored",
    },
    "zh-CN": {
        "prospect": "截至 {as_of} 没有有效订单",
        "silent": "已 {recency} 天未下单；通常间隔 {gap} 天；存活概率 {p}",
        "churned": "已流失：沉默超过 {gaps} 个通常间隔且不少于 {days} 天，或存活概率低于 {p}",
        "at_risk": "流失预警：沉默超过 {gaps} 个通常间隔且不少于 {days} 天，或存活概率低于 {p}",
        "won_back": "上次计算时已流失，现在重新购买",
        "new": "首单在 {tenure} 天前（{days} 天内为新客户）",
        "active": "按自己的节奏持续购买",
        "tier_thresholds": "近 365 天消费 {spend}；等级分界 {cuts}（从高到低）",
        "tier_other": "近 365 天消费 {spend}；按 {method} {shares} % 分级",
        "tier_span": "{tier} 级消费从 {low:,.2f} 到 {high:,.2f}（{n:,} 位客户）",
        "rfm": "近度 {r} 天 -> R {rs}，频度 {f} -> F {fs}，额度 {m} -> M {ms}；"
        "分界点 R {rc}，F {fc}，M {mc}",
        "rfm8": "近度 {r}（均值 {rm:.1f}），频度 {f}（均值 {fm:.2f}），额度 {m}（均值 {mm:.2f}）",
        "rfm11": "得分格 R {r}，FM = (F {f} + M {m}) // 2 = {fm}，按命名表",
        "value": "得分 {score:.3f}（前 {top}% 为价值客户）；主要贡献：{parts}",
        "unscored": "没有有效订单，不参与评分",
    },
}


def explain(row: dict[str, Any], facts: dict[str, Any], *, lang: str) -> dict[str, str]:
    """One sentence per label family of `row`, from the run's `facts` (its details)."""
    text = _TEXT["zh-CN" if lang == "zh-CN" else "en"]
    settings = facts.get("settings", {})
    why = {"tier": _tier(row, settings.get("tiers", {}), facts.get("tiers", []), text)}
    why["stage"] = _stage(row, settings.get("lifecycle", {}), text, as_of=facts.get("as_of"))
    if row.get("frequency", 0) > 0:
        rfm = facts.get("rfm", {})
        cuts, means = rfm.get("cuts", {}), rfm.get("means", {})
        why["rfm"] = text["rfm"].format(
            r=row["recency_days"],
            f=row["frequency"],
            m=row["monetary"],
            rs=row["r_score"],
            fs=row["f_score"],
            ms=row["m_score"],
            rc=cuts.get("recency_days"),
            fc=cuts.get("frequency"),
            mc=cuts.get("monetary"),
        )
        why["rfm8"] = text["rfm8"].format(
            r=row["recency_days"],
            f=row["frequency"],
            m=row["monetary"],
            rm=means.get("recency_days", 0.0),
            fm=means.get("frequency", 0.0),
            mm=means.get("monetary", 0.0),
        )
        r, f, m = row["r_score"], row["f_score"], row["m_score"]
        why["rfm11"] = text["rfm11"].format(r=r, f=f, m=m, fm=(f + m) // 2)
        why["value_customer"] = _value(row, settings.get("value", {}), text)
    else:
        why["value_customer"] = text["unscored"]
    return why


def _tier(
    row: dict[str, Any], tiers: dict[str, Any], spans: list[dict[str, Any]], text: dict[str, str]
) -> str:
    spend = row.get("revenue_365d")
    if tiers.get("method", "thresholds") == "thresholds":
        rule = text["tier_thresholds"].format(spend=spend, cuts=tiers.get("thresholds"))
    else:
        shares = (
            tiers.get("percent") if tiers.get("method") == "rank" else tiers.get("pareto_percent")
        )
        rule = text["tier_other"].format(spend=spend, method=tiers.get("method"), shares=shares)
    span = next((s for s in spans if s["tier"] == row.get("tier")), None)
    if span is None or span["min_spend"] is None:
        return rule
    extent = text["tier_span"].format(
        tier=span["tier"], low=span["min_spend"], high=span["max_spend"], n=span["customers"]
    )
    return f"{rule}; {extent}"


def _stage(row: dict[str, Any], rules: dict[str, Any], text: dict[str, str], *, as_of: Any) -> str:
    stage = row.get("stage")
    if stage == "prospect":
        return text["prospect"].format(as_of=as_of)
    p = row.get("p_alive")
    silent = text["silent"].format(
        recency=row.get("recency_days"),
        gap=_round(row.get("avg_days_between_orders")),
        p=_round(p, 3),
    )
    if stage in ("churned", "at_risk"):
        rule = text[stage].format(
            gaps=rules.get(f"{stage}_gaps"),
            days=rules.get(f"{stage}_min_days"),
            p=rules.get(f"{stage}_p_alive"),
        )
        return f"{rule}; {silent}"
    if stage == "new":
        return text["new"].format(tenure=row.get("tenure_days"), days=rules.get("new_days"))
    return f"{text[str(stage)]}; {silent}"


def _value(row: dict[str, Any], value: dict[str, Any], text: dict[str, str]) -> str:
    parts = json.loads(row.get("value_parts") or "{}")
    strongest = sorted(parts.items(), key=lambda kv: -kv[1])[:3]
    shown = ", ".join(f"{k} {v:.2f}" for k, v in strongest)
    return text["value"].format(
        score=row.get("value_score") or 0.0, top=value.get("top_percent"), parts=shown
    )


def _round(value: Any, digits: int = 1) -> Any:
    return "-" if value is None or value != value else round(float(value), digits)
