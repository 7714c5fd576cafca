"""Campaign uplift: how much a variant changed what customers did, against a random hold-out.

A campaign sends a variant to some customers and nothing to a random hold-out. Over the
window each customer has three outcomes: ``conversion`` (1 if she ordered at least once,
else 0), ``revenue`` (money, in yuan; a refund can leave it below 0) and ``orders`` (a
count). The uplift of a metric is the difference of the groups' means,
d = mean(variant) - mean(hold-out): yuan per customer, orders per customer, or a fraction
of customers (0.02 is 2 percentage points of conversion).

Interval and p-value are Welch's unequal-variance t test (Welch 1947, with the degrees of
freedom of Satterthwaite 1946), computed by ``scipy.stats.ttest_ind(..., equal_var=False)``:

    se² = s_v²/n_v + s_h²/n_h,    ν = se⁴ / ((s_v²/n_v)²/(n_v - 1) + (s_h²/n_h)²/(n_h - 1)),
    d ± t_{ν, (1 + c)/2} · se,

with s² the sample variances (n - 1 in the denominator) and c the confidence level. On the
0/1 conversion it is the normal-approximation (Wald) interval for a difference of two
proportions, with a t quantile: fine for campaign-sized groups, poor when a group has only
a handful of converters or non-converters.

The verdict reads the interval: ``raised`` if it lies above 0, ``lowered`` if below, and
``no_effect`` if it holds 0 and lies strictly inside (-min_effect, min_effect), so that it
excludes every effect as large as the smallest one worth acting on: the two one-sided tests
of Schuirmann (1987), each at level (1 - c)/2. Otherwise, and always when no min_effect is
given, ``cannot_tell``.

Degenerate groups: with fewer than 2 customers in a group there is no variance, so no
interval, and the verdict is ``cannot_tell``. When every value in each group is the same
(both variances 0, both groups of 2 or more), the difference has no sampling error in the
data: the interval is the point (d, d) and the p-value 0 (None when d is 0 too, where
Welch's statistic is 0/0).

How many more customers would tell (`needed_customers`): with k = n_v/n_h kept, the
two-sample normal approximation (Rosner 2010, pp. 302-303; with
s_v = s_h it is the test for equality of Chow, Shao & Wang 2008, section 3.2.1)

    n_h = (z_{(1 + c)/2} + z_{power})² (s_v²/k + s_h²) / δ²,    n_v = k n_h,

needed = max(0, ceil(n_v + n_h - current total)). It follows from asking that
δ / se = z_{(1+c)/2} + z_{power} with se² = s_v²/n_v + s_h²/n_h = (s_v²/k + s_h²)/n_h; the
other tail's chance of rejecting is ignored, as usual. `compare` sizes δ as `min_effect`
when given, else as the observed |d|.

References
----------
Welch, B. L. (1947). The generalization of "Student's" problem when several different
population variances are involved. Biometrika 34, 28-35.
Satterthwaite, F. E. (1946). An approximate distribution of estimates of variance
components. Biometrics Bulletin 2, 110-114.
Schuirmann, D. J. (1987). A comparison of the two one-sided tests procedure and the power
approach for assessing the equivalence of average bioavailability. Journal of
Pharmacokinetics and Biopharmaceutics 15, 657-680.
Rosner, B. (2010). Fundamentals of Biostatistics, 7th ed. Brooks/Cole.
Chow, S.-C., Shao, J. & Wang, H. (2008). Sample Size Calculations in Clinical Research,
2nd ed. Chapman & Hall/CRC.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict
from scipy import stats  # type: ignore[import-untyped]

from segmint.core.errors import InputError, Location
from segmint.models.clv._checks import Rule, as_vector, raise_broken

Array = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]
Metric = Literal["conversion", "revenue", "orders"]
Verdict = Literal["raised", "lowered", "no_effect", "cannot_tell"]
METRICS: tuple[Metric, ...] = get_args(Metric)

# The catalogue's sentences for each verdict and names of each metric (core/text/uplift.toml)
VERDICT_TEXT: dict[Verdict, str] = {v: f"uplift.verdict.{v}" for v in get_args(Verdict)}
UNSIZED_TEXT = "uplift.verdict.cannot_tell_unsized"  # cannot tell, nor say how many more
METRIC_TEXT: dict[Metric, str] = {m: f"uplift.metric.{m}" for m in METRICS}

# What each metric's values must be besides finite: (code, the values that break it)
_BROKEN_BY: dict[Metric, tuple[tuple[str, Callable[[Array], Mask]], ...]] = {
    "conversion": (("uplift.not_binary", lambda x: (x != 0.0) & (x != 1.0)),),
    "revenue": (),  # refunds can leave a customer's window below 0
    "orders": (("uplift.bad_orders", lambda x: (x < 0.0) | (x != np.floor(x))),),
}


class Uplift(BaseModel):
    """One metric of one variant against the hold-out: the difference, its interval, a verdict.

    Means (and so the uplift) are None for an empty group. `low`, `high` and `p_value`
    are None when a group has fewer than 2 customers; `needed` is set only when the verdict
    is ``cannot_tell`` and the groups allow a size to be worked out (module docstring).
    """

    model_config = ConfigDict(frozen=True)

    metric: Metric
    n_variant: int
    n_holdout: int
    mean_variant: float | None  # None for an empty group (JSON has no NaN)
    mean_holdout: float | None
    uplift: float | None  # mean_variant - mean_holdout
    low: float | None
    high: float | None
    p_value: float | None  # Welch's, two-sided
    confidence: float
    min_effect: float | None
    verdict: Verdict
    needed: int | None  # more customers in all, variant and hold-out in their current ratio

    @property
    def text(self) -> str:
        """The catalogue key of the sentence that says this verdict."""
        if self.verdict == "cannot_tell" and self.needed is None:
            return UNSIZED_TEXT
        return VERDICT_TEXT[self.verdict]


def compare(
    variant: npt.ArrayLike,
    holdout: npt.ArrayLike,
    *,
    metric: Metric,
    confidence: float = 0.95,
    power: float = 0.8,
    min_effect: float | None = None,
) -> Uplift:
    """The uplift of one metric of a variant over the hold-out, with its interval and verdict.

    Parameters
    ----------
    variant, holdout : array-like of float
        The metric's value for each customer of the variant and of the hold-out.
    metric : {"conversion", "revenue", "orders"}
        Which outcome the values are: 0/1, money, or a count of orders.
    confidence : float, default=0.95
        Level of the two-sided interval, strictly between 0 and 1.
    power : float, default=0.8
        The chance of telling an effect of the size sought that `needed` plans for.
    min_effect : float, optional
        The smallest change worth acting on, > 0, in the metric's unit. Without it the
        verdict is never ``no_effect``.

    Returns
    -------
    Uplift
        Counts, means, d = mean(variant) - mean(hold-out), Welch's interval and p-value,
        the verdict, and for ``cannot_tell`` about how many more customers would tell.

    Raises
    ------
    InputError
        If `metric` is unknown, `confidence` or `power` is not strictly between 0 and 1,
        `min_effect` is not a number > 0, or a value is not finite, a conversion not 0 or
        1, or an order count negative or not whole (every broken rule of both groups in
        one error, with its count and first index).

    Examples
    --------
    >>> result = compare([1, 0, 1, 1], [0, 0, 1, 0], metric="conversion")
    >>> result.uplift, result.verdict
    (0.5, 'cannot_tell')
    """
    _check_metric(metric)
    _check_level("confidence", confidence)
    _check_level("power", power)
    _check_min_effect(min_effect)
    v, h = _outcomes(variant, holdout, metric)
    mean_v, mean_h = _mean(v), _mean(h)
    difference = None if mean_v is None or mean_h is None else mean_v - mean_h
    interval = _interval(v, h, confidence)
    verdict = _verdict(interval, min_effect)
    needed = None
    if verdict == "cannot_tell" and v.size >= 2 and h.size >= 2 and difference is not None:
        effect = abs(difference) if min_effect is None else min_effect
        needed = needed_customers(
            effect, sd_variant=_sd(v), sd_holdout=_sd(h), n_variant=v.size, n_holdout=h.size,
            confidence=confidence, power=power,
        )  # fmt: skip
    low, high, p_value = interval if interval is not None else (None, None, None)
    return Uplift(
        metric=metric, n_variant=v.size, n_holdout=h.size, mean_variant=mean_v,
        mean_holdout=mean_h, uplift=difference, low=low, high=high, p_value=p_value,
        confidence=confidence, min_effect=min_effect, verdict=verdict, needed=needed,
    )  # fmt: skip


def needed_customers(
    effect: float,
    *,
    sd_variant: float,
    sd_holdout: float,
    n_variant: int,
    n_holdout: int,
    confidence: float = 0.95,
    power: float = 0.8,
) -> int | None:
    """About how many more customers, in the current ratio, would tell an effect of `effect`.

    Rosner (2010), pp. 302-303: n_h = (z_{(1+c)/2} + z_{power})² (s_v²/k + s_h²) / δ² with
    k = n_v/n_h and n_v = k n_h (module docstring).

    Parameters
    ----------
    effect : float
        δ, the size of the difference to tell, >= 0, in the metric's unit.
    sd_variant, sd_holdout : float
        Standard deviations of the metric per customer in each group, >= 0.
    n_variant, n_holdout : int
        Customers in each group now; their ratio is kept.
    confidence : float, default=0.95
        Level of the two-sided interval that must exclude 0.
    power : float, default=0.8
        The chance it should, when the difference is `effect`.

    Returns
    -------
    int or None
        max(0, ceil(n_v + n_h - n_variant - n_holdout)): 0 when the groups are already
        large enough. None when there is nothing to size: `effect` is 0, a group is empty
        (no ratio to keep), or the number is too large for a float.

    Raises
    ------
    InputError
        If a size, deviation or count is negative or not finite (a count not whole), or
        `confidence` or `power` is not strictly between 0 and 1.

    Examples
    --------
    >>> needed_customers(1.0, sd_variant=5.0, sd_holdout=5.0, n_variant=100, n_holdout=100)
    585
    """
    _check_level("confidence", confidence)
    _check_level("power", power)
    for name, value in (("effect", effect), ("sd_variant", sd_variant), ("sd_holdout", sd_holdout)):
        _check_size(name, value, whole=False)
    _check_size("n_variant", n_variant, whole=True)
    _check_size("n_holdout", n_holdout, whole=True)
    if effect == 0 or n_variant == 0 or n_holdout == 0:
        return None
    k = n_variant / n_holdout
    # a power below one half with a low confidence makes the sum negative: any n will do
    z = max(float(stats.norm.ppf((1.0 + confidence) / 2.0) + stats.norm.ppf(power)), 0.0)
    # (z/δ)·(z/δ) rather than (z/δ)²: Python's float power raises on overflow, * gives inf
    holdout = (z / effect) * (z / effect) * (sd_variant**2 / k + sd_holdout**2)
    total = (1.0 + k) * holdout
    if not math.isfinite(total):
        return None
    return max(0, math.ceil(total - (n_variant + n_holdout)))


def _outcomes(
    variant: npt.ArrayLike, holdout: npt.ArrayLike, metric: Metric
) -> tuple[Array, Array]:
    """Both groups as float vectors, every rule of `metric` checked on both before raising."""
    v, h = as_vector(variant, "variant"), as_vector(holdout, "holdout")
    raise_broken([*_rules(v, "variant", metric), *_rules(h, "holdout", metric)])
    return v, h


def _rules(x: Array, name: str, metric: Metric) -> list[Rule]:
    finite = np.isfinite(x)
    numbers = np.where(finite, x, 0.0)  # the metric's rules see only the finite values
    rules = [Rule("uplift.not_finite", ~finite, {name: x}, name)]
    rules += [Rule(code, breaks(numbers), {name: x}, name) for code, breaks in _BROKEN_BY[metric]]
    return rules


def _interval(v: Array, h: Array, confidence: float) -> tuple[float, float, float | None] | None:
    """Welch's interval and p-value for mean(v) - mean(h); None if a group has < 2 values."""
    if v.size < 2 or h.size < 2:
        return None
    if _constant(v) and _constant(h):  # each group one value: the difference is exact
        d = float(v[0] - h[0])
        return d, d, (0.0 if d != 0.0 else None)
    # SciPy warns of precision loss on a group of equal values unless they are exactly 0, so
    # such a group is moved to 0 and the other with it: neither d nor a variance changes
    shift = v[0] if _constant(v) else h[0] if _constant(h) else 0.0
    result = stats.ttest_ind(v - shift, h - shift, equal_var=False)
    ci = result.confidence_interval(confidence_level=confidence)
    return float(ci.low), float(ci.high), float(result.pvalue)


