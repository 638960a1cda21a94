"""Reference solver for a simply supported Kirchhoff-Love plate on the unit square.

Equation (x, y in [0, 1])::

    D (w_xxxx + 2 w_xxyy + w_yyyy) = q(x, y),
    w = 0 and w_nn = 0 on all four edges (simply supported).

Method: Navier's double sine series. Each ``sin(m pi x) sin(n pi y)`` satisfies the
boundary conditions, and the biharmonic operator is diagonal in this basis, so::

    q_mn = 4 int_0^1 int_0^1 q(x, y) sin(m pi x) sin(n pi y) dx dy,
    w(x, y) = sum_{m, n >= 1} q_mn / (D pi^4 (m^2 + n^2)^2) sin(m pi x) sin(n pi y).

The load coefficients ``q_mn`` are computed in one of two ways:

* ``q`` given as an array on a uniform grid spanning ``[0, 1]^2`` (edges included): the
  trapezoidal rule on that grid, evaluated with a 2-D type-I discrete sine transform of the
  interior values (``scipy.fft.dstn``). Edge values do not enter (``sin`` vanishes there).
  Second-order accurate, ``O(h^2)``, for loads that are smooth in the interior, spectrally
  accurate when the odd periodic extension of ``q`` is smooth. At most ``(nx - 2)`` by
  ``(ny - 2)`` modes are available from the grid.
* ``q`` given as a callable ``q(X, Y)``: Gauss-Legendre quadrature with ``n_quad`` points
  per direction (exponentially accurate for smooth ``q``).

The series is truncated after ``n_terms`` modes per direction; because the coefficients of
``w`` decay like ``q_mn / (m^2 + n^2)^2``, the truncation error of ``w`` for a bounded load
is ``O(n_terms^-4)`` or smaller (``O(n_terms^-5)`` for a uniform load).
"""

from __future__ import annotations

import numpy as np
from scipy.fft import dstn

__all__ = ["solve_plate"]


def _check_uniform_unit_grid(z: np.ndarray, name: str) -> None:
    if z.ndim != 1 or z.size < 3:
        raise ValueError(f"{name} must be a 1-D grid with at least 3 points")
    expected = np.linspace(0.0, 1.0, z.size)
    if not np.allclose(z, expected, rtol=0.0, atol=1e-12):
        raise ValueError(f"{name} must be uniform on [0, 1] with both endpoints when q is an array")


def _coefficients_from_grid(q: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``q_mn`` (indexed ``[n - 1, m - 1]``) by the trapezoidal rule via DST-I."""
    _check_uniform_unit_grid(x, "x")
    _check_uniform_unit_grid(y, "y")
    if q.shape != (y.size, x.size):
        raise ValueError(f"q has shape {q.shape}, expected (len(y), len(x)) = {(y.size, x.size)}")
    # DST-I of length M = N - 1: Y_k = 2 sum_j q_j sin(pi (k + 1) (j + 1) / N); the
    # trapezoidal rule for 4 int int q sin sin is (4 / (Nx Ny)) sum sum q sin sin.
    nx, ny = x.size - 1, y.size - 1
    return dstn(q[1:-1, 1:-1], type=1) / (nx * ny)


def _coefficients_from_callable(q, n_terms: int, n_quad: int) -> np.ndarray:
    """``q_mn`` (indexed ``[n - 1, m - 1]``) by tensor Gauss-Legendre quadrature."""
    nodes, weights = np.polynomial.legendre.leggauss(n_quad)
    nodes = 0.5 * (nodes + 1.0)
    weights = 0.5 * weights
    modes = np.arange(1, n_terms + 1)
    basis = np.sin(np.pi * modes[:, None] * nodes[None, :]) * weights[None, :]  # (mode, node)
    xq, yq = np.meshgrid(nodes, nodes)  # [j, i] -> (x_i, y_j)
    values = np.broadcast_to(np.asarray(q(xq, yq), dtype=float), xq.shape)
    return 4.0 * basis @ values @ basis.T


def solve_plate(
    q,
    x,
    y,
    D: float = 1.0,
    n_terms: int | None = None,
    n_quad: int | None = None,
) -> np.ndarray:
    """Deflection ``w`` of a simply supported unit-square plate under the load ``q``.

    Parameters
    ----------
    q:
        Transverse load: an array of shape ``(len(y), len(x))`` on the uniform grids ``x``,
        ``y`` (both ``linspace(0, 1, .)``), or a vectorised callable ``q(X, Y)``.
    x, y:
        Output grids. For an array ``q`` they are the grids of ``q``; for a callable they may
        be arbitrary points in ``[0, 1]``.
    D:
        Flexural rigidity ``E h^3 / (12 (1 - nu^2))``.
    n_terms:
        Number of sine modes kept per direction. Default: all modes resolved by the grid
        for an array ``q``, 100 for a callable.
    n_quad:
        Gauss-Legendre points per direction for a callable ``q`` (default
        ``2 * n_terms + 32``).

    Returns
    -------
    ndarray of shape ``(len(y), len(x))`` with ``w(x_i, y_j)`` at ``[j, i]``.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if D <= 0:
        raise ValueError("D must be positive")
    if callable(q):
        n_terms = 100 if n_terms is None else int(n_terms)
        n_quad = 2 * n_terms + 32 if n_quad is None else int(n_quad)
        coeffs = _coefficients_from_callable(q, n_terms, n_quad)
    else:
        coeffs = _coefficients_from_grid(np.asarray(q, dtype=float), x, y)
        if n_terms is not None:
            coeffs = coeffs[:n_terms, :n_terms]
    n_modes_y, n_modes_x = coeffs.shape
    m = np.arange(1, n_modes_x + 1)
    n = np.arange(1, n_modes_y + 1)
    w_coeffs = coeffs / (D * np.pi**4 * (m[None, :] ** 2 + n[:, None] ** 2) ** 2)
    sin_x = np.sin(np.pi * m[None, :] * x[:, None])  # (len(x), modes_x)
    sin_y = np.sin(np.pi * n[None, :] * y[:, None])  # (len(y), modes_y)
    return sin_y @ w_coeffs @ sin_x.T
