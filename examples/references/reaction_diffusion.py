"""Reference solver for the 1-D nonlinear diffusion-reaction equation.

Equation (x in [0, 1], t >= 0)::

    u_t = D u_xx + k u^2 + f(x, t),
    u(x, 0) = 0,   u(0, t) = u(1, t) = 0.

In the DeepONet benchmark ``f = f(x)`` is time independent; a callable ``f(x, t)`` is
accepted as well (used, e.g., for manufactured-solution tests).

Discretisation
--------------
* Space: second-order central differences on the uniform grid ``x`` (the output grid,
  endpoints included): ``u_xx ~ (u_{i-1} - 2 u_i + u_{i+1}) / dx^2``.
* Time: Crank-Nicolson (trapezoidal rule) applied to the whole right-hand side,
  including the reaction term ``k u^2``. The resulting nonlinear system at each step is
  solved by Newton's method with a tridiagonal Jacobian
  ``I - dt/2 (A + 2 k diag(u))`` (``scipy.linalg.solve_banded``) to a relative
  tolerance of ``1e-12``.

Each interval between consecutive output times is split into equal internal steps no
longer than ``(t[-1] - 0) / nt_internal``. The scheme is second-order accurate in both
space and time: the error is ``O(dx^2 + dt^2)``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.linalg import solve_banded

__all__ = ["solve_reaction_diffusion"]

_NEWTON_TOL = 1e-12
_NEWTON_MAXITER = 30


def _source_function(f, x: np.ndarray) -> Callable[[float], np.ndarray]:
    """Return ``s(t)`` giving the source at the interior nodes at time ``t``."""
    if callable(f):

        def source(time: float) -> np.ndarray:
            vals = np.broadcast_to(np.asarray(f(x, time), dtype=float), x.shape)
            return vals[1:-1]

        return source
    values = np.asarray(f, dtype=float)
    if values.shape != x.shape:
        raise ValueError(f"f has shape {values.shape}, expected {x.shape} (values on x)")
    interior = values[1:-1].copy()
    return lambda time: interior


def solve_reaction_diffusion(
    f,
    x,
    t,
    D: float = 0.01,
    k: float = 0.01,
    nt_internal: int | None = None,
) -> np.ndarray:
    """Solve ``u_t = D u_xx + k u^2 + f`` with zero initial and boundary values.

    Parameters
    ----------
    f:
        Source term: an array of values on the grid ``x`` (time independent), or a
        callable ``f(x, t)`` returning values on ``x`` at time ``t``.
    x:
        Uniform spatial grid on ``[0, 1]`` including both endpoints.
    t:
        Increasing output times, ``t[0] >= 0``; integration starts from ``u = 0`` at
        ``t = 0``.
    D, k:
        Diffusion coefficient and reaction coefficient.
    nt_internal:
        Number of internal Crank-Nicolson steps that would cover ``[0, t[-1]]``; each
        output interval is split into equal steps no longer than ``t[-1] / nt_internal``.
        Defaults to ``max(len(t) - 1, len(x) - 1)`` (i.e. ``dt <= dx`` on ``[0, 1]``).

    Returns
    -------
    ndarray of shape ``(len(t), len(x))`` with ``u(t_j, x_i)`` at ``[j, i]``.
    """
    x = np.asarray(x, dtype=float)
    t = np.asarray(t, dtype=float)
    if x.ndim != 1 or x.size < 3:
        raise ValueError("x must be a 1-D grid with at least 3 points")
    dx = x[1] - x[0]
    if not np.allclose(np.diff(x), dx, rtol=1e-10, atol=0.0):
        raise ValueError("x must be uniformly spaced")
    if t.ndim != 1 or t.size < 1 or t[0] < 0 or np.any(np.diff(t) <= 0):
        raise ValueError("t must be a non-empty, strictly increasing array with t[0] >= 0")
    if nt_internal is None:
        nt_internal = max(t.size - 1, x.size - 1, 1)
    dt_max = t[-1] / nt_internal if t[-1] > 0 else np.inf

    source = _source_function(f, x)
    m = x.size - 2
    coef = D / dx**2

    def residual_terms(u: np.ndarray, time: float) -> np.ndarray:
        """Right-hand side ``D u_xx + k u^2 + f`` at the interior nodes."""
        lap = -2.0 * u
        lap[1:] += u[:-1]
        lap[:-1] += u[1:]
        return coef * lap + k * u**2 + source(time)

    def cn_step(u_old: np.ndarray, t_old: float, dt: float) -> np.ndarray:
        rhs_old = u_old + 0.5 * dt * residual_terms(u_old, t_old)
        t_new = t_old + dt
        u = u_old.copy()
        ab = np.zeros((3, m))
        for _ in range(_NEWTON_MAXITER):
            g = u - 0.5 * dt * residual_terms(u, t_new) - rhs_old
            ab[0, 1:] = -0.5 * dt * coef
            ab[2, :-1] = -0.5 * dt * coef
            ab[1] = 1.0 + dt * coef - dt * k * u
            delta = solve_banded((1, 1), ab, g)
            u -= delta
            if np.max(np.abs(delta)) <= _NEWTON_TOL * (1.0 + np.max(np.abs(u))):
                return u
        raise RuntimeError("Newton iteration did not converge; reduce the time step")

    out = np.zeros((t.size, x.size))
    u = np.zeros(m)
    t_now = 0.0
    for j, t_out in enumerate(t):
        span = t_out - t_now
        if span > 0:
            n_sub = max(1, int(np.ceil(span / dt_max - 1e-9)))
            dt = span / n_sub
            for s in range(n_sub):
                u = cn_step(u, t_now + s * dt, dt)
        t_now = t_out
        out[j, 1:-1] = u
    return out
