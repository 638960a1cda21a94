"""Torch Taylor mode (``zcs-taylor``, ``taylor-or-zcs``): the jet rules and the engine.

References: nested ``torch.autograd.grad`` per rule (float64, 1e-12), reverse ZCS and
per-point autograd for whole models (1e-10). The SymPy-manufactured checks of every
exact method (tests/test_numerics.py and friends) run both methods as well.
"""

from __future__ import annotations

import math

import pytest
import torch

import pdecomp
from pdecomp.backends.engines.torch_jet import _Frame, _Jet, _NotTaylor

ORDER = 5


@pytest.fixture(autouse=True)
def float64():
    """float64 for every tensor these tests make, and the default restored after."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


UNARY = {
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "sin": torch.sin,
    "cos": torch.cos,
    "exp": torch.exp,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "rsqrt": torch.rsqrt,
    "reciprocal": torch.reciprocal,
    "sinh": torch.sinh,
    "cosh": torch.cosh,
    "atan": torch.atan,
    "square": torch.square,
    "silu": torch.nn.functional.silu,
    "softplus": torch.nn.Softplus(),
    "Tanh module": torch.nn.Tanh(),
    "relu": torch.relu,
    "abs": torch.abs,
    "power 2.5": lambda x: x**2.5,
    "power 3": lambda x: x.pow(3),
    "two to the x": lambda x: 2**x,
    "x to the x": lambda x: x**x,
    "divided": lambda x: (1 + x) / (2 + x * x),
    "method chain": lambda x: x.sin().exp().tanh(),
}


def _nested_derivatives(f, x0, order):
    """f^(k)(x0), k = 1..order, elementwise, by nested torch.autograd.grad."""
    x = x0.clone().requires_grad_(True)
    y, out = f(x), []
    for _ in range(order):
        if y.requires_grad:
            (y,) = torch.autograd.grad(y.sum(), x, create_graph=True, allow_unused=True)
        y = torch.zeros_like(x0) if y is None or not y.requires_grad and not y.any() else y
        out.append(y)
    return out


def _line(x0, order):
    """The jet x0 + s, one direction, of the given order."""
    return _Jet(x0, [torch.ones((1, *x0.shape))] + [None] * (order - 1), _Frame(order, None))


@pytest.mark.parametrize("name", UNARY)
def test_each_rule_matches_nested_autograd_to_fifth_order(name):
    f = UNARY[name]
    # inside every function's domain, away from kinks, and not at 1: torch's own third
    # derivative of x**x there is 2, not 3 (its pow backward special-cases a unit base)
    x0 = torch.linspace(0.3, 1.7, 8)
    jet = f(_line(x0, ORDER))
    torch.testing.assert_close(jet.value, f(x0), rtol=1e-14, atol=1e-14)
    for k, exact in enumerate(_nested_derivatives(f, x0, ORDER), 1):
        got = jet.series[k - 1]
        got = torch.zeros_like(x0) if got is None else got[0] * math.factorial(k)
        torch.testing.assert_close(got.expand_as(exact), exact, rtol=1e-11, atol=1e-11)


def test_a_polynomial_has_no_nan_at_zero():
    """x**2 at x = 0: its third and higher derivatives are zero, not 0 * 0**(-1)."""
    jet = _line(torch.zeros(3), 4) ** 2
    assert jet.series[2] is None and jet.series[3] is None
    assert torch.equal(jet.series[1][0], torch.ones(3))


def test_collapsed_top_order_is_the_mix_of_the_directions():
    """Propagating mix @ c_K gives what mixing the R directions' c_K afterwards gives."""
    x0, y0 = torch.linspace(-1, 1, 5), torch.linspace(0.2, 0.9, 5)
    directions = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [1.0, -1.0]])
    mix = torch.tensor([[2.0, 2.0, -1.0, 0.5], [0.0, 1.0, 0.0, 3.0]])

    def f(x, y):
        return torch.tanh(x * y + 1) * torch.sin(x) / (2 + y * y) + torch.exp(x - y) ** 2

    def jets(frame):
        return [
            _Jet(c, [directions[:, i].reshape(4, 1)] + [None] * 3, frame)
            for i, c in enumerate((x0, y0))
        ]

    full = f(*jets(_Frame(4, None)))
    collapsed = f(*jets(_Frame(4, mix)))
    for k in range(3):
        torch.testing.assert_close(collapsed.series[k], full.series[k], rtol=1e-13, atol=1e-13)
    torch.testing.assert_close(collapsed.series[3], mix @ full.series[3], rtol=1e-13, atol=1e-13)


