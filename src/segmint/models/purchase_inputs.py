"""Input checks of the recommender's matrices and vectors, each error naming what is wrong.

Purchase counts, product indices, exclusions and arguments are checked before any work,
with the codes of `segmint/core/text/models.toml`: the first bad customer or position,
and how many there are.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse  # type: ignore[import-untyped]

from segmint.core.errors import InputError, Location
from segmint.models.base import _range, _satisfies
from segmint.models.clv._checks import check_whole

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Csr = Any  # scipy.sparse.csr_array; scipy ships no type information


def counts(matrix: Csr, field: str, *, columns: int | None = None) -> Csr:
    """`matrix` as a csr_array of finite counts >= 0, with `columns` products when given."""
    try:
        m = sparse.csr_array(matrix)
    except (TypeError, ValueError) as exc:
        raise InputError(
            "models.not_numbers", location=Location(field=field), field=field, reason=str(exc)
        ) from exc
    if m.ndim != 2 or (columns is not None and m.shape[1] != columns):
        wanted = columns if columns is not None else "products"
        raise wrong_shape(field, expected=f"(customers, {wanted})", got=m.shape)
    if not m.has_canonical_format:  # from here on: sorted indices, one entry per cell
        m = m.copy()  # the caller's matrix stays as it was
        m.sum_duplicates()
    data = m.data.astype(np.float64)
    for code, bad in (("models.not_finite", ~np.isfinite(data)), ("models.negative", data < 0)):
        if bad.any():
            _refuse(code, m, bad, field)
    return m


def _refuse(code: str, m: Csr, bad: Bools, field: str) -> None:
    first = int(np.argmax(bad))
    row = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    customer = int(row[first])
    raise InputError(
        code,
        location=Location(index=customer, field=field),
        field=field,
        count=np.unique(row[bad]).size,
        index=customer,
        values=f"product {int(m.indices[first])} {float(m.data[first]):g}",
    )


def whole(values: npt.ArrayLike, field: str) -> Ints:
    """Counts: whole numbers >= 0, or an InputError naming how many are not."""
    return check_whole(values, field, minimum=0).astype(np.int64)


def exclusions(exclude: Csr | None, shape: tuple[int, int]) -> Csr | None:
    """`exclude` as a boolean csr_array of `shape` (None stays None)."""
    if exclude is None:
        return None
    m = sparse.csr_array(exclude).astype(bool)
    if m.shape != shape:
        raise wrong_shape("exclude", expected=str(shape), got=m.shape)
    m.eliminate_zeros()
    return m


def indices(values: npt.ArrayLike, field: str, size: int) -> Ints:
    """0-based indices below `size`, or an InputError naming how many are not."""
    v, bad = not_whole(values, field, below=size)
    if bad.any():
        index = int(np.argmax(bad))
        raise InputError(
            "models.bad_indices",
            location=Location(index=index, field=field),
            field=field,
            last=size - 1,
            count=int(bad.sum()),
            total=v.size,
            index=index,
            value=str(v[index]),
        )
    return v.astype(np.int64)


def not_whole(
    values: npt.ArrayLike, field: str, *, below: float = np.inf
) -> tuple[npt.NDArray[Any], Bools]:
    """A vector, and where it is not a whole number from 0 up to (not including) `below`."""
    v = np.asarray(values)
    if v.ndim != 1:
        raise InputError(
            "models.not_one_dimensional", location=Location(field=field), field=field, shape=v.shape
        )
    as_float = v.astype(np.float64) if v.dtype.kind in "iufb" else np.full(v.shape, np.nan)
    bad: Bools = ~((as_float == np.floor(as_float)) & (as_float >= 0) & (as_float < below))
    return v, bad


def check_number(
    value: object, name: str, where: str, kind: type, low: float | None, high: float | None
) -> None:
    """An argument checked like a hyper-parameter (`Estimator._validate_params`), one message."""
    plain = value.item() if isinstance(value, np.generic) else value  # np.int64(3) is fine
    if not _satisfies(plain, kind, low, high):
        raise InputError(
            "models.invalid_parameter",
            location=Location(field=name),
            name=name,
            model=where,
            type=kind.__name__,
            range=_range(kind, low, high),
            got=repr(value),
        )


def batch_size(size: int | None, where: str) -> int | None:
    """A batch size of at least 1, or None (the default)."""
    if size is not None:
        check_number(size, "batch_size", where, int, 1, None)
    return size


def wrong_shape(field: str, *, expected: str, got: tuple[int, ...]) -> InputError:
    """The error of an array whose shape is not the one `field` must have."""
    return InputError(
        "models.matrix_shape",
        location=Location(field=field),
        field=field,
        expected=expected,
        got=got,
    )
