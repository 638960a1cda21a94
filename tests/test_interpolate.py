"""pdecomp.interpolate: Fourier exact on trigonometric data, spline at its stated order.

Both backends, float64. References: the trigonometric polynomial itself (values and
derivatives in closed form), SciPy's not-a-knot ``make_interp_spline`` (an independent
implementation of the same spline), and the exact function for the convergence orders.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.interpolate import make_interp_spline

from pdecomp import interpolate
from tests.conftest import BACKENDS

L = (2.0, 1.0)  # periods in x and y
KX, KY = 2 * math.pi / L[0], 2 * math.pi / L[1]
NX, NY = 16, 12  # even sizes: the x-Nyquist mode (8 KX) is present in the data


def trig(x, y, lib, d=(0, 0)):
    """``sin(3 KX x) cos(2 KY y) + cos(8 KX x) + 0.5 sin(KY y + 1)``, differentiated ``d``."""

    def ds(k, x, n):  # d^n/dx^n sin(k x)
        return k**n * lib.sin(k * x + n * math.pi / 2)

    def dc(k, x, n):
        return k**n * lib.cos(k * x + n * math.pi / 2)

    out = ds(3 * KX, x, d[0]) * dc(2 * KY, y, d[1])
    if d[1] == 0:
        out = out + dc(8 * KX, x, d[0])
    if d[0] == 0:
        out = out + 0.5 * ds(KY, y + 1 / KY, d[1])
    return out


class Torch:
    name = "torch"

    def __init__(self):
        import torch

        self.torch = torch
        self.lib = torch

    def array(self, a):
        return self.torch.as_tensor(np.asarray(a), dtype=self.torch.float64)

    def numpy(self, a):
        return a.detach().numpy()

    def zcs(self, fn, X, Y, orders):
        """d^orders/dz of sum(fn(X + zx, Y + zy)), per pixel: the ZCS weights trick."""
        torch = self.torch
        zs = [torch.zeros((), dtype=torch.float64, requires_grad=True) for _ in range(2)]
        u = fn(X + zs[0], Y + zs[1])
        w = torch.ones_like(u, requires_grad=True)
        omega = (w * u).sum()
        for k, n in enumerate(orders):
            for _ in range(n):
                (omega,) = torch.autograd.grad(omega, zs[k], create_graph=True)
        (out,) = torch.autograd.grad(omega, w)
        return out.numpy()

    def leaves(self, fn, X, Y):
        """Per-point gradient in x, coordinates as leaves."""
        X = X.clone().requires_grad_()
        (g,) = self.torch.autograd.grad(fn(X, Y).sum(), X)
        return g.numpy()

    def fwd(self, fn, X, Y, k, n):
        """n-th derivative in coordinate k by nested torch.func.jvp with all-ones tangents."""
        torch = self.torch

        def at(z):
            return fn(X + z, Y) if k == 0 else fn(X, Y + z)

        f = at
        for _ in range(n):
            f = (lambda g: lambda z: torch.func.jvp(g, (z,), (torch.ones(()),))[1])(f)
        return f(torch.zeros((), dtype=torch.float64)).detach().numpy()


class Jax:
    name = "jax"

    def __init__(self):
        import jax
        import jax.numpy as jnp

        self.jax, self.lib = jax, jnp

    def array(self, a):
        return self.lib.asarray(np.asarray(a), dtype=self.lib.float64)

    def numpy(self, a):
        return np.asarray(a)

    def zcs(self, fn, X, Y, orders):
        jax = self.jax

        def omega(w, zx, zy):
            return (w * fn(X + zx, Y + zy)).sum()

        f = omega
        for k, n in enumerate(orders):
            for _ in range(n):
                f = jax.grad(f, argnums=1 + k)
        w = self.lib.ones(fn(X, Y).shape)
        return np.asarray(jax.grad(f)(w, 0.0, 0.0))

    def leaves(self, fn, X, Y):
        return np.asarray(self.jax.grad(lambda X: fn(X, Y).sum())(X))

    def fwd(self, fn, X, Y, k, n):
        jax = self.jax

        def at(z):
            return fn(X + z, Y) if k == 0 else fn(X, Y + z)

        f = at
        for _ in range(n):
            f = (lambda g: lambda z: jax.jvp(g, (z,), (1.0,))[1])(f)
        return np.asarray(f(0.0))


@pytest.fixture(params=BACKENDS)
def fw(request):
    if request.param == "jax":
        import jax

        jax.config.update("jax_enable_x64", True)
        return Jax()
    return Torch()


def periodic_grid(shift=(0.0, 0.0)):
    x = np.arange(NX) * L[0] / NX + shift[0]
    y = np.arange(NY) * L[1] / NY + shift[1]
    Y, X = np.meshgrid(y, x, indexing="ij")
    return X, Y


def test_fourier_is_exact_on_trigonometric_data(fw):
    X, Y = periodic_grid()
    data = np.stack([trig(X, Y, np), 2 * trig(X, Y, np)])  # a batch of two
    g = interpolate.fourier(fw.array(data), L)
    rng = np.random.default_rng(0)
    P, Q = rng.uniform(-3, 3, (2, 5, 7))  # anywhere: the interpolant is periodic
    for d in [(0, 0), (1, 0), (0, 1), (2, 1), (0, 3), (4, 0)]:
        exact = trig(P, Q, np, d)
        got = fw.numpy(g.derivative(*d)(fw.array(P), fw.array(Q)))
        assert got.shape == (2, 5, 7)
        scale = max(1.0, float(np.abs(exact).max()))
        assert np.abs(got[0] - exact).max() < 1e-11 * scale, d
        assert np.abs(got[1] - 2 * exact).max() < 2e-11 * scale, d
    # The shifted grid (one FFT) gives the same values as the dense sum at those points.
    Xs, Ys = periodic_grid((0.123, -0.4))
    got = fw.numpy(g(fw.array(Xs), fw.array(Ys)))[0]
    assert np.abs(got - trig(Xs, Ys, np)).max() < 1e-12


@pytest.mark.parametrize("orders", [(1, 0), (0, 1), (2, 0), (1, 1), (0, 2)])
def test_fourier_zcs_derivatives_on_a_shifted_grid(fw, orders):
    X, Y = periodic_grid((0.05, 0.3))
    g = interpolate.fourier(fw.array(trig(*periodic_grid(), np)), L)
    got = fw.zcs(g, fw.array(X), fw.array(Y), orders)
    exact = trig(X, Y, np, orders)
    assert np.abs(got - exact).max() < 1e-9 * max(1.0, np.abs(exact).max())


def test_fourier_per_point_leaves_and_forward_mode(fw):
    """Points as leaves get the pointwise derivative; nested forward mode is exact too."""
    X, Y = periodic_grid((0.2, 0.0))
    g = interpolate.fourier(fw.array(trig(*periodic_grid(), np)), L)
    got = fw.leaves(g, fw.array(X), fw.array(Y))
    assert np.abs(got - trig(X, Y, np, (1, 0))).max() < 1e-11 * 8 * KX
    second = fw.fwd(g, fw.array(X), fw.array(Y), 1, 2)
    exact = trig(X, Y, np, (0, 2))
    assert np.abs(second - exact).max() < 1e-9 * np.abs(exact).max()


def test_fourier_axes_and_origin(fw):
    """Coordinate order vs data axes, and a grid that starts elsewhere."""
    X, Y = periodic_grid()
    data = trig(X - 0.5, Y + 0.25, np).T  # (NX, NY): x along axis -2
    g = interpolate.fourier(fw.array(data), L, origins=(-0.5, 0.25), axes=(-2, -1))
    P, Q = np.random.default_rng(1).uniform(0, 1, (2, 9))
    assert np.abs(fw.numpy(g(fw.array(P), fw.array(Q))) - trig(P, Q, np)).max() < 1e-12


def smooth(x, y, lib, d=(0, 0)):
    """``exp(x) sin(2 y)``, differentiated ``d`` times."""
    sy = [lib.sin(2 * y), 2 * lib.cos(2 * y), -4 * lib.sin(2 * y), -8 * lib.cos(2 * y)]
    return lib.exp(x) * sy[d[1]]


def square_grid(n, lo=(0.0, -1.0), hi=(1.0, 1.0)):
    x, y = np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n)
    Y, X = np.meshgrid(y, x, indexing="ij")
    return X, Y


def test_spline_matches_scipy_not_a_knot(fw):
    """The same interpolant as SciPy's tensor-product not-a-knot spline, to round-off."""
    X, Y = square_grid(9)
    data = smooth(X, Y, np) + 0.3 * np.cos(5 * X * Y)
    s = interpolate.spline(fw.array(data), [(0.0, 1.0), (-1.0, 1.0)])
    x, y = X[0], Y[:, 0]
    ref = make_interp_spline(y, data, k=3, axis=0)
    P, Q = np.random.default_rng(2).uniform((0, -1), (1, 1), (40, 2)).T
    along_x = ref(Q)  # (40, 9): spline in y at each x-sample
    expected = [make_interp_spline(x, row, k=3)(p) for row, p in zip(along_x, P)]
    assert np.abs(fw.numpy(s(fw.array(P), fw.array(Q))) - expected).max() < 1e-12
    expected_x = [make_interp_spline(x, row, k=3).derivative()(p) for row, p in zip(along_x, P)]
    got_x = fw.numpy(s.derivative(1, 0)(fw.array(P), fw.array(Q)))
    assert np.abs(got_x - expected_x).max() < 1e-11