def _verdict(
    interval: tuple[float, float, float | None] | None, min_effect: float | None
) -> Verdict:
    if interval is None:
        return "cannot_tell"
    low, high, _ = interval
    if low > 0.0:
        return "raised"
    if high < 0.0:
        return "lowered"
    if min_effect is not None and -min_effect < low and high < min_effect:
        return "no_effect"
    return "cannot_tell"


def _constant(x: Array) -> bool:
    return bool(x.size > 0 and np.all(x == x[0]))


def _mean(x: Array) -> float | None:
    """The mean; exactly the value for a group of equal values (a sum can round), None if empty."""
    if x.size == 0:
        return None
    return float(x[0]) if _constant(x) else float(x.mean())


def _sd(x: Array) -> float:
    return 0.0 if _constant(x) else float(np.std(x, ddof=1))


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise InputError(
            "uplift.unknown_metric",
            location=Location(field="metric"),
            metric=metric,
            known=", ".join(METRICS),
        )


def _check_level(name: str, value: float) -> None:
    """`value` is a probability strictly between 0 and 1."""
    if not (_is_number(value) and 0.0 < value < 1.0):
        raise InputError(
            "uplift.bad_level", location=Location(field=name), name=name, got=_shown(value)
        )


def _check_min_effect(value: float | None) -> None:
    if value is not None and not (_is_number(value) and math.isfinite(value) and value > 0.0):
        raise InputError(
            "uplift.bad_min_effect", location=Location(field="min_effect"), got=_shown(value)
        )


def _check_size(name: str, value: float, *, whole: bool) -> None:
    """`value` is a finite number >= 0 (an integer when `whole`)."""
    valid = _is_number(value) and math.isfinite(value) and value >= 0.0
    if whole:
        valid = valid and isinstance(value, int | np.integer)
    if not valid:
        raise InputError(
            "uplift.not_a_size", location=Location(field=name), name=name, got=_shown(value)
        )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _shown(value: object) -> str:
    """`value` as the user would have typed it: 1.5, not np.float64(1.5)."""
    return repr(value.item() if isinstance(value, np.generic) else value)
