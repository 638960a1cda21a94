"""Shiftable interpolants of data sampled on uniform grids, for torch and JAX.

Input: an array of samples on a uniform grid (torch tensor or JAX array; leading axes are
a batch, the trailing ``d`` axes the grid). Output: a callable ``g(x0, ..., x_{d-1})``
that evaluates the interpolant at any points, differentiable to every order in the points
by the framework's own autodiff (reverse and forward mode), so that a `functions` name of
a `.pde` file or a grid model's data channel moves with the Zero Coordinate Shift.

- :func:`fourier`: periodic data on ``[origin, origin + L)`` (no endpoint), the
  trigonometric interpolant. Exact under any shift; derivatives spectral. At the grid
  shifted by one constant per coordinate (the ZCS case) a call costs one FFT, however
  often it is differentiated; at other points it is a dense sum.
- :func:`spline`: non-periodic data on ``[lo, hi]`` (both ends sampled), the not-a-knot
  cubic B-spline interpolant: C², error ``O(h^4)`` in the values, ``O(h^3)`` in first
  and ``O(h^2)`` in second derivatives; third derivatives are piecewise constant (one
  side at the knots), fourth and higher are zero.

Coordinate ``k`` runs along data axis ``-(k + 1)`` unless ``axes`` says otherwise: with
``Y, X = meshgrid(y, x, indexing="ij")`` and data of shape ``(B, H, W)``, ``x`` is along
``W`` and ``y`` along ``H``. The data are constants: no gradient flows into them. The
framework is imported only when an interpolant is built for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["fourier", "spline"]


@dataclass(frozen=True)
class Grid:
    """A uniform grid: per coordinate, its data axis (negative), size, first point, step."""

    axes: tuple[int, ...]
    sizes: tuple[int, ...]
    origins: tuple[float, ...]
    steps: tuple[float, ...]
    periodic: bool

    def points(self, k: int) -> np.ndarray:
        """Coordinate k at the grid points, shaped to broadcast over the trailing axes."""
        shape = [1] * len(self.axes)
        shape[self.axes[k]] = self.sizes[k]
        return (self.origins[k] + self.steps[k] * np.arange(self.sizes[k])).reshape(shape)

    @property
    def shape(self) -> tuple[int, ...]:
        """The trailing (grid) shape of the data."""
        shape = [0] * len(self.axes)
        for axis, n in zip(self.axes, self.sizes):
            shape[axis] = n
        return tuple(shape)


def fourier(data, lengths, origins=0.0, axes=None):
    """The trigonometric interpolant of periodic samples on a uniform grid.

    data: ``(*batch, *grid)`` samples at ``origin_k + j L_k / n_k``, ``j = 0 .. n_k - 1``
        (the endpoint ``origin_k + L_k`` is the first point again and is not included).
    lengths: the period ``L_k`` of each coordinate (a number for one coordinate).
    origins: the first grid point of each coordinate (default 0).
    axes: the data axis of each coordinate (negative; default ``-1, -2, ...``).

    Returns a callable ``g(*coords)`` (one array per coordinate, broadcastable to a
    common shape ``P``) giving ``(*batch, *P)``; ``g.derivative(*orders)`` is the
    interpolant of a derivative. For even ``n`` the Nyquist mode is the cosine, so the
    interpolant is real everywhere.
    """
    lengths = _per_coord(lengths, None, "lengths")
    grid = _grid(data, lengths, origins, axes, periodic=True)
    return _backend(data).Fourier(data, grid)


def spline(data, bounds, axes=None):
    """The not-a-knot cubic B-spline interpolant of samples on a uniform grid.

    data: ``(*batch, *grid)`` samples at ``lo_k + j (hi_k - lo_k) / (n_k - 1)`` (both
        ends included), ``n_k >= 4``.
    bounds: ``(lo, hi)`` for one coordinate, or one pair per coordinate.
    axes: as for :func:`fourier`.

    Returns a callable as :func:`fourier` does. Outside ``[lo, hi]`` the end cubics are
    continued (smoothly).
    """
    if len(bounds) == 2 and np.ndim(bounds[0]) == 0:
        bounds = (bounds,)
    lo = tuple(float(b[0]) for b in bounds)
    hi = tuple(float(b[1]) for b in bounds)
    if any(h <= low for low, h in zip(lo, hi)):
        raise ValueError(f"bounds must have lo < hi, got {list(zip(lo, hi))}")
    grid = _grid(data, tuple(h - low for low, h in zip(lo, hi)), lo, axes, periodic=False)
    if min(grid.sizes) < 4:
        raise ValueError(f"spline needs at least 4 points along each axis, got {grid.sizes}")
    return _backend(data).Spline(data, grid)


def _per_coord(value, d, name) -> tuple[float, ...]:
    values = tuple(float(v) for v in np.atleast_1d(np.asarray(value, dtype=float)))
    if d is not None and len(values) == 1:
        values *= d
    if d is not None and len(values) != d:
        raise ValueError(f"{name} has {len(values)} entries; expected one per coordinate ({d})")
    return values


def _grid(data, lengths, origins, axes, periodic) -> Grid:
    d = len(lengths)
    if any(not np.isfinite(v) or v <= 0 for v in lengths):
        raise ValueError(f"lengths must be positive and finite, got {list(lengths)}")
    origins = _per_coord(origins, d, "origins")
    axes = tuple(range(-1, -d - 1, -1)) if axes is None else tuple(int(a) for a in axes)
    ndim = len(getattr(data, "shape", ()))
    if len(axes) != d or sorted(axes) != list(range(-d, 0)):
        raise ValueError(
            f"axes must be the {d} trailing axes of the data (negative, each once), got {axes}"
        )
    if ndim < d:
        raise ValueError(f"data of shape {tuple(data.shape)} has fewer than {d} grid axes")
    sizes = tuple(int(data.shape[a]) for a in axes)
    steps = tuple(L / (n if periodic else n - 1) for L, n in zip(lengths, sizes))
    return Grid(axes, sizes, origins, steps, periodic)


def _backend(data):
    module = type(data).__module__.split(".")[0]
    if module == "torch":
        from pdecomp import _interpolate_torch

        return _interpolate_torch
    if module in ("jax", "jaxlib"):
        from pdecomp import _interpolate_jax

        return _interpolate_jax
    raise TypeError(
        f"data must be a torch.Tensor or a jax.Array, got {type(data).__name__} "
        "(convert it with torch.as_tensor or jax.numpy.asarray)"
    )


# ---- the framework-independent pieces ---------------------------------------------------


def wavenumbers(n: int, length: float) -> tuple[np.ndarray, int | None]:
    """Angular wavenumbers of an n-point FFT over a period, and the Nyquist index (or None)."""
    k = 2 * np.pi * np.fft.fftfreq(n, d=length / n)
    return k, (n // 2 if n % 2 == 0 else None)


def spline_matrix(n: int) -> np.ndarray:
    """``(n + 2, n)``: the not-a-knot cubic B-spline coefficients from n samples.

    Coefficient ``c_{i-1} .. c_n`` (stored from index 0) of the uniform cubic B-splines
    centred at the knots; interpolation ``(c_{i-1} + 4 c_i + c_{i+1}) / 6 = f_i`` and a
    continuous third derivative at the second and the last-but-one knot.
    """
    a = np.zeros((n + 2, n + 2))
    for i in range(n):
        a[i, i : i + 3] = (1 / 6, 4 / 6, 1 / 6)
    a[n, 0:5] = (-1, 4, -6, 4, -1)
    a[n + 1, n - 3 : n + 2] = (-1, 4, -6, 4, -1)
    return np.linalg.solve(a, np.eye(n + 2)[:, :n])


def bspline_basis(t, order: int, xp):
    """The four uniform cubic B-spline pieces on a cell (``t`` in [0, 1]), differentiated."""
    if order == 0:
        return (
            (1 - t) ** 3 / 6,
            (3 * t**3 - 6 * t**2 + 4) / 6,
            (-3 * t**3 + 3 * t**2 + 3 * t + 1) / 6,
            t**3 / 6,
        )
    if order == 1:
        return (-((1 - t) ** 2) / 2, (3 * t**2 - 4 * t) / 2, (-3 * t**2 + 2 * t + 1) / 2, t**2 / 2)
    if order == 2:
        return (1 - t, 3 * t - 2, 1 - 3 * t, t)
    one = xp.ones_like(t)
    if order == 3:
        return (-one, 3 * one, -3 * one, one)
    return (0 * one,) * 4
