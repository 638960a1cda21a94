"""ETDRK4 time stepping for periodic 1-D problems ``v_t = lin * v + nonlinear(v)`` in Fourier space.

Input: the initial spectrum (``numpy.fft.rfft`` of the values), the diagonal linear
operator, the nonlinear term (spectrum -> spectrum), the output times and the step.
Output: the solution at those times on every ``stride``-th grid point. The coefficients
are those of Cox and Matthews (2002), evaluated by the contour integral of Kassam and
Trefethen (2005); a step that divides each output interval evenly is used, and the
coefficients of each distinct step are computed once. Shared by the Burgers and
Allen-Cahn reference solvers.
"""

from __future__ import annotations

import numpy as np

_CONTOUR_POINTS = 32


def coefficients(lin: np.ndarray, dt: float):
    """ETDRK4 coefficients for the diagonal linear operator ``lin`` and step ``dt``."""
    roots = np.exp(1j * np.pi * (np.arange(1, _CONTOUR_POINTS + 1) - 0.5) / _CONTOUR_POINTS)
    lr = dt * lin[:, None] + roots[None, :]
    exp_lr = np.exp(lr)
    q = dt * np.mean((np.exp(lr / 2) - 1.0) / lr, axis=1).real
    f1 = dt * np.mean((-4.0 - lr + exp_lr * (4.0 - 3.0 * lr + lr**2)) / lr**3, axis=1).real
    f2 = dt * np.mean((2.0 + lr + exp_lr * (-2.0 + lr)) / lr**3, axis=1).real
    f3 = dt * np.mean((-4.0 - 3.0 * lr - lr**2 + exp_lr * (4.0 - lr)) / lr**3, axis=1).real
    return np.exp(dt * lin), np.exp(dt * lin / 2), q, f1, f2, f3


def integrate(v, lin, nonlinear, t, dt: float, n: int, stride: int, width: int) -> np.ndarray:
    """The solution at the times ``t`` (from 0), ``(t.size, width)``: every ``stride``-th point."""
    cache: dict[int, tuple] = {}
    out = np.empty((t.size, width))
    t_now = 0.0
    for j, t_out in enumerate(t):
        span = t_out - t_now
        if span > 0:
            n_sub = max(1, int(np.ceil(span / dt - 1e-9)))
            step = span / n_sub
            key = round(step * 2.0**60)
            if key not in cache:
                cache[key] = coefficients(lin, step)
            e, e2, q, f1, f2, f3 = cache[key]
            for _ in range(n_sub):
                nv = nonlinear(v)
                a = e2 * v + q * nv
                na = nonlinear(a)
                b = e2 * v + q * na
                nb = nonlinear(b)
                c = e2 * a + q * (2.0 * nb - nv)
                nc = nonlinear(c)
                v = e * v + nv * f1 + 2.0 * (na + nb) * f2 + nc * f3
        t_now = t_out
        out[j] = np.fft.irfft(v, n)[::stride]
    return out
