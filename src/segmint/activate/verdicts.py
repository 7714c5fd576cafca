"""A campaign's figures and verdicts in words, for every face (command line, dashboard)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from segmint.core import formats
from segmint.core.formats import Locale

if TYPE_CHECKING:  # scipy comes with the model: a reading command starts without it
    from segmint.models.uplift import Uplift


def verdict(u: Uplift, *, variant: str, locale: Locale) -> str:
    """The verdict of one metric in words, its numbers formatted for the reader."""
    return locale.text(
        u.text,
        variant=variant,
        metric=locale.text(f"uplift.metric.{u.metric}"),
        uplift=amount(u.metric, None if u.uplift is None else abs(u.uplift), locale),
        low=amount(u.metric, u.low, locale, signed=True),
        high=amount(u.metric, u.high, locale, signed=True),
        confidence=f"{100 * u.confidence:g}%",
        min_effect=amount(u.metric, u.min_effect, locale),
        needed=formats.count(u.needed or 0),
    )


def amount(metric: str, value: float | None, locale: Locale, *, signed: bool = False) -> str:
    """A metric's value: money, percentage points of conversion, or orders."""
    if value is None or value != value:
        return "—"
    sign = "+" if signed and value > 0 else ""
    if metric == "revenue":
        return sign + formats.money(round(value, 2), locale)
    if metric == "conversion":
        return f"{sign}{100 * value:.1f}" + (" pp" if signed else " %")
    return sign + formats.decimal(value)


def interval(u: Uplift, locale: Locale) -> str:
    """The confidence interval of an uplift: -¥3.20 … +¥12.40 (— when there is none)."""
    if u.low is None or u.high is None:
        return "—"
    low = amount(u.metric, u.low, locale, signed=True)
    return f"{low} … {amount(u.metric, u.high, locale, signed=True)}"
