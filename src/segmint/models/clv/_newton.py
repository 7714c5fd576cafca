"""Newton's method with a line search, for the small smooth problems of the CLV models.

With an analytic Hessian a model with four parameters converges in a handful of steps,
where a quasi-Newton method needs dozens of gradient evaluations over every customer.
Far from the optimum the Hessian of a likelihood need not be definite: the step then
uses its absolute eigenvalues (a descent direction whatever the curvature), capped in
length, and halved until the objective falls (Nocedal & Wright 2006, sections 3.1 and
3.4).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]
# theta -> (objective to minimise, its gradient, its Hessian)
Objective = Callable[[Array], tuple[float, Array, Array]]

MAX_STEP = 3.0  # on the log scale: no parameter moves by more than a factor e^3 at once
ARMIJO = 1e-4  # sufficient decrease, as a share of the predicted decrease
HALVINGS = 50
ROUNDING = 1e-14  # relative error of a sum over customers in float64


class Result(NamedTuple):
    """Where the iteration stopped and why."""

    theta: Array
    value: float
    gradient: Array
    hessian: Array
    iterations: int
    converged: bool
    message: str


def minimize(
    objective: Objective,
    theta0: Array,
    *,
    bound: float,
    tolerance: float = 1e-13,
    max_iterations: int = 200,
) -> Result:
    """Minimise `objective` from `theta0` within ``[-bound, bound]`` in every coordinate.

    Converged when the Newton decrement ``gᵀ H⁻¹ g`` (twice the predicted decrease) falls
    below `tolerance`, or when a full step no longer changes theta.
    """
    theta = np.clip(theta0, -bound, bound)
    value, grad, hess = objective(theta)
    for iteration in range(max_iterations):
        if not (np.isfinite(value) and np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))):
            return Result(theta, value, grad, hess, iteration, False, "not finite at the start")
        step = _direction(grad, hess)
        if -grad @ step < tolerance:
            return Result(theta, value, grad, hess, iteration, True, "Newton decrement small")
        found = _line_search(objective, theta, value, grad, step, bound=bound)
        if found is None:
            return Result(theta, value, grad, hess, iteration, False, "line search failed")
        candidate, (value, grad, hess) = found
        if np.array_equal(candidate, theta):
            return Result(theta, value, grad, hess, iteration, True, "step too small")
        theta = candidate
    return Result(theta, value, grad, hess, max_iterations, False, "too many iterations")


def _direction(grad: Array, hess: Array) -> Array:
    """Newton step with |eigenvalues|, floored so a flat direction cannot blow it up."""
    eigenvalues, vectors = np.linalg.eigh(hess)
    size = np.abs(eigenvalues)
    size = np.maximum(size, max(1e-10 * float(size.max(initial=0.0)), 1e-300))
    step = -vectors @ ((vectors.T @ grad) / size)
    longest = float(np.abs(step).max(initial=0.0))
    return np.asarray(step * (MAX_STEP / longest) if longest > MAX_STEP else step, dtype=np.float64)


def _line_search(
    objective: Objective, theta: Array, value: float, grad: Array, step: Array, *, bound: float
) -> tuple[Array, tuple[float, Array, Array]] | None:
    """The first of the steps 1, 1/2, 1/4, ... that decreases the objective enough."""
    length = 1.0
    for _ in range(HALVINGS):
        candidate = np.clip(theta + length * step, -bound, bound)
        evaluated = objective(candidate)
        predicted = float(grad @ (candidate - theta))
        # near the optimum the decrease is below the rounding of the sum: allow for it
        allowed = ARMIJO * predicted + ROUNDING * abs(value)
        finite = all(np.all(np.isfinite(part)) for part in evaluated)
        if finite and evaluated[0] <= value + allowed:
            return candidate, evaluated
        length /= 2.0
    return None
