"""The paired comparison with hand-written residuals and the order sweep: their
hand-written references compute what pdecomp computes, and both scripts run.

No timing is asserted anywhere.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np
import pytest
import torch

import pdecomp
from benchmarks import exact, handwritten, models, order_sweep

PROBLEMS = exact.PROBLEMS


def _pinn(n_coords):
    weights = {"mlp": models.init_weights([n_coords, 16, 16, 1], np.random.default_rng(1))}
    model = models.torch_pinn(weights).double()
    return model, weights


@pytest.mark.parametrize(
    "problem, hands",
    [
        ("burgers", ("torch_burgers_pinn",)),
        ("ks", ("torch_ks_pinn", "torch_ks_zcs")),
        ("beam", ("torch_beam_pinn", "torch_beam_zcs")),
    ],
)
def test_handwritten_pinn_references_match_pdecomp(problem, hands):
    system = pdecomp.load(PROBLEMS / f"{problem}.pde")
    model, _ = _pinn(len(system.coords))
    rng = np.random.default_rng(2)
    coords = [torch.tensor(rng.uniform(0, 1, 25)) for _ in system.coords]
    inputs = {k: torch.tensor(rng.standard_normal(25)) for k in system.inputs}
    for method in ("zcs", "auto", "pointwise", "funcloop"):
        pde = pdecomp.compile(system, backend="torch", method=method)
        want = pde.residual("interior", model, *coords, **inputs)
        for hand in hands:
            got = getattr(handwritten, hand)(model, *coords, *inputs.values())
            torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)


def test_jax_per_point_burgers_reference_matches_pdecomp():
    system = pdecomp.load(PROBLEMS / "burgers.pde")
    _, weights = _pinn(2)
    model = models.jax_pinn(models.jax_params(weights))
    rng = np.random.default_rng(3)
    x, t = (jnp.asarray(rng.uniform(0, 1, 25)) for _ in range(2))
    want = pdecomp.compile(system, backend="jax", method="zcs").residual("interior", model, x, t)
    got = handwritten.jax_burgers_pinn(model, x, t)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-7, atol=1e-7)


def test_exact_rows_run_and_report():
    rows = [exact.measure_row(r, quick=True, rounds=1) for r in exact.ROWS if r.name == "beam"]
    record = {
        "rows": rows,
        "machine": {"rounds": 1, "load": 0.0, "wall_min": 0.0, "python": "3", "quick": True},
    }
    methods = rows[0]["methods"]
    assert set(methods) == {"reference", "auto", "zcs", "pointwise", "zcs-taylor"}
    assert methods["auto"]["resolved"] == "taylor-or-zcs"
    assert all(v["cpu_ms"] > 0 and v["memory_bytes"] > 0 for v in methods.values())
    assert "Euler-beam PINN" in exact.report(record)


def test_order_sweep_measures_and_stops_past_the_cap(tmp_path):
    lines = list(order_sweep.run_method("torch", "zcs", (2, 8), (1, 2, 3), cap=0.0))
    assert [r["P"] for r in lines] == [1, 2, 3]
    assert lines[0]["status"] == "ok" and lines[0]["memory_bytes"] > 0
    assert [r["status"] for r in lines[1:]] == ["over the cap"] * 2
    record = {
        "records": lines,
        "machine": {"sizes": (2, 8), "cap_s": 0.0, "load": 0.0, "wall_min": 0.0, "quick": True},
    }
    assert "P=3" in order_sweep.report(record)
    order_sweep.plot(record, tmp_path / "o.png")
    assert (tmp_path / "o.png").read_bytes()[:4] == b"\x89PNG"
