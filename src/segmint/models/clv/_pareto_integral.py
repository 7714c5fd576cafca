"""The Pareto/NBD's integrals: the likelihood's term A with its derivatives, and DERT's h.

The Pareto/NBD likelihood (Fader & Hardie 2005, "A note on deriving the Pareto/NBD model
and related expressions", equation (11)) is

    L = Γ(r+x) α^r β^s / Γ(r) · [(α+T)^-(r+x) (β+T)^-s + s A],
    A = ∫_{t_x}^{T} (α+τ)^-(r+x) (β+τ)^-(s+1) dτ,

where the second term is a customer who dropped out at τ in (t_x, T]. The note writes
A with Gaussian hypergeometric functions, A = A₀/(r+s+x) (its equations (19)-(20)); here
A stays an integral, whose nodes give the value and every derivative at once
(differentiation under the integral sign). The tests hold it to mpmath's ₂F₁.

Placing the nodes: with L the smaller of α and β ("lead") and y = log((L+τ)/(L+t_x)),

    A = (L+t_x)^-m ∫_0^Y e^(-m y) (1 + c e^(-y))^-k dy,   m = r+x+s,

with Y = log((L+T)/(L+t_x)), c = |α-β|/(L+t_x) >= 0, and k the exponent of the other
factor. Leading with the smaller rate keeps c >= 0: the integrand is then log-concave
and analytic in a strip of half-width π around the real axis (the poles of
(1 + c e^-y) are at Im y = ±π, whatever c), so composite Gauss-Legendre panels converge
geometrically, and (O+τ) = (L+τ) + (O-L) is a sum of positive numbers. The initial
decay rate ρ0 = m - k c/(1+c) bounds the decay from below (log-concavity), so the
integral is cut where it has fallen by e^-45, and panels are spaced so the integrand
falls by at most e^-8 across each and spans at most 4 in y (so the poles stay far from
each panel).

Derivatives: with π(τ) ∝ the integrand on (t_x, T], ∂ log A = E_π[∂ log f] and
∂² log A = E_π[∂² log f] + Cov_π(∂ log f). Every ∂ log f is a multiple of one of
q = (log(α+τ), 1/(α+τ), log(β+τ), 1/(β+τ)), so the first and second moments of q per
customer are all the caller needs.

DERT (Fader, Hardie & Lee 2005, "RFM and CLV: using iso-value curves", equation (2))
needs ``h(s, z) = z^(s-1) U(s, s; z) = ∫₀^∞ e^(-z t) (1+t)^(-s) dt`` with U Tricomi's
confluent hypergeometric function; `discount_factor` evaluates it where scipy's hyperu
alone cannot.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.special import hyperu, roots_legendre  # type: ignore[import-untyped]

Array = npt.NDArray[np.float64]

NODES_PER_PANEL = 16
DROP_PER_PANEL = 8.0  # e-folds of the integrand's fall one panel spans at most
CUT = 45.0  # the integral stops where the integrand has fallen by e^-45
PANEL_WIDTH = 4.0  # widest panel in y: the integrand's poles lie at distance π from the axis
MAX_PANELS = 24
# Most customers' integrals are short (whole-day data: a median fall of under 2 e-folds);
# one panel of 8 nodes is exact to rounding there and halves their cost.
SHORT_NODES = 8
SHORT_DROP = 2.0
SHORT_WIDTH = 1.0
CHUNK_NODES = 500_000  # rows x nodes held at once: 4 MB per array
FRACTION_TERMS = 10_000  # most terms of h's continued fraction (it needs tens)
TINY = 1e-300  # the modified Lentz method's stand-in for a zero denominator

_ROOTS = {n: roots_legendre(n) for n in (SHORT_NODES, NODES_PER_PANEL)}


class Moments(NamedTuple):
    """log A per row, and moments of q = (log(α+τ), 1/(α+τ), log(β+τ), 1/(β+τ)) under π."""

    log_integral: Array  # (rows,): -inf where the integral is empty (t_x = T)
    mean: Array  # (4, rows): E_π[q]; zero where empty; (4, 0) when not asked for
    covariance: Array  # (4, 4, rows): Cov_π(q); zero where empty; (4, 4, 0) when not asked for


class _Layout(NamedTuple):
    """Where each row's nodes go: y from 0 to `length` from `start` = L + t_x."""

    lead_alpha: bool  # True when α <= β, so y follows α
    start: Array
    length: Array
    nodes: npt.NDArray[np.intp]  # per row: SHORT_NODES, or NODES_PER_PANEL x panels


