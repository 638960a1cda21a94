"""The torch implementation of :mod:`pdecomp.interpolate` (imported only for torch data).

Input: a tensor of grid samples and its :class:`pdecomp.interpolate.Grid`. Output:
callables that evaluate the interpolants at tensors of points, differentiable in the
points by autograd (``torch.autograd.grad``, double backward) and by forward mode
(``torch.func.jvp``). At the grid shifted by one constant per coordinate the Fourier
interpolant is one inverse FFT of the data's spectrum times ``exp(i k z)``, wrapped in an
``autograd.Function`` whose derivative in each point is the derivative interpolant at that
point (so per-point leaves get exact gradients too); elsewhere it is a dense sum.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch

from pdecomp.interpolate import Grid, bspline_basis, spline_matrix, wavenumbers


class _Interpolant:
    def __init__(self, data: torch.Tensor, grid: Grid, orders=None):
        if not isinstance(data, torch.Tensor) or not data.is_floating_point():
            raise TypeError("data must be a floating-point torch.Tensor")
        self.grid, self.data = grid, data.detach()
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
            raise TypeError(f"expected {len(self.grid.axes)} coordinate tensors, got {len(coords)}")
        like = {"dtype": self.data.dtype, "device": self.data.device}
        coords = [torch.as_tensor(c, **like) for c in coords]
        return coords, torch.broadcast_shapes(*(c.shape for c in coords))

    def _flat(self, coords, shape):
        return [c.expand(shape).reshape(-1) for c in coords]


class Fourier(_Interpolant):
    def __init__(self, data, grid, orders=None):
        super().__init__(data, grid, orders)
        dims = list(grid.axes)
        self.spectrum = torch.fft.fftn(self.data, dim=dims)  # unnormalised
        self.k, self.nyquist = [], []
        for n, length in zip(grid.sizes, (s * n for s, n in zip(grid.steps, grid.sizes))):
            k, nyq = wavenumbers(n, length)
            self.k.append(torch.as_tensor(k, dtype=self.data.dtype, device=self.data.device))
            self.nyquist.append(nyq)

    def __call__(self, *coords):
        coords, shape = self._check(coords)
        # Under torch.func transforms (jvp, nested) a custom Function's rule is not carried
        # to the outer levels: there, the dense sum (plain autograd ops) is used.
        wrapped = any(torch._C._functorch.is_functorch_wrapped_tensor(c) for c in coords)
        shifts = None if wrapped else self._shifts(coords, shape)
        if shifts is not None:
            return _OnShiftedGrid.apply(self, self.orders, shifts, *coords)
        return self._dense(coords, shape)

    def _factor(self, k: int, order: int, x: torch.Tensor) -> torch.Tensor:
        """``(i kappa)^order exp(i kappa x)`` per wavenumber (Nyquist: its real part)."""
        kappa = self.k[k]
        phase = torch.exp(1j * kappa * x[..., None])
        value = phase
        for _ in range(order):
            value = value * (1j * kappa)
        if self.nyquist[k] is not None:
            real = torch.zeros_like(kappa, dtype=torch.bool)
            real[self.nyquist[k]] = True
            value = torch.where(real, value.real.to(value.dtype), value)
        return value

    def _shifts(self, coords, shape):
        """The constant shift of each coordinate from the grid, or None if not a shifted grid."""
        if tuple(shape) != self.grid.shape:
            return None
        eps = torch.finfo(self.data.dtype).eps
        shifts = []
        for k, c in enumerate(coords):
            offset = c.detach() - torch.as_tensor(self.grid.points(k), dtype=c.dtype)
            z = offset.reshape(-1)[0]
            scale = abs(self.grid.origins[k]) + self.grid.steps[k] * self.grid.sizes[k]
            if float((offset - z).abs().max()) > 64 * eps * (scale + float(z.abs())):
                return None
            shifts.append(float(z))
        return tuple(shifts)

    def _on_grid(self, orders, shifts) -> torch.Tensor:
        """The derivative ``orders`` at the grid shifted by ``shifts``: one inverse FFT."""
        spectrum = self.spectrum
        for k, axis in enumerate(self.grid.axes):
            z = torch.tensor(shifts[k], dtype=self.data.dtype, device=self.data.device)
            factor = self._factor(k, orders[k], z)
            shape = [1] * len(self.grid.axes)
            shape[axis] = -1
            spectrum = spectrum * factor.reshape(shape)
        return torch.fft.ifftn(spectrum, dim=list(self.grid.axes)).real

    def _dense(self, coords, shape) -> torch.Tensor:
        """At any points: the sum over all modes, differentiable by autograd."""
        d = len(self.grid.axes)
        letters = "abcdefgh"[:d]
        terms, operands = [], [self.spectrum / float(np.prod(self.grid.sizes))]
        for k, x in enumerate(self._flat(coords, shape)):
            operands.append(self._factor(k, self.orders[k], x - self.grid.origins[k]))
            terms.append("p" + letters[d + self.grid.axes[k]])
        spec = f"...{letters},{','.join(terms)}->...p"
        out = torch.einsum(spec, *operands).real
        return out.reshape(*out.shape[:-1], *shape)


class _OnShiftedGrid(torch.autograd.Function):
    """Fourier values at a shifted grid; d/d(point) = the derivative interpolant there."""

    @staticmethod
    def forward(interp, orders, shifts, *coords):
        return interp._on_grid(orders, shifts)

    @staticmethod
    def setup_context(ctx, inputs, output):
        interp, orders, shifts, *coords = inputs
        ctx.interp, ctx.orders, ctx.shifts = interp, orders, shifts
        ctx.save_for_backward(*coords)
        ctx.save_for_forward(*coords)

    @staticmethod
    def _next(ctx, k, coords):
        orders = tuple(o + (i == k) for i, o in enumerate(ctx.orders))
        return _OnShiftedGrid.apply(ctx.interp, orders, ctx.shifts, *coords)

    @staticmethod
    def backward(ctx, grad):
        coords = ctx.saved_tensors
        grads = []
        for k, c in enumerate(coords):
            if ctx.needs_input_grad[3 + k]:
                g = grad * _OnShiftedGrid._next(ctx, k, coords)
                grads.append(g.sum_to_size(c.shape))
            else:
                grads.append(None)
        return None, None, None, *grads

    @staticmethod
    def jvp(ctx, _interp, _orders, _shifts, *tangents):
        coords = ctx.saved_tensors
        out = None
        for k, t in enumerate(tangents):
            if t is not None:
                term = _OnShiftedGrid._next(ctx, k, coords) * t
                out = term if out is None else out + term
        if out is None:
            out = torch.zeros_like(ctx.interp._on_grid(ctx.orders, ctx.shifts))
        return out


class Spline(_Interpolant):
    def __init__(self, data, grid, orders=None):
        super().__init__(data, grid, orders)
        coef = self.data
        for axis, n in zip(grid.axes, grid.sizes):
            m = torch.as_tensor(spline_matrix(n), dtype=coef.dtype, device=coef.device)
            coef = torch.tensordot(coef, m, dims=([axis], [1])).movedim(-1, axis)
        self.coef = coef  # (*batch, n_k + 2 along each grid axis)

    def __call__(self, *coords):
        coords, shape = self._check(coords)
        d = len(self.grid.axes)
        index, basis = [None] * d, []
        for k, x in enumerate(self._flat(coords, shape)):
            s = (x - self.grid.origins[k]) / self.grid.steps[k]
            cell = s.detach().floor().clamp(0, self.grid.sizes[k] - 2).long()
            pieces = bspline_basis(s - cell, self.orders[k], torch)
            index[k] = cell
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
