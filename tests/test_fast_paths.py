"""The fast exact paths: fused linear operators, per-point leaves, and what `auto` picks.

- Fusion (``pdecomp.fusion``): ``D*lap(lap(w))`` is read as one value, reverse ZCS takes
  one pass w.r.t. the dummy weights for it; residuals equal the unfused ones, SymPy's,
  and every other method's, in float64 on both backends.
- ``pointwise`` and ``zcs-or-pointwise`` (torch ``auto``): per-point leaves on a PINN
  layout (no pass w.r.t. dummy weights: counted), equal to ZCS and to hand-written
  per-point autograd, loss gradients included; ZCS on a DeepONet layout and for models
  whose outputs mix points (a convolution, a batch mean), which the check detects.
- FuncLoop with one function is per-point autograd: one backward pass per chain parent.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy
import torch

import pdecomp
from pdecomp import fusion
from tests.conftest import Framework, manufactured_model

x, y, t = sympy.symbols("x y t", real=True)
PLATE = "pde plate\ncoords x, y\nfields w\nparams D = 0.5\ninputs q\neq e: D*lap(lap(w)) = q"
KS = "coords x, t\nfields u\neq e: dt(u) + u*dx(u) + dxx(u) + d(u, x, 4) = 0"
PLATE_W = sympy.sin(2 * x) * sympy.exp(y) + x**3 * y**2
KS_U = sympy.sin(x) * sympy.exp(-t) + x**5 * t


def _counting_grad(monkeypatch):
    calls = []
    original = torch.autograd.grad

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(torch.autograd, "grad", counting)
    return calls


def _sympy_plate(points):
    want = sympy.Rational(1, 2) * (
        sympy.diff(PLATE_W, x, 4) + 2 * sympy.diff(PLATE_W, x, 2, y, 2) + sympy.diff(PLATE_W, y, 4)
    )
    return sympy.lambdify((x, y), want, "numpy")(*points)


def test_fusion_reads_each_linear_operator_as_one_value():
    plan = pdecomp.compile(pdecomp.loads(PLATE), method="zcs").plan
    assert plan.combinations == {"_lin0_w": ("w", (("w_xxxx", 1), ("w_xxyy", 2), ("w_yyyy", 1)))}
    assert plan.equations[0].args == ("_lin0_w", "D", "q")
    # members read elsewhere are not fused (their own pass is needed anyway)
    shared = pdecomp.loads("coords x, y\nfields u\neq a: u_xx + u_yy\neq b: u_xx*u")
    assert pdecomp.compile(shared, method="zcs").plan.combinations == {}
    # a common factor is kept outside; different factors or fields are not mixed
    mixed = pdecomp.loads(
        "coords x, y\nfields u, v\nparams k = 1\neq e: k*u_xx + k*u_yy + v_xx + u*v_yy"
    )
    plan = pdecomp.compile(mixed, method="zcs").plan
    assert plan.combinations == {"_lin0_u": ("u", (("u_xx", 1), ("u_yy", 1)))}
    assert str(plan.equations[0].expr) == "_lin0_u*k + u*v_yy + v_xx"
    # methods that do not fuse see the plain derivatives
    assert pdecomp.compile(pdecomp.loads(PLATE), method="zcs-fwd").plan.combinations == {}


@pytest.mark.parametrize(
    "backend, method",
    [
        ("torch", "zcs"),
        ("torch", "zcs-or-pointwise"),
        ("torch", "pointwise"),
        ("torch", "zcs-fwd"),
        ("jax", "zcs"),
        ("jax", "zcs-fwd"),
        ("jax", "zcs-taylor"),
        ("torch", "zcs-taylor"),
        ("torch", "taylor-or-zcs"),
    ],
)
def test_fused_plate_matches_sympy(backend, method):
    fw = Framework(backend)
    pde = pdecomp.compile(pdecomp.loads(PLATE), backend=backend, method=method)
    rng = np.random.default_rng(3)
    points = [rng.uniform(-1, 1, 9) for _ in range(2)]
    model = manufactured_model(fw, (x, y), [PLATE_W])
    got = fw.numpy(pde.residual("e", model, *map(fw.array, points), q=fw.array(np.ones(9))))
    np.testing.assert_allclose(got, _sympy_plate(points) - 1, rtol=1e-10, atol=1e-10)


def test_fused_zcs_takes_one_pass_for_the_operator(monkeypatch):
    rng = np.random.default_rng(4)
    xs = [torch.tensor(rng.uniform(-1, 1, 6)) for _ in range(2)]
    fw = Framework("torch")
    model = manufactured_model(fw, (x, y), [PLATE_W], rows=(t, [0.5, 2.0]))  # (M, N) layout
    saved, fusion.ENABLED = fusion.ENABLED, False
    try:
        unfused = pdecomp.compile(pdecomp.loads(PLATE), method="zcs")
    finally:
        fusion.ENABLED = saved
    fused = pdecomp.compile(pdecomp.loads(PLATE), method="zcs")
    q = torch.zeros(2, 6, dtype=torch.float64)
    calls = _counting_grad(monkeypatch)
    a = fused.residual("e", model, *xs, q=q)
    n_fused, calls[:] = len(calls), []
    b = unfused.residual("e", model, *xs, q=q)
    parents = {parent for parent, _ in fused.module.CHAIN.values()}
    assert n_fused == len(parents) + 1 and len(calls) == len(parents) + 3
    torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


class MLP(torch.nn.Module):
    """A pointwise tanh MLP on stacked coordinates (a PINN)."""

    def __init__(self, n_in: int):
        super().__init__()
        torch.manual_seed(0)
        self.net = torch.nn.Sequential(
            torch.nn.Linear(n_in, 16), torch.nn.Tanh(), torch.nn.Linear(16, 16), torch.nn.Tanh()
        )
        self.out = torch.nn.Linear(16, 1)
        self.double()
        self.calls = 0

    def forward(self, *coords):
        self.calls += 1
        return self.out(self.net(torch.stack(coords, -1))).squeeze(-1)


def _hand_ks(model, xs, ts):
    xs, ts = xs.detach().requires_grad_(), ts.detach().requires_grad_()
    u = model(xs, ts)

    def d(v, c):
        return torch.autograd.grad(v, c, torch.ones_like(v), create_graph=True)[0]

    u_x = d(u, xs)
    u_xx = d(u_x, xs)
    return d(u, ts) + u * u_x + u_xx + d(d(u_xx, xs), xs)


def test_zcs_or_pointwise_on_a_pinn_is_per_point_autograd(monkeypatch):
    net = MLP(2)
    rng = np.random.default_rng(5)
    xs, ts = (torch.tensor(rng.uniform(0, 1, 40)) for _ in range(2))
    # fourth order: auto is Taylor mode (tests/test_torch_taylor.py); its fallback is this
    assert pdecomp.compile(pdecomp.loads(KS), method="auto").method == "taylor-or-zcs"
    auto = pdecomp.compile(pdecomp.loads(KS), method="zcs-or-pointwise")
    others = {m: pdecomp.compile(pdecomp.loads(KS), method=m) for m in ("zcs", "pointwise")}
    want = _hand_ks(net, xs, ts)
    auto.residual("e", net, xs, ts)  # the first call checks the layout (one more call)
    calls, net.calls = _counting_grad(monkeypatch), 0
    got = auto.residual("e", net, xs, ts)
    # one model call; passes: from u (u_x, u_t), u_x, u_xx, u_xxx; none w.r.t. dummy weights
    assert net.calls == 1 and len(calls) == 4
    for value in (got, *(pde.residual("e", net, xs, ts) for pde in others.values())):
        torch.testing.assert_close(value, want, rtol=1e-10, atol=1e-10)
    # training: the loss gradients w.r.t. the weights agree too
    grads = [
        torch.autograd.grad((r**2).mean(), list(net.parameters()))
        for r in (want, auto.residual("e", net, xs, ts), others["zcs"].residual("e", net, xs, ts))
    ]
    for g in grads[1:]:
        for a, b in zip(g, grads[0]):
            torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def _conv(xs, ts):
    """Outputs that mix neighbouring points: a 1-D convolution over the point axis."""
    u = torch.sin(3 * xs) * torch.exp(ts)
    return u + 0.5 * torch.roll(u, 1) + 0.25 * torch.roll(u, -1)


def _batch_mean(xs, ts):
    """Outputs that depend on every point: a normalisation over the batch."""
    u = torch.sin(3 * xs) * ts
    return u - u.mean()


@pytest.mark.parametrize("model", [_conv, _batch_mean])
def test_auto_falls_back_to_zcs_when_outputs_mix_points(model, monkeypatch):
    rng = np.random.default_rng(6)
    xs, ts = (torch.tensor(rng.uniform(0, 1, 30)) for _ in range(2))
    text = "coords x, t\nfields u\neq e: u_t + u_xx"
    auto = pdecomp.compile(pdecomp.loads(text), method="auto")
    zcs = pdecomp.compile(pdecomp.loads(text), method="zcs")
    pointwise = pdecomp.compile(pdecomp.loads(text), method="pointwise")
    want = zcs.residual("e", model, xs, ts)
    torch.testing.assert_close(auto.residual("e", model, xs, ts), want, rtol=1e-12, atol=1e-12)
    # per-point leaves would be wrong here: the check is what keeps auto exact
    assert not torch.allclose(pointwise.residual("e", model, xs, ts), want, atol=1e-6)


def test_auto_on_a_deeponet_layout_is_zcs():
    fw = Framework("torch")
    rng = np.random.default_rng(7)
    xs = [torch.tensor(rng.uniform(-1, 1, 6)) for _ in range(2)]
    rows = (0.5, 2.0, -1.0)
    model = manufactured_model(fw, (x, y), [PLATE_W * (1 + t)], rows=(t, rows))
    auto = pdecomp.compile(pdecomp.loads(PLATE), method="auto")
    got = auto.residual("e", model, *xs, q=torch.zeros(3, 6, dtype=torch.float64)).detach().numpy()
    for m, r in enumerate(rows):  # row m is (1 + r) times the plate's function
        want = (1 + r) * _sympy_plate([p.numpy() for p in xs])
        np.testing.assert_allclose(got[m], want, rtol=1e-10, atol=1e-10)


def test_funcloop_with_one_function_is_per_point_autograd(monkeypatch):
    net = MLP(2)
    rng = np.random.default_rng(8)
    xs, ts = (torch.tensor(rng.uniform(0, 1, 20)) for _ in range(2))
    pde = pdecomp.compile(pdecomp.loads(KS), method="funcloop")
    want = _hand_ks(net, xs, ts)
    calls = _counting_grad(monkeypatch)
    got = pde.residual("e", net, xs, ts)
    assert len(calls) == 4  # the hand-written loop's passes: one per chain parent
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_verify_checks_a_fused_operator_through_its_members(backend):
    from pdecomp.verify import verify

    report = verify(pdecomp.loads(PLATE), backend=backend, method="zcs")
    assert report.ok and report.rows[0].order == 4


def test_auto_past_fourth_order_takes_taylor_mode_in_jax_within_its_basis():
    high = pdecomp.loads("coords x, y\nfields u\neq e: d(u, x, 6) + d(u, y, 6)")
    assert pdecomp.compile(high, backend="jax", method="auto").method == "zcs-taylor"
    assert pdecomp.compile(high, backend="torch", method="auto").method == "taylor-or-zcs"
    # 36 unknown seventh derivatives in 3-D: past Taylor mode's basis, forward mode instead
    wide = pdecomp.loads("coords x, y, z\nfields u\neq e: d(d(u, x, 3), y, 4) + d(u, z, 7)")
    assert pdecomp.compile(wide, backend="jax", method="auto").method == "zcs-fwd"
    assert pdecomp.compile(wide, backend="torch", method="auto").method == "zcs-or-pointwise"


def test_residuals_from_reads_a_fused_operator_through_its_members():
    pde = pdecomp.compile(pdecomp.loads(PLATE), method="zcs")
    assert pde.module.COMBINATIONS
    rng = np.random.default_rng(9)
    xs = [torch.tensor(rng.uniform(-1, 1, 7)) for _ in range(2)]
    zeros = [torch.zeros((), dtype=torch.float64, requires_grad=True) for _ in range(2)]
    fw = Framework("torch")
    model = manufactured_model(fw, (x, y), [PLATE_W])
    fields = model(*(c + z for c, z in zip(xs, zeros)))
    q = torch.zeros(7, dtype=torch.float64)
    got = pde.module.residuals_from(fields, xs, zeros=zeros, q=q)["e"].detach().numpy()
    np.testing.assert_allclose(got, _sympy_plate([c.numpy() for c in xs]), rtol=1e-10, atol=1e-10)
