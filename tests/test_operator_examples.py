"""The four operator-learning problems: `.pde` files, DeepONets and the training runner.

* each ``examples/problems/*.pde`` compiles on both backends, and its residuals vanish on
  exact solutions of the equation it states, written out by hand here (a manufactured
  reaction-diffusion solution, Cole-Hopf for Burgers, sine modes for the plate, a
  biharmonic stream function for Stokes), row by row in the DeepONet (M, N) layout;
* the hard constraints of ``examples/train_operator.py`` satisfy the `.pde` files'
  boundary and initial equations for an untrained network;
* the DeepONets agree between torch and JAX and between the (N,) and (M, N) layouts;
* every problem trains end to end in a tiny configuration on both backends, writes its
  figure and history, and its loss goes down.
"""

from __future__ import annotations

import json
import math

import jax.numpy as jnp
import numpy as np
import pytest
import torch

import pdecomp
from examples import train_operator as runner
from examples.deeponet import JaxDeepONet, TorchDeepONet, torch_to_jax

PROBLEMS = tuple(runner.PROBLEMS)
EQUATIONS = {
    "reaction_diffusion": ("rd", "ic", "bc"),
    "burgers": ("burgers", "ic"),
    "plate": ("plate", "deflection", "moment"),
    "stokes": ("momentum_x", "momentum_y", "continuity", "lid", "wallu", "wallv"),
}
ROWS = np.array([0.7, -1.3, 0.4])  # one amplitude per "input function" (row)
RNG = np.random.default_rng(7)


@pytest.fixture(scope="module")
def compiled():
    """``compiled(problem, backend)``: each `.pde` compiled once per backend."""
    cache = {}

    def get(problem, backend):
        if (problem, backend) not in cache:
            cache[problem, backend] = pdecomp.compile(
                runner.PROBLEMS[problem].pde_file, backend=backend
            )
        return cache[problem, backend]

    return get


def to_backend(backend, value):
    value = np.asarray(value, dtype=np.float64)
    return torch.tensor(value) if backend == "torch" else jnp.asarray(value)


def to_numpy(value):
    return value.detach().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)


def xp_of(backend):
    return torch if backend == "torch" else jnp


def residual(pde, backend, name, model, points, **inputs):
    """Residual ``name`` of ``model`` at numpy ``points``, as numpy (inputs are numpy)."""
    coords = [to_backend(backend, c) for c in points]
    inputs = {k: to_backend(backend, v) for k, v in inputs.items()}
    return to_numpy(pde.residual(name, model, *coords, **inputs))


@pytest.mark.parametrize("backend", ["torch", "jax"])
@pytest.mark.parametrize("problem", PROBLEMS)
def test_pde_compiles(compiled, problem, backend):
    pde = compiled(problem, backend)
    assert pde.equations == EQUATIONS[problem]
    assert pde.system.file.endswith(f"{problem}.pde")


# ---- residuals vanish on exact solutions ---------------------------------------------


