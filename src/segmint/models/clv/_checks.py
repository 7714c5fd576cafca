"""Input checks for the customer-base models, with messages that name the count and first index."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from segmint.core.errors import InputError, Location

Array = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


def as_vector(values: npt.ArrayLike, name: str) -> Array:
    """`values` as a one-dimensional float array (a scalar becomes length one)."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError(
            f"{name} must be numbers; could not read them as floats ({exc}).",
            location=Location(field=name),
        ) from exc
    if array.ndim > 1:
        raise InputError(
            f"{name} must be one-dimensional (one value per customer). "
            f"Got an array of shape {array.shape}.",
            location=Location(field=name),
        )
    return np.atleast_1d(array)


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
        error's location is the first bad index of the first rule broken.
    """
    columns = {
        "frequency": as_vector(frequency, "frequency"),
        "recency": as_vector(recency, "recency"),
        "T": as_vector(T, "T"),
        "weights": as_vector(1.0 if weights is None else weights, "weights"),
    }
    try:
        x, t_x, T_, w = np.broadcast_arrays(*columns.values())
    except ValueError as exc:
        lengths = ", ".join(f"{k} {v.size}" for k, v in columns.items())
        raise InputError(
            f"frequency, recency, T and weights must have one value per customer; "
            f"got lengths {lengths}.",
        ) from exc
    _raise_problems(_problems(x, t_x, T_, w))
    return x.copy(), t_x.copy(), T_.copy(), w.copy()


def _problems(x: Array, t_x: Array, T: Array, w: Array) -> list[tuple[str, Mask, list[Array]]]:
    """(what is wrong, where, the values to show) for every rule; data, not branches."""
    finite = np.isfinite(x) & np.isfinite(t_x) & np.isfinite(T) & np.isfinite(w)
    fx, ft, fT = (np.where(finite, v, 0.0) for v in (x, t_x, T))  # rules below see numbers
    return [
        ("frequency, recency, T or weights is not a finite number", ~finite, [x, t_x, T, w]),
        ("frequency is negative", fx < 0, [x]),
        ("frequency is not a whole number", fx != np.floor(fx), [x]),
        ("recency is negative", ft < 0, [t_x]),
        ("T is negative", fT < 0, [T]),
        ("recency is greater than T", ft > fT, [t_x, T]),
        ("recency is positive but frequency is 0", (fx == 0) & (ft > 0), [t_x, x]),
        ("weights is negative", np.where(finite, w, 0.0) < 0, [w]),
    ]


def _raise_problems(problems: list[tuple[str, Mask, list[Array]]]) -> None:
    messages: list[str] = []
    first_index: int | None = None
    for what, bad, shown in problems:
        count = int(bad.sum())
        if count == 0:
            continue
        index = int(np.argmax(bad))
        first_index = index if first_index is None else first_index
        plural = "customer" if count == 1 else "customers"
        messages.append(
            f"{what} for {count} {plural} (first: index {index}, {_detail(what, shown, index)})"
        )
    if messages:
        raise InputError(
            "; ".join(messages) + ".",
            hint="frequency counts repeat purchases, recency and T are times since the "
            "first purchase in one unit, with 0 <= recency <= T.",
            location=Location(index=first_index),
        )


def _detail(what: str, shown: list[Array], index: int) -> str:
    values = [_number(float(v[index])) for v in shown]
    if what.startswith("recency is greater"):
        return f"recency {values[0]} > T {values[1]}"
    if what.startswith("recency is positive"):
        return f"recency {values[0]}, frequency {values[1]}"
    if len(values) == 4:
        names = ("frequency", "recency", "T", "weights")
        return ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True))
    return f"{what.split()[0]} {values[0]}"


def _number(value: float) -> str:
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
            f"discount_rate must be a number > 0 (a rate per period, 0.1 for 10 %). "
            f"Got {discount_rate!r} instead.",
            hint="Discounted sums over an unbounded lifetime need a positive rate.",
            location=Location(field="discount_rate"),
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
        index, count = int(np.argmax(bad)), int(bad.sum())
        raise InputError(
            f"{name} must be whole numbers >= {minimum}; {count} "
            f"{'is' if count == 1 else 'are'} not (first: index {index}, {name} "
            f"{float(v[index]):g}).",
            location=Location(index=index, field=name),
        )
    return v


def raise_problems(
    rules: list[tuple[str, Mask]], shown: tuple[tuple[str, Array], ...], *, hint: str
) -> None:
    """Raise one `InputError` naming every broken rule, its count and its first index.

    `shown` are the columns whose values at that index the message quotes.
    """
    messages: list[str] = []
    first: int | None = None
    for what, bad in rules:
        count = int(bad.sum())
        if count == 0:
            continue
        index = int(np.argmax(bad))
        first = index if first is None else first
        values = ", ".join(f"{name} {float(column[index]):g}" for name, column in shown)
        plural = "customer" if count == 1 else "customers"
        messages.append(f"{what} for {count} {plural} (first: index {index}, {values})")
    if messages:
        raise InputError("; ".join(messages) + ".", hint=hint, location=Location(index=first))
