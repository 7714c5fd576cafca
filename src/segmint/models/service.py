"""Service needs: which customers need the service team's attention, and why.

Each need is a flag computed from a customer's ticket and interaction features against
a threshold of `[service]`; the values that raised it are the reason a profile shows.
A flag needs data: a customer without rated tickets cannot have low satisfaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When each need is flagged (`ServiceSettings`, in plain numbers)."""

    complaints: int
    satisfaction: float
    resolution_days: float
    onboarding_days: int


def needs(columns: dict[str, Any], *, limits: Thresholds) -> dict[str, Bools]:
    """Each service need per customer, by name (catalog.SERVICE_NEEDS order).

    ``columns`` holds the features as float arrays (NaN for empty): open_tickets,
    complaints_365d, avg_satisfaction, avg_resolution_days, tenure_days, tickets_365d
    and calls_90d. A comparison with NaN is false, so empty values never flag.
    """

    def values(name: str) -> Floats:
        return np.asarray(columns[name], dtype=np.float64)

    tenure = values("tenure_days")
    asked = (values("tickets_365d") > 0) | (values("calls_90d") > 0)
    with np.errstate(invalid="ignore"):  # NaN compares false, which is what we want
        return {
            "unresolved_ticket": values("open_tickets") > 0,
            "frequent_complainer": values("complaints_365d") >= limits.complaints,
            "low_satisfaction": values("avg_satisfaction") <= limits.satisfaction,
            "slow_resolution": values("avg_resolution_days") > limits.resolution_days,
            "needs_onboarding": (tenure <= limits.onboarding_days) & asked,
        }
