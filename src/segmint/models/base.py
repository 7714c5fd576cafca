"""The estimator contract every segmint model follows, after scikit-learn's `BaseEstimator`.

`__init__` stores hyper-parameters under their own names, so `get_params`, `set_params`
and `repr` work by introspecting its signature; `fit` validates them from the class's
`_constraints` table, with one message shape.
"""

from __future__ import annotations

import difflib
import inspect
import math
from typing import Any, ClassVar, Self

from segmint.core.errors import InputError, Location, NotFittedError

# (type, lower bound, upper bound); a bound of None is unbounded. Both bounds are closed.
Constraint = tuple[type, float | None, float | None]


class Estimator:
    """Base of segmint's models: parameter introspection, validation and `repr`.

    Subclasses declare keyword-only hyper-parameters in `__init__`, store each one
    unchanged under its own name, and list the checks in `_constraints`.
    """

    _constraints: ClassVar[dict[str, Constraint]] = {}

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        names = []
        for name, parameter in signature.parameters.items():
            if name == "self":
                continue
            if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
                # get_params could not see them, so clone and repr would lose them
                raise TypeError(f"{cls.__name__}.__init__ may not take *args or **kwargs")
            names.append(name)
        return sorted(names)

    def get_params(self) -> dict[str, Any]:
        """The hyper-parameters as passed to `__init__`, by name."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Self:
        """Set hyper-parameters by name and return the estimator.

        Raises
        ------
        InputError
            If a name is not a parameter of this estimator.
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                close = difflib.get_close_matches(name, valid, n=1)
                raise InputError(
                    "models.unknown_parameter",
                    location=Location(field=name),
                    name=name,
                    model=type(self).__name__,
                    valid=", ".join(valid) or "-",
                    close=close[0] if close else None,
                )
            setattr(self, name, value)
        return self

    def _validate_params(self) -> None:
        """Check every hyper-parameter against `_constraints`; called first in `fit`."""
        for name, (kind, low, high) in self._constraints.items():
            value = getattr(self, name)
            if not _satisfies(value, kind, low, high):
                raise InputError(
                    "models.invalid_parameter",
                    location=Location(field=name),
                    name=name,
                    model=type(self).__name__,
                    type=kind.__name__,
                    range=_range(kind, low, high),
                    got=repr(value),
                )

    def __repr__(self) -> str:
        defaults = {
            name: parameter.default
            for name, parameter in inspect.signature(type(self).__init__).parameters.items()
        }
        changed = [
            f"{name}={value!r}"
            for name, value in self.get_params().items()
            if not _same(value, defaults.get(name, inspect.Parameter.empty))
        ]
        return f"{type(self).__name__}({', '.join(changed)})"


def check_fitted(estimator: object, attribute: str) -> None:
    """Raise `NotFittedError` unless `fit` has set `attribute` on `estimator`.

    Raises
    ------
    NotFittedError
        If the estimator has not been fitted; the message says to call `fit`.
    """
    if not hasattr(estimator, attribute):
        raise NotFittedError("models.not_fitted", model=type(estimator).__name__)


def _satisfies(value: object, kind: type, low: float | None, high: float | None) -> bool:
    if isinstance(value, bool) and kind is not bool:
        return False  # True is an int to Python, never a penalizer to us
    accepted: tuple[type, ...] = (int, float) if kind is float else (kind,)
    if not isinstance(value, accepted):
        return False
    if isinstance(value, int | float):
        if math.isnan(value):
            return False
        if low is not None and value < low:
            return False
        if high is not None and value > high:
            return False
    return True


def _range(kind: type, low: float | None, high: float | None) -> str:
    """The allowed range as an interval, '[0.0, inf)'; unbounded both ways is '(-inf, inf)'."""
    left = "(-inf" if low is None else f"[{float(low) if kind is float else low}"
    right = "inf)" if high is None else f"{float(high) if kind is float else high}]"
    return f"{left}, {right}"


def _same(value: object, default: object) -> bool:
    try:
        return bool(value == default) and type(value) is type(default)
    except (TypeError, ValueError):  # arrays compare elementwise
        return False