def test_spline_convergence_orders(fw):
    """Values O(h^4), first derivatives O(h^3), second O(h^2), on smooth data."""
    rng = np.random.default_rng(3)
    P, Q = rng.uniform((0, -1), (1, 1), (200, 2)).T
    errors = {d: [] for d in [(0, 0), (1, 0), (0, 1), (1, 1), (2, 0), (0, 2)]}
    for n in (17, 33, 65):
        X, Y = square_grid(n)
        s = interpolate.spline(fw.array(smooth(X, Y, np)), [(0.0, 1.0), (-1.0, 1.0)])
        for d in errors:
            got = fw.numpy(s.derivative(*d)(fw.array(P), fw.array(Q)))
            errors[d].append(np.abs(got - smooth(P, Q, np, d)).max())
    expected = {0: 4, 1: 3, 2: 2}
    for d, e in errors.items():
        orders = np.log2(np.array(e[:-1]) / np.array(e[1:]))
        assert np.all(orders > expected[max(d)] - 0.3), (d, orders)


def test_spline_autodiff_equals_its_derivative_interpolant(fw):
    """ZCS on a grid and per-point leaves both differentiate the spline exactly."""
    X, Y = square_grid(12)
    s = interpolate.spline(fw.array(smooth(X, Y, np)), [(0.0, 1.0), (-1.0, 1.0)])
    Xa, Ya = fw.array(X), fw.array(Y)
    for d in [(1, 0), (0, 2), (1, 1)]:
        assert np.abs(fw.zcs(s, Xa, Ya, d) - fw.numpy(s.derivative(*d)(Xa, Ya))).max() < 1e-10
    assert np.abs(fw.leaves(s, Xa, Ya) - fw.numpy(s.derivative(1, 0)(Xa, Ya))).max() < 1e-12


