"""Every examples/**/*.pde compiles on every backend, and the main PINN example runs."""

from __future__ import annotations

from pathlib import Path

import pytest

import pdecomp

ROOT = Path(__file__).resolve().parent.parent
PDE_FILES = sorted((ROOT / "examples").rglob("*.pde"))


@pytest.mark.parametrize("path", PDE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_example_compiles(path, backend):
    pde = pdecomp.compile(path, backend=backend)
    compile(pde.source, str(path), "exec")  # valid Python
    assert pde.equations


def test_pinn_example_trains_and_writes_its_figure(tmp_path):
    from examples.pinn_burgers import main

    result = main(["--steps", "40", "--points", "256", "--out", str(tmp_path)])
    assert (tmp_path / "pinn_burgers.png").stat().st_size > 10_000
    assert (tmp_path / "burgers_torch.py").exists()
    history = __import__("json").loads((tmp_path / "pinn_burgers_history.json").read_text())
    first = sum(h["burgers"] for h in history[:5])
    last = sum(h["burgers"] for h in history[-5:])
    assert last < first
    assert 0 < result["relative_l2_error"] < 2


def test_periodic_example_trains_and_writes_its_figure(tmp_path):
    from examples.pinn_allen_cahn import main

    result = main(["--tiny", "--out", str(tmp_path)])
    assert (tmp_path / "pinn_allen_cahn.png").stat().st_size > 10_000
    history = __import__("json").loads((tmp_path / "pinn_allen_cahn_history.json").read_text())
    assert history[-1]["loss"] < history[0]["loss"]
    terms = result["mean_squares_at_new_points"]
    assert set(terms) == {"ac", "per", "perx", "ic"}
    assert terms["ic"] < 1e-12  # the initial value is built into the network
    assert 0 < result["relative_l2_error"] < 2
