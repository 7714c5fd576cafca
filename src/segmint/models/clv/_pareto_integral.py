"""The Pareto/NBD likelihood's integral term, by quadrature, with its derivatives.

The Pareto/NBD likelihood (Fader & Hardie 2005, "A note on deriving the Pareto/NBD model
and related expressions", equation (11)) is

    L = Γ(r+x) α^r β^s / Γ(r) · [(α+T)^-(r+x) (β+T)^-s + s A],
    A = ∫_{t_x}^{T} (α+τ)^-(r+x) (β+τ)^-(s+1) dτ,

where the second term is a customer who dropped out at τ in (t_x, T]. The paper writes
A with a Gaussian hypergeometric function; here it stays an integral, whose nodes give
the value and every derivative at once (differentiation under the integral sign).

Placing the nodes: with L the smaller of α and β ("lead") and y = log((L+τ)/(L+t_x)),

    A = (L+t_x)^-m ∫_0^Y e^(-m y) (1 + c e^(-y))^-k dy,   m = r+x+s,

with Y = log((L+T)/(L+t_x)), c = |α-β|/(L+t_x) >= 0, and k the exponent of the other
factor. Leading with the smaller rate keeps c >= 0: the integrand is then log-concave
and analytic in a strip of half-width π around the real axis (the poles of
(1 + c e^-y) are at Im y = ±π, whatever c), so composite Gauss-Legendre panels converge
geometrically, and (O+τ) = (L+τ) + (O-L) is a sum of positive numbers. The initial
decay rate ρ0 = m - k c/(1+c) bounds the decay from below (log-concavity), so the
integral is cut where it has fallen by e^-45, and panels are spaced so the integrand
falls by at most e^-8 across each.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy.special import logsumexp, roots_legendre  # type: ignore[import-untyped]

Array = npt.NDArray[np.float64]

NODES_PER_PANEL = 16
DROP_PER_PANEL = 8.0  # e-folds of the integrand's fall one panel spans at most
CUT = 45.0  # the integral stops where the integrand has fallen by e^-45
PANEL_WIDTH = 4.0  # widest panel in y: the integrand's poles lie at distance π from the axis
MAX_PANELS = 24
CHUNK_NODES = 500_000  # rows x nodes held at once: 4 MB per array

_XI, _OMEGA = roots_legendre(NODES_PER_PANEL)


class Nodes(NamedTuple):
    """Per row and node: log of weight times integrand, and derivatives of its log."""

    log_terms: Array  # log(w_k f(τ_k)): log A = logsumexp over the last axis
    d_log: Array  # shape (4, rows, nodes): ∂ log f(τ_k)
    d2_log: Array  # shape (4, rows, nodes): ∂²log f / ∂r∂α, ∂α², ∂s∂β, ∂β² (the rest are 0)


def integral_nodes(
    r: float, alpha: float, s: float, beta: float, x: Array, t_x: Array, T: Array
) -> Iterator[tuple[npt.NDArray[np.intp], Nodes]]:
    """Quadrature nodes of A for every row, in chunks of rows that need as many panels.

    Yields the row positions of each chunk and its nodes; a chunk holds at most
    CHUNK_NODES nodes, so memory stays bounded however many customers there are.
    """
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
    for count in np.unique(panels):
        group = np.flatnonzero(panels == count)
        step = max(1, CHUNK_NODES // (int(count) * NODES_PER_PANEL))
        for first in range(0, group.size, step):
            rows = group[first : first + step]
            nodes = _group_nodes(
                int(count),
                r,
                alpha,
                s,
                beta,
                x[rows],
                start[rows],
                length[rows],
                lead_alpha=lead_alpha,
            )
            yield rows, nodes


def _group_nodes(
    panels: int,
    r: float,
    alpha: float,
    s: float,
    beta: float,
    x: Array,
    start: Array,
    length: Array,
    *,
    lead_alpha: bool,
) -> Nodes:
    # y at every node of every panel, as a fraction of the row's length
    fraction = (np.arange(panels)[:, None] + (_XI[None, :] + 1.0) / 2.0).ravel() / panels
    weight = np.tile(_OMEGA / 2.0, panels) / panels
    y = length[:, None] * fraction[None, :]
    log_lead = np.log(start)[:, None] + y  # log(L + τ)
    lead_plus = np.exp(log_lead)
    gap = (beta - alpha) if lead_alpha else (alpha - beta)  # O - L >= 0
    log_other = np.log(lead_plus + gap)  # log(O + τ) = log((L + τ) + (O - L))
    log_alpha, log_beta = (log_lead, log_other) if lead_alpha else (log_other, log_lead)
    rx = (r + x)[:, None]
    log_f = -rx * log_alpha - (s + 1.0) * log_beta
    with np.errstate(divide="ignore"):  # a row of length 0 has no integral: weight 0
        log_w = np.log(length[:, None] * weight[None, :]) + log_lead  # dτ = (L+τ) dy
    inv_alpha, inv_beta = np.exp(-log_alpha), np.exp(-log_beta)
    d_log = np.stack([-log_alpha, -rx * inv_alpha, -log_beta, -(s + 1.0) * inv_beta])
    d2_log = np.stack([-inv_alpha, rx * inv_alpha**2, -inv_beta, (s + 1.0) * inv_beta**2])
    return Nodes(log_w + log_f, d_log, d2_log)


def log_integral(nodes: Nodes) -> Array:
    """Log A per row (-inf where the integral is empty)."""
    return np.asarray(logsumexp(nodes.log_terms, axis=1), dtype=np.float64)