def test_jax_interpolants_under_jit_and_vmap():
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    X, Y = periodic_grid()
    data = jnp.asarray(np.stack([trig(X, Y, np)] * 3))

    @jax.jit
    def second(data, z):  # the interpolant is built inside jit, from traced data
        g = interpolate.fourier(data, L)
        return jax.grad(jax.grad(lambda z: g(X + z, Y).sum()))(z)

    exact = 3 * trig(X, Y, np, (2, 0)).sum()
    assert abs(float(second(data, 0.0)) - exact) < 1e-9 * np.abs(trig(X, Y, np, (2, 0))).sum()
    g = interpolate.fourier(data[0], L)
    points = jnp.asarray(np.random.default_rng(4).uniform(0, 2, (5, 2)))
    values = jax.vmap(lambda p: g(p[0], p[1]))(points)
    assert np.abs(np.asarray(values) - trig(points[:, 0], points[:, 1], np)).max() < 1e-12


def test_bad_arguments_are_named():
    import torch

    with pytest.raises(TypeError, match="torch.Tensor or a jax.Array"):
        interpolate.fourier(np.zeros((4, 4)), (1.0, 1.0))
    with pytest.raises(ValueError, match="axes"):
        interpolate.fourier(torch.zeros(4, 4), (1.0, 1.0), axes=(-1, -1))
    with pytest.raises(ValueError, match="lengths"):
        interpolate.fourier(torch.zeros(4, 4), (1.0, -1.0))
    with pytest.raises(ValueError, match="at least 4 points"):
        interpolate.spline(torch.zeros(3, 5), [(0, 1), (0, 1)])
    with pytest.raises(ValueError, match="lo < hi"):
        interpolate.spline(torch.zeros(5, 5), [(0, 1), (1, 0)])
    g = interpolate.fourier(torch.zeros(4, 4, dtype=torch.float64), (1.0, 1.0))
    with pytest.raises(TypeError, match="expected 2 coordinate"):
        g(torch.zeros(3))
