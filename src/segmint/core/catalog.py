"""The feature catalog: every per-customer feature a run computes, declared once as data.

Each feature has a name (the column name in snapshots and exports, and the name rule
text may use), a type and a unit; its meaning in English and Chinese is the text
catalogue's `feature.<name>` (segmint/core/text/features.toml). `segmint.features`
builds one engine-neutral expression per entry; `docs/features.md` is generated from
this table (a test keeps it current).

Definitions shared by all entries: ``as_of`` is a date and everything on or before it
counts; a window "Nd" covers the N days ending on as_of inclusive; pending (unpaid) and
cancelled orders do not count, a refunded one neither, and a partial refund reduces the
order's revenue; a customer without a counted order is a prospect.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from segmint.core import i18n


class FeatureType(StrEnum):
    """The type of a feature's values."""

    INT = "int"
    FLOAT = "float"
    MONEY = "money"  # exact decimal in the workspace currency
    DATE = "date"
    TEXT = "text"
    BOOL = "bool"


# Units of things counted: such a feature is 0, not empty, when there is nothing to count.
COUNT_UNITS = frozenset({"orders", "events", "tickets", "products", "categories", "days in a row"})


@dataclass(frozen=True)
class Feature:
    """One per-customer feature."""

    name: str
    type: FeatureType
    unit: str

    def meaning(self, lang: str = i18n.DEFAULT_LANG) -> str:
        """What the feature means, in `lang`: the catalogue's `feature.<name>`."""
        return i18n.message(f"feature.{self.name}", lang)

    @property
    def is_count(self) -> bool:
        """A count: 0 when there is nothing to count (other features are then empty)."""
        return self.type is FeatureType.INT and self.unit in COUNT_UNITS


_F = Feature
_I, _R, _M, _D, _T = (
    FeatureType.INT,
    FeatureType.FLOAT,
    FeatureType.MONEY,
    FeatureType.DATE,
    FeatureType.TEXT,
)

NUMERIC = (FeatureType.INT, FeatureType.FLOAT, FeatureType.MONEY)

ORDER_WINDOWS = (7, 30, 90, 180, 365)
REVENUE_WINDOWS = (30, 90, 180, 365)

# The service needs a run flags, in the order a profile lists them (settings: [service]).
SERVICE_NEEDS = (
    "unresolved_ticket",
    "frequent_complainer",
    "low_satisfaction",
    "slow_resolution",
    "needs_onboarding",
)

FEATURES: tuple[Feature, ...] = (
    _F("recency_days", _I, "days"),
    _F("frequency", _I, "orders"),
    _F("monetary", _M, "currency"),
    *(_F(f"orders_{n}d", _I, "orders") for n in ORDER_WINDOWS),
    *(_F(f"revenue_{n}d", _M, "currency") for n in REVENUE_WINDOWS),
    _F("aov", _R, "currency"),
    _F("avg_days_between_orders", _R, "days"),
    _F("tenure_days", _I, "days"),
    _F("first_order_at", _D, "date"),
    _F("last_order_at", _D, "date"),
    _F("discount_share", _R, "share"),
    _F("discount_share_90d", _R, "share"),
    _F("refund_share", _R, "share"),
    _F("distinct_products", _I, "products"),
    _F("distinct_categories", _I, "categories"),
    _F("top_category", _T, "category"),
    _F("page_views_7d", _I, "events"),
    _F("page_views_30d", _I, "events"),
    _F("view_streak_days", _I, "days in a row"),
    _F("days_since_last_view", _I, "days"),
    _F("email_opens_30d", _I, "events"),
    _F("email_clicks_30d", _I, "events"),
    _F("calls_90d", _I, "events"),
    _F("interactions_30d", _I, "events"),
    _F("tickets_365d", _I, "tickets"),
    _F("complaints_365d", _I, "tickets"),
    _F("avg_satisfaction", _R, "1-5"),
    _F("open_tickets", _I, "tickets"),
    _F("avg_resolution_days", _R, "days"),
)

# What a run computes from the features: scores and labels, stored beside them.
SCORES: tuple[Feature, ...] = (
    *(_F(f"{d}_score", _I, "1-5") for d in ("r", "f", "m")),
    _F("rfm_cell", _T, "cell"),
    _F("rfm8", _T, "segment"),
    _F("rfm11", _T, "segment"),
    _F("tier", _T, "tier"),
    _F("stage", _T, "stage"),
    _F("value_score", _R, "0-1"),
    _F("value_customer", FeatureType.BOOL, "flag"),
    _F("value_parts", _T, "JSON"),
    _F("p_alive", _R, "probability"),
    _F("expected_orders_90d", _R, "purchases"),
    _F("clv_12m", _R, "currency"),
    _F("cluster", _I, "cluster"),
    _F("loyalty_points", _I, "points"),
    _F("loyalty_level", _T, "level"),
    *(_F(need, FeatureType.BOOL, "flag") for need in SERVICE_NEEDS),
    _F("next_category", _T, "category"),
    _F("recommended", _T, "products"),
)

FEATURES_BY_NAME: dict[str, Feature] = {f.name: f for f in FEATURES}
# Snapshot columns rules do not read: JSON and a list, not values a rule compares.
NOT_IN_RULES = frozenset({"value_parts", "recommended"})
SNAPSHOT_COLUMNS: tuple[Feature, ...] = FEATURES + SCORES


def markdown() -> str:
    """`docs/features.md`: the catalog as a table, English and Chinese."""
    lines = [
        "# Features · 客户特征",
        "",
        "Generated from `segmint.core.catalog` (`make docs`); a test keeps it current.",
        "",
        *(line.strip() for line in (__doc__ or "").split("\n\n")[2].splitlines()),
        "",
        "| name | type | unit | meaning | 含义 |",
        "|---|---|---|---|---|",
        *(
            f"| `{f.name}` | {f.type} | {f.unit} | {f.meaning('en')} | {f.meaning('zh-CN')} |"
            for f in FEATURES
        ),
        "",
        "## Scores and labels · 得分与标签",
        "",
        "Computed by a run from the features; snapshots and exports carry both.",
        "",
        "| name | type | unit | meaning | 含义 |",
        "|---|---|---|---|---|",
        *(
            f"| `{f.name}` | {f.type} | {f.unit} | {f.meaning('en')} | {f.meaning('zh-CN')} |"
            for f in SCORES
        ),
        "",
    ]
    return "\n".join(lines)
