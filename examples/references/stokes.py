"""Reference solver for steady Stokes flow in the lid-driven unit cavity.

Equations (x, y in [0, 1])::

    mu lap(u) - p_x = 0,   mu lap(v) - p_y = 0,   u_x + v_y = 0,
    u = lid(x), v = 0 on the lid y = 1;   u = v = 0 on the other three walls.

Method: streamfunction formulation on a uniform ``n`` x ``n`` node grid (walls included,
``h = 1 / (n - 1)``). With ``u = psi_y`` and ``v = -psi_x`` the flow is divergence free
and the Stokes equations reduce to the biharmonic problem::

    lap^2 psi = 0,   psi = 0 on all walls,
    d psi / dn = 0 on the fixed walls,   psi_y = lid(x) on y = 1.

* ``lap^2`` is discretised with the standard 13-point second-order stencil at interior
  nodes. Stencil points one node outside the domain (ghost nodes) are eliminated with the
  second-order central approximation of the normal-derivative condition, e.g.
  ``psi(x, 1 + h) = psi(x, 1 - h) + 2 h lid(x)``. The sparse system is solved with
  ``scipy.sparse.linalg.spsolve``.
* Velocities are second-order central differences of ``psi`` at interior nodes and the
  boundary data on the walls (the top row, corners included, is set to ``lid``).
* Vorticity ``omega = v_x - u_y = -lap(psi)`` uses the 5-point Laplacian with the same
  ghost values (on the walls this is Thom's formula).
* Pressure: for Stokes flow ``mu lap(u) = (-mu omega_y, mu omega_x)``, so
  ``grad p = mu (-omega_y, omega_x)``. The gradient of ``omega`` is taken with
  second-order finite differences (``numpy.gradient``, one-sided at the walls) and
  integrated with the trapezoidal rule, first along the horizontal mid-line
  ``y = y[(n - 1) // 2]`` and then along each vertical grid line. Finally ``p`` is shifted to
  zero mean over the cavity (trapezoidal rule).

Accuracy: ``psi``, ``u`` and ``v`` are second-order accurate, ``O(h^2)``, when the lid
profile is smooth and vanishes at the two top corners (e.g. ``sin(pi x)`` or
``16 x^2 (1 - x)^2``). A lid that does not vanish at the corners (the classical unit lid)
makes the velocity discontinuous there; ``u`` and ``v`` still converge away from the
corners, but ``omega`` and ``p`` are singular at the top corners and their values near
those corners do not converge. The pressure is typically closer to first order near the
walls, where one-sided differences of the wall vorticity are used.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.integrate import cumulative_trapezoid
from scipy.sparse.linalg import spsolve

__all__ = ["solve_stokes_cavity"]

# Offsets (di, dj) and weights of h^4 lap^2 (13-point stencil).
_BIHARMONIC_STENCIL = (
    ((0, 0), 20.0),
    ((1, 0), -8.0), ((-1, 0), -8.0), ((0, 1), -8.0), ((0, -1), -8.0),
    ((2, 0), 1.0), ((-2, 0), 1.0), ((0, 2), 1.0), ((0, -2), 1.0),
    ((1, 1), 2.0), ((1, -1), 2.0), ((-1, 1), 2.0), ((-1, -1), 2.0),
)  # fmt: skip


def _lid_values(lid, n: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Grid ``x`` and lid velocities at its nodes."""
    if callable(lid):
        n = 65 if n is None else int(n)
        x = np.linspace(0.0, 1.0, n)
        return x, np.broadcast_to(np.asarray(lid(x), dtype=float), x.shape).copy()
    values = np.asarray(lid, dtype=float)
    if values.ndim != 1:
        raise ValueError("lid must be a 1-D array of velocities at the x nodes, or a callable")
    if n is not None and int(n) != values.size:
        raise ValueError(f"n = {n} does not match len(lid) = {values.size}")
    return np.linspace(0.0, 1.0, values.size), values


