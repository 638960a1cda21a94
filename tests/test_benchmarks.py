"""The benchmark suite: its quick mode runs and writes its tables; its building blocks
(models, hand-written residuals, Taylor mode, the memory counter) compute what they claim.

No timing is asserted anywhere.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from benchmarks import handwritten, models
from benchmarks.cases import HEADLINE_METHODS, QUICK, pair_groups, problems, suite
from benchmarks.report import METHOD_NAMES

ROOT = Path(__file__).resolve().parent.parent
HAS_DEEPXDE = importlib.util.find_spec("deepxde") is not None


def test_quick_suite_writes_its_tables(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for name in ("headline.md", "problems.md", "sweeps.md", "taylor.md", "results.json"):
        assert (tmp_path / name).stat().st_size > 0, name
    for name in ("sweep-M.png", "sweep-N.png", "sweep-order.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name

    results = json.loads((tmp_path / "results.json").read_text())
    records, paired = results["cases"], results["paired"]
    expected = {c.key for c in suite(QUICK)}
    assert {(r["problem"], r["backend"], r["method"], r["M"], r["N"]) for r in records} == expected
    expected = {c.key for group in pair_groups(QUICK) for c in group}
    assert {(r["problem"], r["backend"], r["method"], r["M"], r["N"]) for r in paired} == expected
    failed = [r for r in records + paired if r["status"] != "ok" and r["method"] != "deepxde"]
    assert not failed, failed
    assert all(r["paired_ms"] > 0 for r in paired)
    for r in records:
        if r["status"] == "ok":
            assert r["time_ms"] > 0
            assert (r.get("graph_bytes") or r.get("temp_bytes") or 0) > 0 or r["method"] == "floor"

    headline = (tmp_path / "headline.md").read_text()
    rows = [
        line
        for line in headline.splitlines()
        if line.startswith("| torch") or line.startswith("| jax")
    ]
    shown = [(row.split("|")[1].strip(), row.split("|")[2].strip()) for row in rows]
    wanted = [(b, METHOD_NAMES[m]) for b, methods in HEADLINE_METHODS.items() for m in methods]
    assert shown[: len(wanted)] == wanted
    assert "funcloop / zcs (time)" in headline and "zcs / hand (memory)" in headline
    assert "| torch | 4 (plate) |" in (tmp_path / "taylor.md").read_text()


# ---- the building blocks ----------------------------------------------------------


def _weights(n_fields=1):
    return models.deeponet_weights(2, n_fields, seed=3)


@pytest.mark.parametrize("n_fields", [1, 3])
def test_torch_and_jax_deeponets_agree_in_both_layouts(n_fields):
    import jax.numpy as jnp
    import torch

    weights, sensors = _weights(n_fields), models.branch_inputs(4)
    rng = np.random.default_rng(0)
    x, t = rng.uniform(size=(2, 7)).astype(np.float32)
    tm = models.torch_deeponet(weights, sensors)
    jm = models.jax_deeponet(models.jax_params(weights), jnp.asarray(sensors))
    with torch.no_grad():
        cartesian = tm(torch.from_numpy(x), torch.from_numpy(t))
        repeated = tm(*(torch.from_numpy(np.broadcast_to(c, (4, 7)).copy()) for c in (x, t)))
    cartesian = cartesian if n_fields > 1 else (cartesian,)
    repeated = repeated if n_fields > 1 else (repeated,)
    from_jax = jm(jnp.asarray(x), jnp.asarray(t))
    from_jax = from_jax if n_fields > 1 else (from_jax,)
    for a, b, c in zip(cartesian, repeated, from_jax):
        assert a.shape == (4, 7)
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(a.numpy(), np.asarray(c), rtol=1e-4, atol=1e-5)


@pytest.mark.skipif(not HAS_DEEPXDE, reason="deepxde not installed")
@pytest.mark.parametrize("n_fields", [1, 3])
def test_deepxde_network_holds_the_same_weights(n_fields, monkeypatch):
    monkeypatch.setenv("DDE_BACKEND", "pytorch")
    import torch

    weights, sensors = _weights(n_fields), models.branch_inputs(4)
    points = torch.rand(6, 2)
    ours = models.torch_deeponet(weights, sensors)(points[:, 0], points[:, 1])
    theirs = models.deepxde_deeponet(weights)((torch.from_numpy(sensors), points))
    ours = torch.stack(ours, -1) if n_fields > 1 else ours
    torch.testing.assert_close(theirs, ours)


def _per_point_derivative(model, coords, k, order):
    """d^order u / d coords[k]^order at every (m, n), one function row at a time."""
    import torch

    leaves = [c.detach().clone().requires_grad_() for c in coords]
    u = model(*leaves)
    rows = []
    for m in range(u.shape[0]):
        d = u[m]
        for _ in range(order):
            (d,) = torch.autograd.grad(d.sum(), leaves[k], create_graph=True)
        rows.append(d)
    return torch.stack(rows)


def _torch_double_model(n_functions=3):
    import torch

    model = models.torch_deeponet(_weights(), models.branch_inputs(n_functions)).double()
    rng = np.random.default_rng(1)
    coords = [torch.from_numpy(rng.uniform(size=5)) for _ in range(2)]
    return model, coords


def test_handwritten_reaction_diffusion_matches_per_point_autograd_and_pdecomp():
    import torch

    import pdecomp

    model, (x, t) = _torch_double_model()
    f = torch.from_numpy(np.random.default_rng(2).standard_normal((3, 5)))
    u = model(x, t)
    reference = (
        _per_point_derivative(model, (x, t), 1, 1)
        - handwritten.RD_D * _per_point_derivative(model, (x, t), 0, 2)
        - handwritten.RD_K * u**2
        - f
    )
    hand = handwritten.torch_reaction_diffusion(model, x, t, f)
    pde = pdecomp.compile(pdecomp.loads(problems()["reaction_diffusion"].text), backend="torch")
    compiled = pde.residual("interior", model, x, t, f=f)
    torch.testing.assert_close(hand, reference)
    torch.testing.assert_close(compiled, reference)


def test_handwritten_torch_plate_matches_per_point_autograd():
    import torch

    model, (x, y) = _torch_double_model(n_functions=2)
    q = torch.zeros(2, 5, dtype=torch.float64)
    xxxx = _per_point_derivative(model, (x, y), 0, 4)
    yyyy = _per_point_derivative(model, (x, y), 1, 4)
    leaves = [c.clone().requires_grad_() for c in (x, y)]
    u = model(*leaves)
    xxyy = []
    for m in range(2):
        d = u[m]
        for k in (0, 0, 1, 1):
            (d,) = torch.autograd.grad(d.sum(), leaves[k], create_graph=True)
        xxyy.append(d)
    reference = handwritten.PLATE_D * (xxxx + 2 * torch.stack(xxyy) + yyyy)
    torch.testing.assert_close(handwritten.torch_plate(model, x, y, q), reference)


def test_taylor_mode_plate_matches_reverse_zcs_and_per_point_grads_in_jax():
    import jax
    import jax.numpy as jnp

    with jax.enable_x64(True):
        weights = models.deeponet_weights(2, 1, seed=4)
        params = jax.tree_util.tree_map(
            lambda a: jnp.asarray(a, jnp.float64), models.jax_params(weights)
        )
        model = models.jax_deeponet(params, jnp.asarray(models.branch_inputs(3), jnp.float64))
        rng = np.random.default_rng(5)
        x, y = (jnp.asarray(rng.uniform(size=6)) for _ in range(2))
        q = jnp.asarray(rng.standard_normal((3, 6)))
        reverse = jax.jit(lambda x, y, q: handwritten.jax_plate(model, x, y, q))(x, y, q)
        for vectorize in (False, True):
            taylor = jax.jit(
                lambda x, y, q, v=vectorize: handwritten.jax_plate_taylor(model, x, y, q, v)
            )(x, y, q)
            assert taylor.shape == (3, 6)
            np.testing.assert_allclose(
                np.asarray(taylor), np.asarray(reverse), rtol=1e-8, atol=1e-10
            )

        # the reverse one against nested per-point grads of one (m, n) entry
        m, n = 1, 2

        def entry(a, b):
            return model(x.at[n].set(a), y.at[n].set(b))[m, n]

        def d(f, *ks):
            for k in ks:
                f = jax.grad(f, k)
            return f

        biharmonic = jax.jit(
            lambda a, b: (
                d(entry, 0, 0, 0, 0)(a, b)
                + 2 * d(entry, 0, 0, 1, 1)(a, b)
                + d(entry, 1, 1, 1, 1)(a, b)
            )
        )(x[n], y[n])
        np.testing.assert_allclose(
            float(reverse[m, n]),
            handwritten.PLATE_D * float(biharmonic) - float(q[m, n]),
            rtol=1e-8,
        )


def test_saved_tensor_bytes_counts_each_storage_once():
    import torch

    from benchmarks.measure import saved_tensor_bytes

    x = torch.randn(1000, requires_grad=True)

    def step():
        y = x * x  # saves x twice: one storage
        z = torch.tanh(y)  # saves its result: a second storage
        (g,) = torch.autograd.grad(z.sum(), x, create_graph=True)  # saves more, counted
        return g

    def forward_only():
        torch.tanh(x * x)

    assert saved_tensor_bytes(forward_only) == 2 * 1000 * 4
    assert saved_tensor_bytes(step) > 2 * 1000 * 4


def test_handwritten_torch_burgers_matches_per_point_autograd():
    model, (x, t) = _torch_double_model()
    u = model(x, t)
    reference = (
        _per_point_derivative(model, (x, t), 1, 1)
        + u * _per_point_derivative(model, (x, t), 0, 1)
        - handwritten.BURGERS_NU * _per_point_derivative(model, (x, t), 0, 2)
    )
    import torch

    torch.testing.assert_close(handwritten.torch_burgers(model, x, t), reference)


def test_handwritten_torch_stokes_matches_pdecomp():
    import torch

    import pdecomp

    weights = models.deeponet_weights(2, 3, seed=4)
    model = models.torch_deeponet(weights, models.branch_inputs(2)).double()
    rng = np.random.default_rng(3)
    x, y = (torch.from_numpy(rng.uniform(size=6)) for _ in range(2))
    pde = pdecomp.compile(pdecomp.loads(problems()["stokes"].text), backend="torch")
    compiled = pde.residuals(model, x, y)
    for hand, name in zip(handwritten.torch_stokes(model, x, y), compiled):
        torch.testing.assert_close(hand, compiled[name], rtol=1e-12, atol=1e-12)


def test_paper_gpu_report_lists_every_case_against_the_paper():
    from benchmarks import paper_gpu

    ok = {"status": "ok", "M": 50, "N": 1000, "device_name": "GPU X"}
    records = [
        {**ok, "problem": "reaction_diffusion", "method": "zcs", "time_ms": 8.0,
         "cuda_peak_bytes": 5e7},
        {**ok, "problem": "reaction_diffusion", "method": "funcloop", "time_ms": 240.0},
        {"problem": "plate", "method": "datavect", "M": 36, "N": 10000,
         "status": "not run: past the budget"},
    ]  # fmt: skip
    text = paper_gpu.report({"records": records, "wall_s": 60, "device": "cuda", "quick": False})
    assert "GPU X" in text
    assert "| reaction_diffusion | 50 × 1000 | zcs | 8.00 | 1.00× | 0.050 | 10 | 0.05 |" in text
    assert "| reaction_diffusion | 50 × 1000 | funcloop | 240.00 | 30.00× | – | 10 | 0.05 |" in text
    assert (
        "| plate | 36 × 10000 | datavect | not run: past the budget | – | – | 144 | 3.3 |" in text
    )
