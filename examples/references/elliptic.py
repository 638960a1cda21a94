"""Reference solvers for the grid operator-learning examples, in NumPy/SciPy only.

1. ``sample_torus_grf``: Gaussian random fields on the unit torus, sampled in Fourier
   space on an ``n x n`` grid: coefficients ``~ N(0, s^2 (4 pi^2 |k|^2 + tau^2)^-alpha)``,
   band-limited (no Nyquist mode), real, zero mean.
2. ``solve_torus``: ``-div(a grad u) + u = f`` on ``[0, 1)^2`` (periodic) with ``a = exp(g)``,
   where ``g`` and ``f`` are the trigonometric interpolants of their ``n x n`` samples. A
   Fourier pseudo-spectral discretisation on an ``r n x r n`` grid (``g`` and ``f``
   interpolated there exactly by zero-padding their spectra), solved by conjugate
   gradients preconditioned with ``(mean(a) |k|^2 + 1)^-1`` to a relative residual of
   ``1e-13``; the solution is returned at the ``n x n`` points. Its error is estimated
   by the change from ``r / 2`` to ``r``.
3. ``solve_square``: ``-div(a grad u) = f`` on ``[0, 1]^2`` with ``u = 0`` on the boundary,
   ``a = exp(s)``, ``s`` the not-a-knot cubic spline of ``n x n`` samples of ``g`` (both
   ends included; ``scipy.interpolate.make_interp_spline`` along each axis), and ``f`` a
   function of ``(x, y)``. Conservative 5-point finite differences (``a`` at the cell
   faces) on meshes ``fine`` and ``2 fine`` times finer, Richardson-extrapolated
   (``(4 u_2m - u_m) / 3``) at the ``n x n`` points; error estimated from the change of
   the extrapolation from one level coarser.

Grids use ``Y, X = meshgrid(t, t, indexing="ij")``: ``x`` along the last axis.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from scipy.interpolate import make_interp_spline

__all__ = ["sample_torus_grf", "solve_square", "solve_torus", "spline_coefficient"]


def sample_torus_grf(n_samples, n, alpha=2.5, tau=6.0, scale=None, seed=None):
    """``(n_samples, n, n)`` samples of a periodic GRF on ``[0, 1)^2`` at ``j / n``.

    The default ``scale`` gives unit pointwise standard deviation.
    """
    rng = np.random.default_rng(seed)
    k = np.fft.fftfreq(n, 1 / n)
    kk = 4 * np.pi**2 * (k[:, None] ** 2 + k[None, :] ** 2)
    spectrum = (kk + tau**2) ** (-alpha / 2)
    spectrum[0, 0] = 0.0
    if n % 2 == 0:
        spectrum[n // 2, :] = spectrum[:, n // 2] = 0.0
    if scale is None:
        scale = 1.0 / np.sqrt(np.sum(spectrum**2))
    noise = rng.standard_normal((n_samples, n, n))
    # White noise filtered by the spectrum: the real field has the wanted covariance.
    field = np.fft.ifft2(np.fft.fft2(noise) * spectrum * scale).real * n
    return field


def _resample(values, m):
    """The trigonometric interpolant of ``(..., n, n)`` periodic samples, at ``m x m``."""
    n = values.shape[-1]
    spectrum = np.fft.fft2(values)
    if n % 2 == 0:  # the Nyquist mode is the cosine: split it evenly between +-n/2
        spectrum[..., n // 2, :] /= 2
        spectrum[..., :, n // 2] /= 2
    padded = np.zeros((*values.shape[:-2], m, m), complex)
    half = n // 2
    # Fine modes 0..half and -half..-1 take the coarse ones (for even n the Nyquist mode,
    # halved, goes to both +half and -half).
    index = np.r_[0 : half + 1, m - half : m]
    source = np.r_[0 : half + 1, n - half : n]
    padded[..., index[:, None], index[None, :]] = spectrum[..., source[:, None], source[None, :]]
    return np.fft.ifft2(padded).real * (m / n) ** 2


def _torus_solve(a, f, tol=1e-13, max_iter=5000):
    """CG for the pseudo-spectral ``-div(a grad u) + u = f`` on an ``m x m`` periodic grid."""
    m = a.shape[-1]
    k = 2 * np.pi * np.fft.fftfreq(m, 1 / m)
    k[m // 2] = 0.0  # derivative of the Nyquist mode: zero (keeps the operator symmetric)
    kx, ky = k[None, :], k[:, None]

    def apply(u):
        spectrum = np.fft.fft2(u)
        ux = np.fft.ifft2(1j * kx * spectrum).real
        uy = np.fft.ifft2(1j * ky * spectrum).real
        div = 1j * kx * np.fft.fft2(a * ux) + 1j * ky * np.fft.fft2(a * uy)
        return -np.fft.ifft2(div).real + u

    mean_a = a.mean(axis=(-2, -1), keepdims=True)
    symbol = mean_a * (kx**2 + ky**2) + 1.0

    def precondition(r):
        return np.fft.ifft2(np.fft.fft2(r) / symbol).real

    u = precondition(f)
    r = f - apply(u)
    z = precondition(r)
    p = z.copy()
    rz = np.sum(r * z, axis=(-2, -1), keepdims=True)
    norm = np.sqrt(np.sum(f**2, axis=(-2, -1), keepdims=True))
    for _ in range(max_iter):
        if np.all(np.sqrt(np.sum(r**2, axis=(-2, -1), keepdims=True)) <= tol * norm):
            return u
        q = apply(p)
        alpha = rz / np.sum(p * q, axis=(-2, -1), keepdims=True)
        u = u + alpha * p
        r = r - alpha * q
        z = precondition(r)
        rz_new = np.sum(r * z, axis=(-2, -1), keepdims=True)
        p = z + rz_new / rz * p
        rz = rz_new
    raise RuntimeError("conjugate gradients did not converge")


def solve_torus(g, f, refine=4):
    """``u`` at the ``n x n`` points for ``a = exp(g)``; and the estimated max error.

    g, f: ``(batch, n, n)`` samples at ``(j / n, i / n)``.
    """
    g, f = np.asarray(g, float), np.asarray(f, float)
    n = g.shape[-1]
    solutions = []
    for r in (refine // 2, refine):
        m = r * n
        u = _torus_solve(np.exp(_resample(g, m)), _resample(f, m))
        solutions.append(u[..., ::r, ::r])
    return solutions[1], float(np.max(np.abs(solutions[1] - solutions[0])))


def _square_fd(a_fn, f_fn, m):
    """Conservative 5-point FD on an ``(m + 1)^2`` mesh of the unit square; u at the mesh."""
    h = 1.0 / m
    t = np.linspace(0.0, 1.0, m + 1)
    inner = t[1:-1]
    mid = (t[:-1] + t[1:]) / 2
    # Face coefficients: x-faces at (mid_j, t_i), y-faces at (t_j, mid_i).
    ax = a_fn(mid[None, :], inner[:, None])  # (m - 1, m): between columns j and j + 1
    ay = a_fn(inner[None, :], mid[:, None])  # (m, m - 1): between rows i and i + 1
    k = m - 1
    idx = np.arange(k * k).reshape(k, k)
    rows, cols, vals = [], [], []
    diag = (ax[:, :-1] + ax[:, 1:] + ay[:-1, :] + ay[1:, :]) / h**2
    rows.append(idx.ravel())
    cols.append(idx.ravel())
    vals.append(diag.ravel())
    for di, dj, w in (
        (0, 1, ax[:, 1:-1]),  # east neighbour of (i, j) for j < k - 1
        (1, 0, ay[1:-1, :]),  # north
    ):
        here = idx[: k - di, : k - dj]
        there = idx[di:, dj:]
        rows += [here.ravel(), there.ravel()]
        cols += [there.ravel(), here.ravel()]
        vals += [-w.ravel() / h**2, -w.ravel() / h**2]
    matrix = sp.csc_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(k * k,) * 2
    )
    Y, X = np.meshgrid(inner, inner, indexing="ij")
    u = np.zeros((m + 1, m + 1))
    u[1:-1, 1:-1] = spla.spsolve(matrix, f_fn(X, Y).ravel()).reshape(k, k)
    return u


def solve_square(g_samples, f_fn, fine=2):
    """``u`` at the ``n x n`` points of the Dirichlet problem; and the estimated max error.

    g_samples: ``(batch, n, n)`` samples of ``g`` at ``(j / (n - 1), i / (n - 1))``.
    f_fn: ``f(x, y)`` on NumPy arrays.
    """
    out, errors = [], []
    for samples in np.asarray(g_samples, float):
        spline = spline_coefficient(samples)

        def a_fn(x, y, spline=spline):
            return np.exp(spline(x, y))

        n = samples.shape[-1] - 1
        levels = {r: _square_fd(a_fn, f_fn, r * n)[::r, ::r] for r in (fine // 2, fine, 2 * fine)}
        coarse = (4 * levels[fine] - levels[fine // 2]) / 3
        best = (4 * levels[2 * fine] - levels[fine]) / 3
        out.append(best)
        errors.append(np.max(np.abs(best - coarse)) / 16)  # an O(h^4) error, at h / 2
    return np.stack(out), float(max(errors))


def spline_coefficient(samples):
    """The not-a-knot tensor spline of ``(n, n)`` samples on ``[0, 1]^2``, as ``a(x, y)``.

    ``x`` and ``y`` are tensor grids (``x`` varying along axis 1, ``y`` along axis 0, or
    broadcastable rows and columns); the result has shape ``(len(y), len(x))``.
    """
    t = np.linspace(0.0, 1.0, samples.shape[-1])
    along_y = make_interp_spline(t, samples, k=3, axis=0)

    def a(x, y):
        xs, ys = np.asarray(x, float)[0, :], np.asarray(y, float)[:, 0]
        rows = along_y(ys)  # (len(ys), n)
        return make_interp_spline(t, rows, k=3, axis=1)(xs)

    return a
