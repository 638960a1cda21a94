"""Reference solver for the Allen-Cahn equation on a periodic interval.

Equation (x in [a, a + L) periodic, t >= 0)::

    u_t = d u_xx + k (u - u^3),    u(x, 0) = u0(x).

Discretisation
--------------
* Space: Fourier pseudo-spectral method on ``N`` equispaced points; the cubic term is
  formed in physical space and de-aliased with the 2/3 rule. Spectrally accurate while
  the solution is resolved.
* Time: ETDRK4 (Cox & Matthews 2002) with the contour-integral coefficients of Kassam &
  Trefethen (2005). The linear part ``d u_xx + k u`` is integrated exactly; the
  nonlinear part ``-k u^3`` explicitly, fourth order in time.

The computation runs on ``nx_internal`` points (a multiple of ``len(x)``) and is sampled
back onto ``x``; the initial condition is a callable evaluated on the internal grid.
"""

from __future__ import annotations

import numpy as np

from examples.references import etdrk4

__all__ = ["solve_allen_cahn"]


def solve_allen_cahn(
    u0,
    x,
    t,
    d: float,
    k: float,
    *,
    nx_internal: int | None = None,
    dt: float = 1e-3,
) -> np.ndarray:
    """Solve periodic Allen-Cahn ``u_t = d u_xx + k (u - u^3)``.

    Parameters
    ----------
    u0:
        Initial condition, a callable ``u0(x)`` (evaluated on the internal grid).
    x:
        Uniform periodic grid ``a + L j / len(x)``, ``j = 0 .. len(x) - 1`` (the endpoint
        ``a + L`` excluded); ``L`` is ``len(x)`` times the spacing.
    t:
        Increasing output times, ``t[0] >= 0``; the state at ``t = 0`` is ``u0``.
    d, k:
        Diffusion and reaction coefficients.
    nx_internal:
        Number of internal grid points, a multiple of ``len(x)`` (default ``len(x)``).
    dt:
        Maximum internal time step; each output interval is split into equal steps no
        longer than this.

    Returns
    -------
    ndarray of shape ``(len(t), len(x))`` with ``u(t_j, x_i)`` at ``[j, i]``.
    """
    x = np.asarray(x, dtype=float)
    t = np.asarray(t, dtype=float)
    if x.ndim != 1 or x.size < 4:
        raise ValueError("x must be a 1-D grid with at least 4 points")
    h = x[1] - x[0]
    if h <= 0 or not np.allclose(np.diff(x), h, rtol=1e-10, atol=0.0):
        raise ValueError("x must be uniform and increasing (periodic, endpoint excluded)")
    if t.ndim != 1 or t.size < 1 or t[0] < 0 or np.any(np.diff(t) <= 0):
        raise ValueError("t must be a non-empty, strictly increasing array with t[0] >= 0")
    if dt <= 0:
        raise ValueError("dt must be positive")
    length = h * x.size
    n = x.size if nx_internal is None else int(nx_internal)
    if n % x.size != 0:
        raise ValueError("nx_internal must be a multiple of len(x)")
    stride = n // x.size
    x_int = x[0] + length * np.arange(n) / n
    u = np.asarray(u0(x_int), dtype=float).reshape(n)

    wavenumber = 2.0 * np.pi * np.fft.rfftfreq(n, d=length / n)
    dealias = 3 * np.arange(wavenumber.size) < n
    lin = -d * wavenumber**2 + k

    def nonlinear(v_hat: np.ndarray) -> np.ndarray:
        return np.where(dealias, -k * np.fft.rfft(np.fft.irfft(v_hat, n) ** 3), 0.0)

    return etdrk4.integrate(np.fft.rfft(u), lin, nonlinear, t, dt, n, stride, x.size)