def _solve_streamfunction(lid_vals: np.ndarray, h: float) -> np.ndarray:
    """Streamfunction on the grid padded by one ghost layer, indexed ``[j + 1, i + 1]``."""
    n = lid_vals.size
    m = n - 2  # interior nodes per direction
    jj, ii = np.meshgrid(np.arange(1, n - 1), np.arange(1, n - 1), indexing="ij")
    jj, ii = jj.ravel(), ii.ravel()
    row = (jj - 1) * m + (ii - 1)
    rows, cols, vals = [], [], []
    rhs = np.zeros(m * m)
    for (di, dj), weight in _BIHARMONIC_STENCIL:
        qi, qj = ii + di, jj + dj
        # Ghost nodes: mirror across the wall (psi_n = 0, or psi_y = lid on the top wall).
        top_ghost = qj == n
        np.add.at(rhs, row[top_ghost], -weight * 2.0 * h * lid_vals[qi[top_ghost]])
        qi = np.where(qi == -1, 1, np.where(qi == n, n - 2, qi))
        qj = np.where(qj == -1, 1, np.where(qj == n, n - 2, qj))
        interior = (qi > 0) & (qi < n - 1) & (qj > 0) & (qj < n - 1)
        rows.append(row[interior])
        cols.append((qj[interior] - 1) * m + (qi[interior] - 1))
        vals.append(np.full(interior.sum(), weight))
    matrix = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(m * m,) * 2
    )
    psi_int = spsolve(matrix, rhs)

    psi = np.zeros((n + 2, n + 2))
    psi[2:-2, 2:-2] = psi_int.reshape(m, m)
    # Ghost layer from the normal-derivative boundary conditions (walls have psi = 0).
    psi[:, 0] = psi[:, 2]
    psi[:, -1] = psi[:, -3]
    psi[0, :] = psi[2, :]
    psi[-1, 1:-1] = psi[-3, 1:-1] + 2.0 * h * lid_vals
    return psi


def solve_stokes_cavity(lid, n: int | None = None, mu: float = 1.0):
    """Solve steady Stokes flow in the lid-driven unit cavity.

    Parameters
    ----------
    lid:
        Tangential lid velocity ``u(x, 1)``: an array of values at the ``n`` equispaced
        nodes ``x = linspace(0, 1, n)``, or a callable ``lid(x)``.
    n:
        Nodes per side, walls included (default ``len(lid)`` for an array, 65 for a
        callable).
    mu:
        Dynamic viscosity (scales only the pressure; the velocity is independent of it).

    Returns
    -------
    x, y:
        The grids ``linspace(0, 1, n)``.
    u, v, p:
        Arrays of shape ``(n, n)`` with the value at ``(x_i, y_j)`` stored at ``[j, i]``;
        ``p`` has zero mean (trapezoidal rule over the cavity).
    """
    x, lid_vals = _lid_values(lid, n)
    n = x.size
    if n < 5:
        raise ValueError("need at least 5 nodes per side")
    if mu <= 0:
        raise ValueError("mu must be positive")
    h = 1.0 / (n - 1)
    y = x.copy()

    psi = _solve_streamfunction(lid_vals, h)
    core = psi[1:-1, 1:-1]  # the physical nodes

    u = np.zeros((n, n))
    v = np.zeros((n, n))
    u[1:-1, 1:-1] = (core[2:, 1:-1] - core[:-2, 1:-1]) / (2.0 * h)
    v[1:-1, 1:-1] = -(core[1:-1, 2:] - core[1:-1, :-2]) / (2.0 * h)
    u[-1, :] = lid_vals

    omega = -(psi[2:, 1:-1] + psi[:-2, 1:-1] + psi[1:-1, 2:] + psi[1:-1, :-2] - 4.0 * core) / h**2
    omega_y, omega_x = np.gradient(omega, h, edge_order=2)
    dp_dx = -mu * omega_y
    dp_dy = mu * omega_x

    mid = (n - 1) // 2
    p_mid = cumulative_trapezoid(dp_dx[mid], x, initial=0.0)
    p = np.empty((n, n))
    p[mid:] = p_mid + cumulative_trapezoid(dp_dy[mid:], y[mid:], axis=0, initial=0.0)
    below = cumulative_trapezoid(dp_dy[mid::-1], y[mid::-1], axis=0, initial=0.0)
    p[: mid + 1] = (p_mid + below)[::-1]

    weights = np.full(n, h)
    weights[[0, -1]] = 0.5 * h
    p -= weights @ p @ weights
    return x, y, u, v, p