def _rows(backend):
    return to_backend(backend, ROWS[:, None])


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_reaction_diffusion_manufactured(compiled, backend):
    """u = a sin(pi x) t^2 with the source f = u_t - D u_xx - k u^2 made for it."""
    pde, xp = compiled("reaction_diffusion", backend), xp_of(backend)
    x, t = RNG.uniform(0, 1, 50), RNG.uniform(0, 1, 50)
    a, s = ROWS[:, None], np.sin(np.pi * x)
    u = a * s * t**2
    f = 2 * a * s * t - 0.01 * (-(np.pi**2) * u) - 0.01 * u**2

    def model(x, t):
        return _rows(backend) * xp.sin(math.pi * x) * t**2

    r = residual(pde, backend, "rd", model, (x, t), f=f)
    assert r.shape == (3, 50)
    np.testing.assert_allclose(r, 0.0, atol=1e-12)
    # a different diffusion coefficient leaves exactly (D - D') u_xx behind
    wrong = to_numpy(pde.residual("rd", model, *map(xp.asarray, (x, t)), f=xp.asarray(f), D=0.03))
    np.testing.assert_allclose(wrong, 0.02 * np.pi**2 * u, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_burgers_cole_hopf(compiled, backend):
    """u = -2 nu phi_x / phi, phi = 1 + c exp(-4 pi^2 nu t) cos(2 pi x): periodic exact."""
    pde, xp = compiled("burgers", backend), xp_of(backend)
    nu, c = 0.01, 0.5 * ROWS[:, None]

    def exact(xp, x, t, c):
        decay = xp.exp(-4 * math.pi**2 * nu * t)
        phi = 1 + c * decay * xp.cos(2 * math.pi * x)
        return 4 * math.pi * nu * c * decay * xp.sin(2 * math.pi * x) / phi

    def model(x, t):
        return exact(xp, x, t, 0.5 * _rows(backend))

    x, t = RNG.uniform(0, 1, 40), RNG.uniform(0, 1, 40)
    u = exact(np, x, t, c)
    assert np.abs(u).max() > 0.05  # not a trivial solution
    r = residual(pde, backend, "burgers", model, (x, t))
    np.testing.assert_allclose(r, 0.0, atol=1e-13)
    u0 = exact(np, x, 0.0, c)
    ic = residual(pde, backend, "ic", model, (x, np.zeros_like(x)), u0=u0)
    np.testing.assert_allclose(ic, 0.0, atol=1e-15)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_plate_sine_modes(compiled, backend):
    """w = a sin(pi x) sin(2 pi y) + sin(3 pi x) sin(pi y) / 2 under the matching load."""
    pde, xp = compiled("plate", backend), xp_of(backend)

    def deflection(xp, x, y, a):
        s = xp.sin
        return a * s(math.pi * x) * s(2 * math.pi * y) + s(3 * math.pi * x) * s(math.pi * y) / 2

    x, y = RNG.uniform(0, 1, 40), RNG.uniform(0, 1, 40)
    a = ROWS[:, None]
    q = np.pi**4 * (
        25 * a * np.sin(np.pi * x) * np.sin(2 * np.pi * y)
        + 100 * np.sin(3 * np.pi * x) * np.sin(np.pi * y) / 2
    )

    def model(x, y):
        return deflection(xp, x, y, _rows(backend))

    r = residual(pde, backend, "plate", model, (x, y), q=q)
    np.testing.assert_allclose(r, 0.0, atol=1e-9 * np.abs(q).max())
    # sine modes are simply supported: w = 0 and lap(w) = 0 on every edge
    edge = edge_points(40)
    for name in ("deflection", "moment"):
        np.testing.assert_allclose(residual(pde, backend, name, model, edge), 0.0, atol=1e-11)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_stokes_biharmonic_streamfunction(compiled, backend):
    """psi = a (x^3 + x y^2) + exp(pi y) sin(pi x): u = psi_y, v = -psi_x, p = -8 mu a y."""
    pde, xp = compiled("stokes", backend), xp_of(backend)

    def fields(xp, x, y, a):
        e = xp.exp(math.pi * y)
        u = 2 * a * x * y + math.pi * e * xp.sin(math.pi * x)
        v = -a * (3 * x**2 + y**2) - math.pi * e * xp.cos(math.pi * x)
        return u, v, -8 * a * y + 0 * x

    def model(x, y):
        return fields(xp, x, y, _rows(backend))

    x, y = RNG.uniform(0, 1, 40), RNG.uniform(0, 1, 40)
    for name in ("momentum_x", "momentum_y", "continuity"):
        np.testing.assert_allclose(residual(pde, backend, name, model, (x, y)), 0.0, atol=1e-11)
    # the field equations really constrain the pressure: a wrong viscosity does not vanish
    wrong = to_numpy(pde.residual("momentum_y", model, *map(xp.asarray, (x, y)), mu=2.0))
    np.testing.assert_allclose(wrong, -8 * ROWS[:, None] + 0 * x, rtol=1e-10)


# ---- the runner's hard constraints satisfy the `.pde` side conditions ----------------


def edge_points(n):
    """n points on each edge of the unit square, as (x, y)."""
    s = np.linspace(0.0, 1.0, n)
    zero, one = np.zeros(n), np.ones(n)
    return np.r_[s, s, zero, one], np.r_[zero, one, s, s]


def untrained_model(problem_name, m=3):
    """The runner's constrained torch DeepONet (random weights, float64), m input functions.

    (The JAX side runs the same ``constrain`` code with ``jax.numpy``; the end-to-end test
    checks that both backends train identically.)
    """
    problem = runner.PROBLEMS[problem_name]
    cfg = runner.Config(problem=problem_name, width=16, depth=2)
    net = runner.build_torch_net(problem, cfg, seed=3).double()
    funcs = problem.sample(m, seed=5)
    bfuncs = runner.backend_funcs(problem, funcs, torch.as_tensor)
    return runner.make_model(problem, torch, net, bfuncs), funcs


def test_hard_constraints(compiled):
    pde_of = {name: compiled(name, "torch") for name in PROBLEMS}
    s = np.linspace(0.0, 1.0, 17)
    zero, one = np.zeros_like(s), np.ones_like(s)

    def res(problem, name, model, points, **inputs):
        return residual(pde_of[problem], "torch", name, model, points, **inputs)

    # reaction-diffusion: u = 0 at t = 0 and on x = 0, 1
    model, _ = untrained_model("reaction_diffusion")
    assert np.abs(res("reaction_diffusion", "ic", model, (s, zero))).max() == 0.0
    walls = (np.r_[zero, one], np.r_[s, s])
    assert np.abs(res("reaction_diffusion", "bc", model, walls)).max() == 0.0
    assert np.abs(res("reaction_diffusion", "ic", model, (s, s))).max() > 1e-3  # not all zero
    # Burgers: u = u0 at t = 0, and u is 1-periodic in x
    model, funcs = untrained_model("burgers")
    u0 = runner.PROBLEMS["burgers"].initial(funcs, s)
    np.testing.assert_allclose(res("burgers", "ic", model, (s, zero), u0=u0), 0, atol=1e-13)
    assert np.abs(res("burgers", "ic", model, (s, s), u0=u0)).max() > 1e-3
    t = torch.tensor(RNG.uniform(0, 1, s.size))
    x = torch.tensor(s)
    torch.testing.assert_close(model(x, t), model(x + 1, t), rtol=0, atol=1e-12)
    # plate: w = 0 and lap(w) = 0 on the edges (simply supported)
    model, _ = untrained_model("plate")
    for name in ("deflection", "moment"):
        np.testing.assert_allclose(res("plate", name, model, edge_points(17)), 0.0, atol=1e-10)
        assert np.abs(res("plate", name, model, (s[1:-1], s[1:-1]))).max() > 1e-5
    # Stokes: u = ulid, v = 0 on the lid; u = v = 0 on the other walls
    model, funcs = untrained_model("stokes")
    ulid = runner.PROBLEMS["stokes"].lid(funcs["sin"], s)
    np.testing.assert_allclose(res("stokes", "lid", model, (s, one), ulid=ulid), 0, atol=1e-14)
    assert np.abs(res("stokes", "lid", model, (s, s), ulid=ulid)).max() > 1e-3
    walls = (np.r_[s, zero, one, s], np.r_[zero, s, s, one])  # bottom, left, right, lid
    np.testing.assert_allclose(res("stokes", "wallv", model, walls), 0.0, atol=1e-14)
    fixed = tuple(c[: 3 * s.size] for c in walls)
    np.testing.assert_allclose(res("stokes", "wallu", model, fixed), 0.0, atol=1e-14)


# ---- DeepONets: layouts, methods and backends agree -----------------------------------


def test_deeponet_layouts_and_backends():
    torch.manual_seed(0)
    net = TorchDeepONet(5, 2, branch=(8,), trunk=(8, 8), width=6, n_fields=2).double()
    b = torch.tensor(RNG.normal(size=(4, 5)))
    x, t = (torch.tensor(RNG.uniform(size=7)) for _ in range(2))
    u, v = net(b, x, t)
    assert u.shape == v.shape == (4, 7)
    # (M, N) coordinates (row m paired with function m) give the same values
    u2, v2 = net(b, x.expand(4, 7), t.expand(4, 7))
    torch.testing.assert_close(u2, u)
    torch.testing.assert_close(v2, v)
    # by hand: G[m, n] = sum_k branch_k(b_m) trunk_k(x_n) + bias, field 1's features
    bk = net.branch(b).reshape(4, 2, 6)[:, 1]
    tk = net.trunk(torch.stack([x, t], -1)).reshape(7, 2, 6)[:, 1]
    torch.testing.assert_close(v, bk @ tk.T + net.bias[1])
    # JAX with the copied weights computes the same fields
    jnet = JaxDeepONet(5, 2, branch=(8,), trunk=(8, 8), width=6, n_fields=2)
    ju, jv = jnet.apply(torch_to_jax(net), *(jnp.asarray(a.numpy()) for a in (b, x, t)))
    np.testing.assert_allclose(np.asarray(ju), u.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(jv), v.detach().numpy(), rtol=1e-12)
    # the JAX initialiser: declared shapes, Glorot-normal scale, zero biases
    params = jnet.init(seed=1, dtype=np.float64)
    assert [w.shape for w, _ in params["trunk"]] == [(2, 8), (8, 8), (8, 12)]
    assert all(not np.any(np.asarray(b)) for _, b in params["branch"])


@pytest.mark.parametrize("problem", ["reaction_diffusion", "stokes"])
def test_datavect_matches_zcs(problem):
    """The constrained DeepONet takes (M, N) points, so datavect gives zcs's residuals."""
    spec = runner.PROBLEMS[problem]
    model, funcs = untrained_model(problem)
    coords, inputs = spec.collocation(funcs, 30, np.random.default_rng(0))
    results = []
    for method in ("zcs", "datavect"):
        pde = pdecomp.compile(spec.pde_file, backend="torch", method=method)
        results.append(residual(pde, "torch", next(iter(spec.equations)), model, coords, **inputs))
    np.testing.assert_allclose(results[1], results[0], rtol=1e-10, atol=1e-12)


# ---- end to end -------------------------------------------------------------------------

STEPS = 20
TINY = ["--steps", str(STEPS), "--m", "4", "--n", "64", "--pool", "4", "--test", "2"]
TINY += ["--width", "16", "--depth", "1"]  # the problem's default learning rate


@pytest.mark.parametrize("problem", PROBLEMS)
def test_runner_end_to_end(tmp_path, problem):
    """Both backends: figure and history written, loss lowered, the same loss history."""
    losses = {}
    for backend in ("torch", "jax"):
        out = tmp_path / backend
        record = runner.main([problem, "--backend", backend, *TINY, "--out", str(out)])
        assert (out / "figure.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (out / ("model.pt" if backend == "torch" else "params.npz")).is_file()
        saved = json.loads((out / "history.json").read_text())
        assert saved["status"] == "done" and saved["config"]["backend"] == backend
        assert saved["rel_l2"] == record["rel_l2"]
        assert set(saved["rel_l2"]) == set(runner.PROBLEMS[problem].fields)
        assert all(np.isfinite(v) and v > 0 for v in saved["rel_l2"].values())
        loss = losses[backend] = np.array(saved["loss"])
        assert loss.shape == (STEPS,) and np.all(np.isfinite(loss))
        assert loss[-3:].mean() < 0.9 * loss[:3].mean()  # training lowers the residual loss
    # same initial weights, batches and Adam update: the backends train alike (float32)
    np.testing.assert_allclose(losses["jax"], losses["torch"], rtol=1e-3)
