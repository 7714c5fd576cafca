"""The feature catalog: every per-customer feature a run computes, declared once as data.

Each feature has a name (the column name in snapshots and exports, and the name rule
text may use), a type, a unit and its meaning in English and Chinese. `segmint.features`
builds one engine-neutral expression per entry; `docs/features.md` is generated from
this table (a test keeps it current).

Definitions shared by all entries: ``as_of`` is a date and everything on or before it
counts; a window "Nd" covers the N days ending on as_of inclusive; cancelled orders do
not count and refunds reduce revenue; a customer without a counted order is a prospect.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


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
    en: str
    zh: str

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

FEATURES: tuple[Feature, ...] = (
    _F(
        "recency_days",
        _I,
        "days",
        "Days from the last counted order to as_of (0 on as_of).",
        "最近一次有效订单距统计日的天数（当天为 0）。",
    ),
    _F("frequency", _I, "orders", "Counted orders up to as_of.", "统计日及之前的有效订单数。"),
    _F(
        "monetary",
        _M,
        "currency",
        "Net revenue up to as_of (refunds subtracted).",
        "统计日及之前的净消费额（扣除退款）。",
    ),
    *(
        _F(
            f"orders_{n}d",
            _I,
            "orders",
            f"Counted orders in the {n} days ending on as_of.",
            f"截至统计日的 {n} 天内有效订单数。",
        )
        for n in ORDER_WINDOWS
    ),
    *(
        _F(
            f"revenue_{n}d",
            _M,
            "currency",
            f"Net revenue in the {n} days ending on as_of.",
            f"截至统计日的 {n} 天内净消费额。",
        )
        for n in REVENUE_WINDOWS
    ),
    _F(
        "aov",
        _R,
        "currency",
        "Average order value: monetary / frequency.",
        "客单价：净消费额 / 有效订单数。",
    ),
    _F(
        "avg_days_between_orders",
        _R,
        "days",
        "Average days between consecutive counted orders (empty with fewer than two).",
        "相邻有效订单的平均间隔天数（少于两单时为空）。",
    ),
    _F(
        "tenure_days",
        _I,
        "days",
        "Days from the first counted order to as_of.",
        "首次有效订单距统计日的天数。",
    ),
    _F("first_order_at", _D, "date", "Date of the first counted order.", "首次有效订单日期。"),
    _F("last_order_at", _D, "date", "Date of the last counted order.", "最近一次有效订单日期。"),
    _F(
        "discount_share",
        _R,
        "share",
        "Share of counted orders with a discount.",
        "使用了优惠的有效订单占比。",
    ),
    _F(
        "discount_share_90d",
        _R,
        "share",
        "Share of counted orders in the last 90 days with a discount.",
        "近 90 天有效订单中使用优惠的占比。",
    ),
    _F(
        "refund_share",
        _R,
        "share",
        "Share of paid orders later refunded.",
        "已支付订单中后来退款的占比。",
    ),
    _F("distinct_products", _I, "products", "Distinct products bought.", "购买过的不同商品数。"),
    _F(
        "distinct_categories",
        _I,
        "categories",
        "Distinct product categories bought.",
        "购买过的不同品类数。",
    ),
    _F(
        "top_category",
        _T,
        "category",
        "The category with the most spend (ties: name).",
        "消费额最高的品类（并列时按名称）。",
    ),
    _F(
        "page_views_7d",
        _I,
        "events",
        "Page and product views in the last 7 days.",
        "近 7 天页面和商品浏览次数。",
    ),
    _F(
        "page_views_30d",
        _I,
        "events",
        "Page and product views in the last 30 days.",
        "近 30 天页面和商品浏览次数。",
    ),
    _F(
        "view_streak_days",
        _I,
        "days in a row",
        "Consecutive days up to as_of with a product view and no order.",
        "截至统计日连续有商品浏览但未下单的天数。",
    ),
    _F(
        "days_since_last_view",
        _I,
        "days",
        "Days from the last product view to as_of.",
        "最近一次商品浏览距统计日的天数。",
    ),
    _F(
        "email_opens_30d",
        _I,
        "events",
        "E-mails opened in the last 30 days.",
        "近 30 天打开邮件次数。",
    ),
    _F(
        "email_clicks_30d",
        _I,
        "events",
        "E-mail links clicked in the last 30 days.",
        "近 30 天点击邮件链接次数。",
    ),
    _F("calls_90d", _I, "events", "Calls in the last 90 days.", "近 90 天通话次数。"),
    _F(
        "interactions_30d",
        _I,
        "events",
        "Interactions of any kind in the last 30 days.",
        "近 30 天各类互动次数。",
    ),
    _F(
        "tickets_365d",
        _I,
        "tickets",
        "Service tickets opened in the last 365 days.",
        "近 365 天服务工单数。",
    ),
    _F("complaints_365d", _I, "tickets", "Complaints in the last 365 days.", "近 365 天投诉数。"),
    _F(
        "avg_satisfaction",
        _R,
        "1-5",
        "Average satisfaction of rated tickets.",
        "已评价工单的平均满意度。",
    ),
    _F("open_tickets", _I, "tickets", "Tickets open on as_of.", "统计日仍未关闭的工单数。"),
)

# What a run computes from the features: scores and labels, stored beside them.
SCORES: tuple[Feature, ...] = (
    *(
        _F(
            f"{d}_score",
            _I,
            "1-5",
            f"RFM {label} score (5 best; empty for prospects).",
            f"RFM {zh}得分（5 为最好；潜在客户为空）。",
        )
        for d, label, zh in (
            ("r", "recency", "近度"),
            ("f", "frequency", "频度"),
            ("m", "monetary", "额度"),
        )
    ),
    _F(
        "rfm_cell",
        _T,
        "cell",
        "The three scores as one code, e.g. 545.",
        "三项得分组成的代码，如 545。",
    ),
    _F("rfm8", _T, "segment", "RFM8 segment (against the means).", "RFM 八类客户（与均值比较）。"),
    _F("rfm11", _T, "segment", "RFM11 segment (by score cells).", "RFM 十一类客户（按得分格）。"),
    _F("tier", _T, "tier", "Value tier (A is the top).", "价值等级（A 为最高）。"),
    _F("stage", _T, "stage", "Lifecycle stage.", "生命周期阶段。"),
    _F(
        "value_score",
        _R,
        "0-1",
        "Value score: weighted percentile ranks.",
        "价值得分：加权百分位。",
    ),
    _F(
        "value_customer",
        FeatureType.BOOL,
        "flag",
        "Among the top value scores.",
        "价值得分居前的价值客户。",
    ),
    _F(
        "value_parts",
        _T,
        "JSON",
        "The value score's parts: feature = percentile rank.",
        "价值得分的组成：特征 = 百分位。",
    ),
    _F(
        "p_alive",
        _R,
        "probability",
        "Probability of still being a customer.",
        "仍为活跃客户的概率。",
    ),
    _F(
        "expected_orders_90d",
        _R,
        "purchases",
        "Expected purchase days in the next 90 days.",
        "未来 90 天预期购买天数。",
    ),
    _F(
        "clv_12m",
        _R,
        "currency",
        "Discounted expected spend in the next 12 months.",
        "未来 12 个月的折现预期消费额。",
    ),
)

FEATURES_BY_NAME: dict[str, Feature] = {f.name: f for f in FEATURES}
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
        *(f"| `{f.name}` | {f.type} | {f.unit} | {f.en} | {f.zh} |" for f in FEATURES),
        "",
        "## Scores and labels · 得分与标签",
        "",
        "Computed by a run from the features; snapshots and exports carry both.",
        "",
        "| name | type | unit | meaning | 含义 |",
        "|---|---|---|---|---|",
        *(f"| `{f.name}` | {f.type} | {f.unit} | {f.en} | {f.zh} |" for f in SCORES),
        "",
    ]
    return "\n".join(lines)
