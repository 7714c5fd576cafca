"""Newton's method on functions whose minimum is known."""

from __future__ import annotations

import numpy as np

from segmint.models.clv import _newton


def rosenbrock(theta):
    """(1 - u)^2 + 100 (v - u^2)^2: minimum 0 at (1, 1), indefinite Hessian on the way."""
    u, v = theta
    value = (1 - u) ** 2 + 100 * (v - u * u) ** 2
    grad = np.array([-2 * (1 - u) - 400 * u * (v - u * u), 200 * (v - u * u)])
    hess = np.array([[2 - 400 * v + 1200 * u * u, -400 * u], [-400 * u, 200.0]])
    return float(value), grad, hess


def test_newton_finds_the_rosenbrock_minimum_from_a_saddle_region():
    result = _newton.minimize(rosenbrock, np.array([-1.2, 1.0]), bound=10.0)
    assert result.converged
    np.testing.assert_allclose(result.theta, [1.0, 1.0], atol=1e-8)
    assert result.value < 1e-16


def test_a_quadratic_is_solved_in_one_step():
    target = np.array([0.3, -2.0, 1.5])
    a = np.array([[4.0, 1.0, 0.0], [1.0, 3.0, 0.5], [0.0, 0.5, 2.0]])

    def quadratic(theta):
        d = theta - target
        return float(d @ a @ d / 2), a @ d, a

    result = _newton.minimize(quadratic, np.zeros(3), bound=10.0)
    assert result.converged and result.iterations == 1
    np.testing.assert_allclose(result.theta, target, atol=1e-12)


def test_a_minimum_beyond_the_bound_stops_at_the_bound():
    def slope(theta):
        return float(-theta[0]), np.array([-1.0]), np.array([[0.0]])

    result = _newton.minimize(slope, np.array([0.0]), bound=5.0)
    assert result.theta[0] == 5.0