def integral_moments(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: Array,
    t_x: Array,
    T: Array,
    *,
    order: int,
) -> Moments:
    """Log A per row and, for ``order`` 1 or 2, the mean or mean and covariance of q.

    Rows are evaluated in chunks of rows needing as many nodes, each chunk holding at
    most CHUNK_NODES nodes, so memory stays bounded however many customers there are.
    """
    n = x.size
    log_a = np.full(n, -np.inf)
    mean = np.zeros((4, n if order >= 1 else 0))
    covariance = np.zeros((4, 4, n if order >= 2 else 0))
    layout = _layout(r, alpha, s, beta, x, t_x, T)
    for count in np.unique(layout.nodes[layout.length > 0]):
        group = np.flatnonzero((layout.nodes == count) & (layout.length > 0))
        step = max(1, CHUNK_NODES // int(count))
        for first in range(0, group.size, step):
            rows = group[first : first + step]
            part = _chunk(int(count), (r, alpha, s, beta), x[rows], layout, rows, order=order)
            log_a[rows] = part.log_integral
            if order >= 1:
                mean[:, rows] = part.mean
            if order >= 2:
                covariance[:, :, rows] = part.covariance
    return Moments(log_a, mean, covariance)


def _layout(
    r: float, alpha: float, s: float, beta: float, x: Array, t_x: Array, T: Array
) -> _Layout:
    lead_alpha = alpha <= beta  # y follows the smaller rate
    lead, other = (alpha, beta) if lead_alpha else (beta, alpha)
    k = (s + 1.0) if lead_alpha else (r + x)  # exponent of the other factor
    m = r + x + s
    start = lead + t_x
    span = np.log1p((T - t_x) / start)  # Y = log((L+T)/(L+t_x)), exact for t_x near T
    c = (other - lead) / start
    rho0 = m - k * c / (1.0 + c)
    cut = np.where(rho0 > 0, CUT / np.maximum(rho0, 1e-300), np.inf)
    length = np.minimum(span, cut)
    needed = np.maximum(m * length / DROP_PER_PANEL, length / PANEL_WIDTH)
    panels = np.clip(np.ceil(needed), 1, MAX_PANELS).astype(np.intp)
    short = (m * length <= SHORT_DROP) & (length <= SHORT_WIDTH)
    return _Layout(
        lead_alpha, start, length, np.where(short, SHORT_NODES, NODES_PER_PANEL * panels)
    )


def _chunk(
    nodes: int,
    p: tuple[float, float, float, float],
    x: Array,
    layout: _Layout,
    rows: npt.NDArray[np.intp],
    *,
    order: int,
) -> Moments:
    """Log A and moments of q for rows of non-empty integrals sharing a node count."""
    r, alpha, s, beta = p
    fraction, weight = _panels(nodes)
    start, length = layout.start[rows], layout.length[rows]
    y = length[:, None] * fraction[None, :]
    lead_plus = start[:, None] * np.exp(y)  # L + τ
    other_plus = lead_plus + (abs(beta - alpha))  # O + τ = (L + τ) + (O - L)
    log_lead = np.log(start)[:, None] + y
    log_other = np.log(other_plus)
    log_alpha, log_beta = (log_lead, log_other) if layout.lead_alpha else (log_other, log_lead)
    # log(w_k f(τ_k) dτ/dy), with dτ = (L + τ) dy
    log_terms = -(r + x)[:, None] * log_alpha - (s + 1.0) * log_beta + log_lead
    log_terms += np.log(length)[:, None] + np.log(weight)[None, :]
    top = log_terms.max(axis=1)
    share = np.exp(log_terms - top[:, None])
    total = share.sum(axis=1)
    log_a = top + np.log(total)
    if order == 0:
        return Moments(log_a, np.zeros((4, 0)), np.zeros((4, 4, 0)))
    share /= total[:, None]  # π at the nodes
    inv_lead, inv_other = 1.0 / lead_plus, 1.0 / other_plus
    inv_alpha, inv_beta = (inv_lead, inv_other) if layout.lead_alpha else (inv_other, inv_lead)
    q = np.stack([log_alpha, inv_alpha, log_beta, inv_beta])
    mean = np.einsum("irk,rk->ir", q, share)
    if order == 1:
        return Moments(log_a, mean, np.zeros((4, 4, 0)))
    q -= mean[:, :, None]  # centred first: E[q qᵀ] - E[q] E[q]ᵀ would cancel digits
    return Moments(log_a, mean, np.einsum("irk,jrk,rk->ijr", q, q, share))


def _panels(nodes: int) -> tuple[Array, Array]:
    """Gauss-Legendre nodes and weights on [0, 1]: one short panel, or 16-node panels."""
    per_panel = SHORT_NODES if nodes == SHORT_NODES else NODES_PER_PANEL
    panels = nodes // per_panel
    xi, omega = _ROOTS[per_panel]
    # each node of each panel as a fraction of the row's length
    fraction = (np.arange(panels)[:, None] + (xi[None, :] + 1.0) / 2.0).ravel() / panels
    return fraction, np.tile(omega / 2.0, panels) / panels


def discount_factor(s: float, z: Array) -> Array:
    """``h(s, z) = z^(s-1) U(s, s; z) = ∫₀^∞ e^(-z t) (1+t)^(-s) dt``, without overflow.

    scipy's hyperu alone returns inf or nan for s >= 10 at small z and loses 8 digits
    near z = 10, so it serves only where it is accurate, z <= 1 and s in (0, 2]:
    - z > 1: ``U(s, s; z) = e^z Γ(1-s, z)`` (DLMF 13.6.4) makes h the incomplete gamma
      function's continued fraction (DLMF 8.9.2), fast there (z > 2 - s; Press et al.,
      Numerical Recipes, section 6.2);
    - z <= 1 and s > 2: from s - n in (1, 2] upwards by parts,
      ``h(a+1, z) = (1 - z h(a, z)) / a``, each step shrinking the error by z/a < 1.
    """
    h = np.empty_like(z)
    far = z > 1.0
    h[far] = _continued_fraction(s, z[far])
    steps = max(0, math.ceil(s - 2.0))
    a = s - steps
    near = z[~far]
    value = np.exp((a - 1.0) * np.log(near) + np.log(hyperu(a, a, near)))
    for _ in range(steps):
        value = (1.0 - near * value) / a
        a += 1.0
    h[~far] = value
    return h


def _continued_fraction(s: float, z: Array) -> Array:
    """``1 / (z+s - 1·s/(z+s+2 - 2(s+1)/(z+s+4 - ...)))`` by the modified Lentz method."""
    b = z + s
    c = np.full_like(z, 1.0 / TINY)
    d = 1.0 / b
    h = d.copy()
    for i in range(1, FRACTION_TERMS):
        a = -i * (i - 1.0 + s)
        b = b + 2.0
        d = a * d + b
        d = 1.0 / np.where(d == 0.0, TINY, d)
        c = b + a / c
        c = np.where(c == 0.0, TINY, c)
        step = c * d
        h = h * step
        if np.all(np.abs(step - 1.0) < 4e-16):
            break
    return h
