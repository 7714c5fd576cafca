"""The settings of needs and profiles: clusters, recommendations, service needs, loyalty.

Sections of `segmint.toml` beside those of `segmint.core.config`, which reads them in;
their cross-field checks (levels ascending, the cluster range) are in `config_rules`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    # as config's sections: frozen, unknown keys refused, no inf or nan
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class ClusterSettings(_Section):
    """Profile clusters of the customers who bought."""

    min: int = Field(3, ge=2, le=20, description="Fewest clusters to try.")
    max: int = Field(8, ge=2, le=20, description="Most clusters to try; the best silhouette wins.")
    sample: int = Field(
        20_000,
        ge=1_000,
        le=200_000,
        description="Customers the clusters are fitted on (everyone is then assigned).",
    )


class RecommendSettings(_Section):
    """Products each customer is likely to buy next (item-to-item co-purchase)."""

    count: int = Field(10, ge=1, le=50, description="Products recommended per customer.")
    recent_days: int = Field(
        90,
        ge=1,
        le=3650,
        description="A product bought in these days is not recommended, unless it is a "
        "repeat item.",
    )
    repeat_rate: float = Field(
        0.3,
        gt=0,
        le=1,
        description="A repeat item: at least this share of its buyers bought it more than once.",
    )
    neighbours: int = Field(50, ge=1, le=1000, description="Similar products kept per product.")


class ServiceSettings(_Section):
    """When a customer needs service attention; each need is a flag with its reason."""

    complaints: int = Field(
        2, ge=1, le=100, description="A frequent complainer: complaints in 365 days, at least."
    )
    satisfaction: float = Field(
        2.0, ge=1, le=5, description="Low satisfaction: average rating (1-5) at most this."
    )
    resolution_days: float = Field(
        3.0,
        gt=0,
        le=365,
        description="Slow resolution: the last 365 days' tickets took longer than this to close.",
    )
    onboarding_days: int = Field(
        30,
        ge=1,
        le=365,
        description="Needs onboarding: first order within these days, with a ticket or a call.",
    )


class LoyaltyLevel(_Section):
    """One level of the loyalty programme, from `min` points (or spend) upwards."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    en: str = Field(min_length=1, max_length=40)
    zh: str = Field(min_length=1, max_length=40)
    min: float = Field(ge=0)


class LoyaltySettings(_Section):
    """Loyalty points earned on orders, and the levels they reach."""

    points_per_yuan: float = Field(
        1.0,
        gt=0,
        le=1000,
        description="Points per unit of currency paid, to two decimals (rounded down per order).",
    )
    multipliers: dict[str, float] = Field(
        default_factory=lambda: {"A": 2.0, "B": 1.5},
        description="Points multiplier by the customer's tier, to two decimals (others 1).",
    )
    expiry_days: int = Field(
        365, ge=1, le=3650, description="Points expire this many days after the order."
    )
    level_by: Literal["points", "spend"] = Field(
        "points",
        description='Levels by "points" held or by "spend" in the same days.',
    )
    levels: list[LoyaltyLevel] = Field(
        default_factory=lambda: [
            LoyaltyLevel(key="standard", en="Standard", zh="普通", min=0),
            LoyaltyLevel(key="silver", en="Silver", zh="银卡", min=1000),
            LoyaltyLevel(key="gold", en="Gold", zh="金卡", min=5000),
            LoyaltyLevel(key="diamond", en="Diamond", zh="钻石", min=20000),
        ],
        description="One [[loyalty.levels]] table per level (key, en, zh, min), lowest first.",
    )
