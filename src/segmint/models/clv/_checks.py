"""Input checks for the customer-base models, with messages that name the count and first index.

Each rule a customer's values must keep has its own code in `segmint/core/text/models.toml`.
All rules are checked before anything is raised, and one `BrokenRulesError` error reports each
broken rule with how many customers break it and the first of them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from segmint.core import i18n
from segmint.core.errors import InputError, Location

Array = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


class Rule(NamedTuple):
    """A rule on each customer's values: its code, the customers breaking it, what to show."""

    code: str
    bad: Mask
    shown: dict[str, Array]  # the columns whose values at the first bad index the text quotes
    field: str | None = None  # the one column the rule is about, if there is one
    between: str = ", "  # how the values are joined: " > " shows "recency 9.0 > T 6.0"


class Broken(NamedTuple):
    """A rule broken by some customers: its code, where it is first broken, its parameters."""

    code: str
    location: Location
    params: dict[str, Any]  # Any: they are passed on as keywords


class BrokenRulesError(InputError):
    """Customers' values break one or more rules.

    The code, location and parameters are those of the first rule broken (so a caller can
    tell the situations apart); the message lists every broken rule in the reader's
    language, as bulk input reports all its problems at once.
    """

    def __init__(self, broken: Sequence[Broken]) -> None:
        first, *others = broken
        self.others = others  # set first: the base class renders the message
        super().__init__(first.code, location=first.location, **first.params)

    def render(self, lang: str) -> tuple[str, str | None]:
        """Every broken rule's text, joined, and the first rule's hint, in `lang`."""
        message, hint = super().render(lang)
        texts = [message, *(i18n.message(b.code, lang, **b.params) for b in self.others)]
        return i18n.message("models.separator", lang).join(texts), hint


def as_vector(values: npt.ArrayLike, name: str) -> Array:
    """`values` as a one-dimensional float array (a scalar becomes length one)."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(
            "models.not_numbers", location=Location(field=name), field=name, reason=str(exc)
        ) from exc
    if array.ndim > 1:
        raise InputError(
            "models.not_one_dimensional",
            location=Location(field=name),
            field=name,
            shape=array.shape,
        )
    return np.atleast_1d(array)


def broadcast(columns: dict[str, Array]) -> list[Array]:
    """The columns at one length (a scalar applies to every customer), or an InputError."""
    try:
        return list(np.broadcast_arrays(*columns.values()))
    except ValueError as exc:
        raise InputError(
            "models.lengths_differ",
            columns=", ".join(columns),
            lengths=", ".join(f"{k} {v.size}" for k, v in columns.items()),
        ) from exc


def check_rfm(
    frequency: npt.ArrayLike,
    recency: npt.ArrayLike,
    T: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
) -> tuple[Array, Array, Array, Array]:
    """Frequency, recency, T and weights as float arrays of one length, checked.

    A scalar T (or weight) applies to every customer. Weights default to one.

    Raises
    ------
    InputError
        If any value is not finite, a frequency is negative or not whole, a recency is
        negative, greater than T, or positive for a customer without repeat purchases, or a
        weight is negative. The message names each rule's count and first bad index; the
        error's code and location are those of the first rule broken.
    """
    x, t_x, T_, w = broadcast(
        {
            "frequency": as_vector(frequency, "frequency"),
            "recency": as_vector(recency, "recency"),
            "T": as_vector(T, "T"),
            "weights": as_vector(1.0 if weights is None else weights, "weights"),
        }
    )
    raise_broken(_rfm_rules(x, t_x, T_, w))
    return x.copy(), t_x.copy(), T_.copy(), w.copy()


def _rfm_rules(x: Array, t_x: Array, T: Array, w: Array) -> list[Rule]:
    """Every rule of check_rfm; data, not branches."""
    finite = np.isfinite(x) & np.isfinite(t_x) & np.isfinite(T) & np.isfinite(w)
    fx, ft, fT = (np.where(finite, v, 0.0) for v in (x, t_x, T))  # rules below see numbers
    every = {"frequency": x, "recency": t_x, "T": T, "weights": w}
    return [
        Rule("models.not_finite", ~finite, every),
        Rule("models.negative", fx < 0, {"frequency": x}, "frequency"),
        Rule("models.not_whole", fx != np.floor(fx), {"frequency": x}, "frequency"),
        Rule("models.negative", ft < 0, {"recency": t_x}, "recency"),
        Rule("models.negative", fT < 0, {"T": T}, "T"),
        Rule("models.recency_above_t", ft > fT, {"recency": t_x, "T": T}, "recency", " > "),
        Rule(
            "models.recency_without_repeat", (fx == 0) & (ft > 0), {"recency": t_x, "frequency": x}
        ),
        Rule("models.negative", np.where(finite, w, 0.0) < 0, {"weights": w}, "weights"),
    ]


def raise_broken(rules: Sequence[Rule]) -> None:
    """Raise one `BrokenRulesError` naming every broken rule, its count and its first index."""
    broken = [_broken(rule) for rule in rules if rule.bad.any()]
    if broken:
        raise BrokenRulesError(broken)


def _broken(rule: Rule) -> Broken:
    count, index = int(rule.bad.sum()), int(np.argmax(rule.bad))
    values = rule.between.join(f"{k} {number(float(v[index]))}" for k, v in rule.shown.items())
    params: dict[str, Any] = {
        "count": count,
        "index": index,
        "values": values,
        "field": rule.field,
    }
    return Broken(rule.code, Location(index=index, field=rule.field), params)


def number(value: float) -> str:
    """A value as a message shows it: up to 6 decimals, no trailing zeros (1.5, 2.0, nan)."""
    if not np.isfinite(value):
        return str(value)
    return np.format_float_positional(value, precision=6, trim="0")


def check_discount_rate(discount_rate: float) -> float:
    """`discount_rate` as a float, checked to be a finite number > 0.

    Raises
    ------
    InputError
        Otherwise, naming the value received.
    """
    if isinstance(discount_rate, bool) or not isinstance(discount_rate, int | float):
        valid = False
    else:
        valid = math.isfinite(discount_rate) and discount_rate > 0
    if not valid:
        raise InputError(
            "models.discount_rate_not_positive",
            location=Location(field="discount_rate"),
            got=repr(discount_rate),
        )
    return float(discount_rate)


def check_whole(values: npt.ArrayLike, name: str, *, minimum: int) -> Array:
    """`values` as a float vector, checked to be whole numbers >= `minimum`.

    Raises
    ------
    InputError
        Naming how many are not, and the first of them.
    """
    v = as_vector(values, name)
    bad = ~(np.isfinite(v) & (v == np.floor(v)) & (v >= minimum))
    if bad.any():
        index = int(np.argmax(bad))
        raise InputError(
            "models.whole_numbers",
            location=Location(index=index, field=name),
            field=name,
            minimum=minimum,
            count=int(bad.sum()),
            total=v.size,
            index=index,
            value=f"{float(v[index]):g}",
        )
    return v
