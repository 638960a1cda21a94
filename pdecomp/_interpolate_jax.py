"""The JAX implementation of :mod:`pdecomp.interpolate` (imported only for JAX data).

Input: an array of grid samples and its :class:`pdecomp.interpolate.Grid`. Output: pure
functions of the points, usable under ``jax.jit``, ``jax.grad``, ``jax.jvp`` and
``jax.vmap``. When the points have the grid's shape, a ``jax.custom_jvp`` function
decides at run time (``lax.cond``) whether they are the grid shifted by one constant per
coordinate: then the values are one inverse FFT of the spectrum times ``exp(i k z)``,
otherwise the dense sum; its tangent in each point is the derivative interpolant at that
point, itself such a function, so every order is exact and costs one FFT per derivative.
"""

from __future__ import annotations

import itertools

import jax
import jax.numpy as jnp
import numpy as np
from jax.custom_derivatives import SymbolicZero

from pdecomp.interpolate import Grid, bspline_basis, spline_matrix, wavenumbers


class _Interpolant:
    def __init__(self, data, grid: Grid, orders=None):
        data = jnp.asarray(data)
        if not jnp.issubdtype(data.dtype, jnp.floating):
            raise TypeError("data must be a floating-point array")
        self.grid, self.data = grid, jax.lax.stop_gradient(data)
        self.orders = tuple(orders or (0,) * len(grid.axes))

    def derivative(self, *orders: int):
        """The interpolant of ``d^orders`` of this one (``orders``: one count per coordinate)."""
        if len(orders) != len(self.grid.axes) or any(int(o) < 0 for o in orders):
            raise ValueError(f"derivative needs {len(self.grid.axes)} counts >= 0, got {orders}")
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new.orders = tuple(a + int(b) for a, b in zip(self.orders, orders))
        return new

    def _check(self, coords):
        if len(coords) != len(self.grid.axes):
            raise TypeError(f"expected {len(self.grid.axes)} coordinate arrays, got {len(coords)}")
        coords = [jnp.asarray(c, dtype=self.data.dtype) for c in coords]
        return coords, jnp.broadcast_shapes(*(c.shape for c in coords))

    def _flat(self, coords, shape):
        return [jnp.broadcast_to(c, shape).reshape(-1) for c in coords]


class Fourier(_Interpolant):
    def __init__(self, data, grid, orders=None):
        super().__init__(data, grid, orders)
        self.spectrum = jnp.fft.fftn(self.data, axes=list(grid.axes))  # unnormalised
        self.k = [wavenumbers(n, s * n) for n, s in zip(grid.sizes, grid.steps)]
        self._cache = {}

    def __call__(self, *coords):
        coords, shape = self._check(coords)
        if tuple(shape) == self.grid.shape:
            return self._gridded(self.orders)(*coords)
        return self._dense(self.orders, coords, shape)

    def _factor(self, k: int, order: int, x):
        """``(i kappa)^order exp(i kappa x)`` per wavenumber (Nyquist: its real part)."""
        kappa, nyquist = self.k[k]
        kappa = jnp.asarray(kappa, x.dtype)  # float32 data stays float32 (complex64)
        value = jnp.exp(1j * kappa * x[..., None])
        for _ in range(order):
            value = value * (1j * kappa)
        if nyquist is not None:
            real = np.zeros(len(kappa), bool)
            real[nyquist] = True
            value = jnp.where(real, value.real.astype(value.dtype), value)
        return value

    def _gridded(self, orders):
        """The custom-jvp function for the derivative ``orders`` on grid-shaped points."""
        if orders in self._cache:
            return self._cache[orders]

        @jax.custom_jvp
        def at(*coords):
            eps = jnp.finfo(self.data.dtype).eps
            shifts, ok = [], True
            for k, c in enumerate(coords):
                grid = jnp.asarray(self.grid.points(k), self.data.dtype)
                offset = jnp.broadcast_to(c - grid, self.grid.shape)
                z = offset.reshape(-1)[0]
                scale = abs(self.grid.origins[k]) + self.grid.steps[k] * self.grid.sizes[k]
                ok = ok & (jnp.max(jnp.abs(offset - z)) <= 64 * eps * (scale + jnp.abs(z)))
                shifts.append(z.astype(self.data.dtype))
            return jax.lax.cond(
                ok,
                lambda: self._on_grid(orders, shifts),
                lambda: self._dense(orders, coords, self.grid.shape),
            )

        def at_jvp(primals, tangents):
            out = at(*primals)
            tangent = None
            for k, t in enumerate(tangents):
                if isinstance(t, SymbolicZero):  # a coordinate that does not move: skip it
                    continue
                up = tuple(o + (i == k) for i, o in enumerate(orders))
                term = self._gridded(up)(*primals) * t
                tangent = term if tangent is None else tangent + term
            return out, jnp.zeros_like(out) if tangent is None else tangent.astype(out.dtype)

        at.defjvp(at_jvp, symbolic_zeros=True)

        self._cache[orders] = at
        return at

    def _on_grid(self, orders, shifts):
        """The derivative ``orders`` at the grid shifted by ``shifts``: one inverse FFT."""
        spectrum = self.spectrum
        for k, axis in enumerate(self.grid.axes):
            shape = [1] * len(self.grid.axes)
            shape[axis] = -1
            spectrum = spectrum * self._factor(k, orders[k], shifts[k]).reshape(shape)
        return jnp.fft.ifftn(spectrum, axes=list(self.grid.axes)).real.astype(self.data.dtype)

    def _dense(self, orders, coords, shape):
        """At any points: the sum over all modes, differentiable by JAX."""
        d = len(self.grid.axes)
        letters = "abcdefgh"[:d]
        terms, operands = [], [self.spectrum / float(np.prod(self.grid.sizes))]
        for k, x in enumerate(self._flat(coords, shape)):
            operands.append(self._factor(k, orders[k], x - self.grid.origins[k]))
            terms.append("p" + letters[d + self.grid.axes[k]])
        out = jnp.einsum(f"...{letters},{','.join(terms)}->...p", *operands).real
        out = out.astype(self.data.dtype)
        return out.reshape(*out.shape[:-1], *shape)


class Spline(_Interpolant):
    def __init__(self, data, grid, orders=None):
        super().__init__(data, grid, orders)
        coef = self.data
        for axis, n in zip(grid.axes, grid.sizes):
            m = jnp.asarray(spline_matrix(n), dtype=coef.dtype)
            coef = jnp.moveaxis(jnp.tensordot(coef, m, axes=([axis], [1])), -1, axis)
        self.coef = coef  # (*batch, n_k + 2 along each grid axis)

    def __call__(self, *coords):
        coords, shape = self._check(coords)
        d = len(self.grid.axes)
        index, basis = [None] * d, []
        for k, x in enumerate(self._flat(coords, shape)):
            s = (x - self.grid.origins[k]) / self.grid.steps[k]
            cell = jnp.clip(jnp.floor(jax.lax.stop_gradient(s)), 0, self.grid.sizes[k] - 2)
            pieces = bspline_basis(s - cell, self.orders[k], jnp)
            index[k] = cell.astype(jnp.int32)
            basis.append([p / self.grid.steps[k] ** self.orders[k] for p in pieces])
        out = 0
        for offsets in itertools.product(range(4), repeat=d):
            where = [None] * d
            weight = 1
            for k, j in enumerate(offsets):
                where[d + self.grid.axes[k]] = index[k] + j
                weight = weight * basis[k][j]
            out = out + self.coef[(Ellipsis, *where)] * weight
        return out.reshape(*out.shape[:-1], *shape)
