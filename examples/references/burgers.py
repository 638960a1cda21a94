"""Reference solver for the viscous Burgers equation on the periodic unit interval.

Equation (x in [0, 1) periodic, t >= 0)::

    u_t + u u_x = nu u_xx,    u(x, 0) = u0(x).

Discretisation
--------------
* Space: Fourier pseudo-spectral method on ``N`` equispaced points. The nonlinear term
  is written in conservative form ``-(u^2 / 2)_x``, the product is formed in physical
  space and de-aliased with the 2/3 rule (Fourier modes with ``3 |m| >= N`` of the
  nonlinear term are discarded). Spectrally accurate (error decays faster than any
  power of ``1/N``) while the solution is resolved.
* Time: ETDRK4, the fourth-order exponential time-differencing Runge-Kutta scheme of
  Cox & Matthews (2002) with the contour-integral evaluation of its coefficients of
  Kassam & Trefethen (2005). The stiff diffusion ``nu u_xx`` is integrated exactly, so
  only the advective CFL limit applies; the default step is
  ``dt = cfl * dx / max|u0|`` (``max|u|`` cannot grow, by the maximum principle).
  Fourth-order accurate in time.

The computation can run on a finer internal grid (``nx_internal``, a multiple of
``len(x)``) and is then sampled back onto ``x``; an array ``u0`` is Fourier-interpolated
onto the internal grid. This is useful for small ``nu`` where steep fronts need more
resolution than the output grid provides.
"""

from __future__ import annotations

import numpy as np

from examples.references import etdrk4

__all__ = ["solve_burgers"]


def _fourier_resample(u: np.ndarray, n_new: int) -> np.ndarray:
    """Trigonometric interpolation of periodic samples ``u`` onto ``n_new >= len(u)`` points."""
    n = u.size
    if n_new == n:
        return u.copy()
    coeffs = np.fft.rfft(u)
    if n % 2 == 0:
        coeffs[-1] *= 0.5  # split the Nyquist mode symmetrically between +-n/2
    padded = np.zeros(n_new // 2 + 1, dtype=complex)
    padded[: coeffs.size] = coeffs
    return np.fft.irfft(padded, n_new) * (n_new / n)


def solve_burgers(
    u0,
    x,
    t,
    nu: float = 0.01 / np.pi,
    *,
    nx_internal: int | None = None,
    dt: float | None = None,
    cfl: float = 0.5,
) -> np.ndarray:
    """Solve periodic viscous Burgers ``u_t + u u_x = nu u_xx`` on ``[0, 1)``.

    Parameters
    ----------
    u0:
        Initial condition: values on ``x`` or a callable ``u0(x)`` (evaluated on the
        internal grid).
    x:
        Uniform periodic grid on ``[0, 1)`` with spacing ``1 / len(x)`` (endpoint excluded).
    t:
        Increasing output times, ``t[0] >= 0``; the state at ``t = 0`` is ``u0``.
    nu:
        Viscosity.
    nx_internal:
        Number of internal grid points, a multiple of ``len(x)`` (default ``len(x)``).
    dt:
        Maximum internal time step. Default ``cfl * dx_internal / max|u0|``. Each output
        interval is split into equal steps no longer than this.
    cfl:
        Advective Courant number used for the default ``dt``.

    Returns
    -------
    ndarray of shape ``(len(t), len(x))`` with ``u(t_j, x_i)`` at ``[j, i]``.
    """
    x = np.asarray(x, dtype=float)
    t = np.asarray(t, dtype=float)
    n_out = x.size
    if x.ndim != 1 or n_out < 4:
        raise ValueError("x must be a 1-D grid with at least 4 points")
    if not np.allclose(np.diff(x), 1.0 / n_out, rtol=1e-10, atol=0.0):
        raise ValueError("x must be uniform with spacing 1/len(x) (periodic, endpoint excluded)")
    if t.ndim != 1 or t.size < 1 or t[0] < 0 or np.any(np.diff(t) <= 0):
        raise ValueError("t must be a non-empty, strictly increasing array with t[0] >= 0")
    n = n_out if nx_internal is None else int(nx_internal)
    if n % n_out != 0:
        raise ValueError("nx_internal must be a multiple of len(x)")
    stride = n // n_out
    x_int = x[0] + np.arange(n) / n

    if callable(u0):
        u = np.asarray(u0(x_int), dtype=float).reshape(n)
    else:
        u0 = np.asarray(u0, dtype=float)
        if u0.shape != x.shape:
            raise ValueError(f"u0 has shape {u0.shape}, expected {x.shape}")
        u = _fourier_resample(u0, n)

    wavenumber = 2.0 * np.pi * np.fft.rfftfreq(n, d=1.0 / n)  # 2 pi m, m = 0..n/2
    mode = np.arange(wavenumber.size)
    dealias = 3 * mode < n
    lin = -nu * wavenumber**2
    nonlin_factor = np.where(dealias, -0.5j * wavenumber, 0.0)

    def nonlinear(v_hat: np.ndarray) -> np.ndarray:
        return nonlin_factor * np.fft.rfft(np.fft.irfft(v_hat, n) ** 2)

    if dt is None:
        u_max = max(np.max(np.abs(u)), 1e-12)
        dt = cfl * (1.0 / n) / u_max
    if dt <= 0:
        raise ValueError("dt must be positive")

    return etdrk4.integrate(np.fft.rfft(u), lin, nonlinear, t, dt, n, stride, n_out)