class Shapes(torch.nn.Module):
    """A model through the shape and reduction operations Taylor mode passes along."""

    def __init__(self):
        super().__init__()
        generator = torch.Generator().manual_seed(0)
        self.w = torch.nn.Parameter(torch.randn(3, 8, generator=generator))
        self.v = torch.nn.Parameter(torch.randn(8, 4, generator=generator))

    def forward(self, x, y):
        h = torch.cat([x.unsqueeze(-1), y[:, None], (x * y).reshape(-1, 1)], dim=1)
        h = torch.tanh(h @ self.w)  # (N, 8)
        g = torch.einsum("ni,ni->n", h, h.flip(-1))  # two operands that both move
        k = torch.stack(torch.unbind(h @ self.v, dim=-1), 0).transpose(0, 1)  # (N, 4)
        m = torch.where(x > 0, k[:, 0], k[:, 1].sin()) + k[..., 2:].sum(-1) / (3 + g**2)
        return m + h.mean(dim=1).expand(x.shape[0]) - y.exp().div(2)


class Convolved(torch.nn.Module):
    """A CNN on a grid: coordinates as channels, two convolutions (with biases)."""

    def __init__(self):
        super().__init__()
        self.a = torch.nn.Conv2d(2, 6, 3, padding=1)
        self.b = torch.nn.Conv2d(6, 1, 3, padding=1)

    def forward(self, x, y):
        h = torch.stack((x, y), 0)[None]  # (1, 2, H, W)
        return self.b(torch.tanh(self.a(h)))[0, 0]


def test_a_convolution_network_matches_reverse_zcs():
    torch.manual_seed(3)
    system = pdecomp.loads("coords x, y\nfields u\neq e: lap(lap(u)) + d(u, x, 3)")
    x, y = torch.meshgrid(torch.linspace(0, 1, 7), torch.linspace(0, 2, 6), indexing="ij")
    model = Convolved()
    reference = pdecomp.compile(system, "torch", "zcs").residuals(model, x, y)["e"]
    got = pdecomp.compile(system, "torch", "zcs-taylor").residuals(model, x, y)["e"]
    torch.testing.assert_close(got, reference, rtol=1e-10, atol=1e-10)


MIXED = "coords x, y\nfields u\neq e: d(u, x, 2) * d(u, y) + d(d(u, x), y, 2) + lap(lap(u)) + u_x"


@pytest.mark.parametrize("method", ["zcs-taylor", "taylor-or-zcs"])
def test_shape_operations_match_reverse_zcs(method):
    system = pdecomp.loads(MIXED)
    x, y = torch.linspace(-1, 1, 11), torch.linspace(0.1, 0.8, 11)
    model = Shapes()
    reference = pdecomp.compile(system, "torch", "zcs").residuals(model, x, y)["e"]
    got = pdecomp.compile(system, "torch", method).residuals(model, x, y)["e"]
    torch.testing.assert_close(got, reference, rtol=1e-10, atol=1e-10)


def test_deeponet_layout_and_gradients_match_reverse_zcs():
    """(M, N) outputs through an einsum with a branch; the weight gradients agree too."""
    generator = torch.Generator().manual_seed(1)
    trunk = torch.nn.Sequential(
        torch.nn.Linear(2, 16), torch.nn.SiLU(), torch.nn.Linear(16, 16), torch.nn.Tanh()
    )
    branch = torch.randn(4, 16, generator=generator)

    def model(x, y):
        return torch.einsum("mi,ni->mn", branch, trunk(torch.stack((x, y), -1))) + 0.1

    system = pdecomp.loads("coords x, y\nfields w\ninputs q\neq e: lap(lap(w)) + w_x*w_y = q")
    x, y, q = torch.rand(20, generator=generator), torch.rand(20, generator=generator), 0.5
    results = []
    for method in ("zcs", "zcs-taylor"):
        trunk.zero_grad()
        r = pdecomp.compile(system, "torch", method).residuals(model, x, y, q=q)["e"]
        (r**2).mean().backward()
        results.append((r.detach(), [p.grad.clone() for p in trunk.parameters()]))
    (r0, g0), (r1, g1) = results
    torch.testing.assert_close(r1, r0, rtol=1e-10, atol=1e-10)
    for a, b in zip(g1, g0):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)


def test_pinn_matches_per_point_autograd():
    """u_t + u u_x - u_xx + u_xxxx on an MLP, against torch.autograd.grad per point."""
    torch.manual_seed(2)
    net = torch.nn.Sequential(torch.nn.Linear(2, 12), torch.nn.Tanh(), torch.nn.Linear(12, 1))

    def model(x, t):
        return net(torch.stack((x, t), -1))[:, 0]

    system = pdecomp.loads("coords x, t\nfields u\neq e: u_t + u*u_x - u_xx + d(u, x, 4)")
    x, t = torch.linspace(-1, 1, 7), torch.linspace(0, 1, 7)
    got = pdecomp.compile(system, "torch", "zcs-taylor").residuals(model, x, t)["e"]
    xs, ts = x.clone().requires_grad_(True), t.clone().requires_grad_(True)
    u = model(xs, ts)

    def grad(v, wrt):
        return torch.autograd.grad(v.sum(), wrt, create_graph=True)[0]

    u_x, u_t = grad(u, xs), grad(u, ts)
    u_xx = grad(u_x, xs)
    expected = u_t + u * u_x - u_xx + grad(grad(u_xx, xs), xs)
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-10)


def test_first_order_combination_is_collapsed_from_the_start():
    system = pdecomp.loads("coords x, y\nfields u\neq e: u_x + 2*u_y")
    x, y = torch.linspace(0, 1, 5), torch.linspace(1, 2, 5)

    def model(x, y):
        return torch.sin(x) * y**2

    got = pdecomp.compile(system, "torch", "zcs-taylor").residuals(model, x, y)["e"]
    torch.testing.assert_close(got, torch.cos(x) * y**2 + 4 * torch.sin(x) * y)


class Normalised(torch.nn.Module):
    def forward(self, x, y):
        h = torch.stack((x, y), -1)
        return torch.nn.functional.layer_norm(torch.tanh(h * 3 + 1), (2,)).sum(-1) * x


def test_an_operation_without_a_rule_is_named_or_falls_back():
    system = pdecomp.loads(MIXED)
    x, y = torch.linspace(-1, 1, 6), torch.linspace(0.1, 0.8, 6)
    with pytest.raises(TypeError, match="the model calls layer_norm, which Taylor mode"):
        pdecomp.compile(system, "torch", "zcs-taylor").residuals(Normalised(), x, y)
    reference = pdecomp.compile(system, "torch", "zcs").residuals(Normalised(), x, y)["e"]
    fallback = pdecomp.compile(system, "torch", "taylor-or-zcs")
    for _ in range(2):  # the second call goes straight to zcs (the model is remembered)
        torch.testing.assert_close(fallback.residuals(Normalised(), x, y)["e"], reference)
    with pytest.raises(_NotTaylor):
        torch.nn.functional.layer_norm(_line(x, 2), (6,))


def test_a_model_that_needs_real_tensors_falls_back_and_errors_stay_its_own():
    system = pdecomp.loads(MIXED)
    x, y = torch.linspace(-1, 1, 6), torch.linspace(0.1, 0.8, 6)

    def converting(x, y):  # torch.as_tensor cannot take a jet
        return torch.as_tensor(x, dtype=x.dtype).sin() * y**3

    reference = pdecomp.compile(system, "torch", "zcs").residuals(converting, x, y)["e"]
    fallback = pdecomp.compile(system, "torch", "taylor-or-zcs")
    torch.testing.assert_close(fallback.residuals(converting, x, y)["e"], reference)

    def broken(x, y):
        raise RuntimeError("the model's own error")

    with pytest.raises(RuntimeError, match="the model's own error"):
        fallback.residuals(broken, x, y)


def test_auto_takes_taylor_mode_from_third_order_in_torch():
    third = pdecomp.loads("coords x, t\nfields u\neq e: u_t + d(u, x, 3)")
    second = pdecomp.loads("coords x, t\nfields u\neq e: u_t - u_xx")
    assert pdecomp.compile(third, "torch", "auto").method == "taylor-or-zcs"
    assert pdecomp.compile(second, "torch", "auto").method == "zcs-or-pointwise"
    source = pdecomp.compile(third, "torch", "auto").source
    assert "TAYLOR_DIRECTIONS = (" in source and "_NotTaylor" in source
