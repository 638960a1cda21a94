"""The generated module is a real module: importable by name, lines in tracebacks, and a
CompiledPDE pickles by source and crosses a multiprocessing spawn boundary."""

from __future__ import annotations

import importlib
import inspect
import multiprocessing
import pickle
import sys
import traceback
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest
import torch

import pdecomp

ROOT = Path(__file__).resolve().parent.parent
BURGERS = ROOT / "examples" / "burgers.pde"


def _model(x, t):
    return torch.sin(x) * torch.exp(-t) + x**2 * t


def _points():
    x = torch.linspace(-1, 1, 7, dtype=torch.float64)
    t = torch.linspace(0, 1, 7, dtype=torch.float64)
    return x, t


def _spawned_residuals(pde):
    """In the child: evaluate the unpickled CompiledPDE."""
    out = pde.residuals(_model, *_points())
    return {k: v.detach().numpy() for k, v in out.items()}, pde.module.__name__


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_importable_by_name_with_source(backend):
    pde = pdecomp.compile(BURGERS, backend=backend)
    name = pde.module.__name__
    assert sys.modules[name] is pde.module
    assert importlib.import_module(name) is pde.module
    assert inspect.getsource(pde.module.eq_burgers).startswith("def eq_burgers(")


def test_traceback_shows_generated_lines():
    pde = pdecomp.compile(BURGERS)
    try:
        pde.residuals(_model, torch.zeros(3, dtype=torch.float64))
    except TypeError:
        text = traceback.format_exc()
    else:  # pragma: no cover
        pytest.fail("a missing coordinate must raise TypeError")
    assert f'File "<pdecomp:{pde.module.__name__}>"' in text
    assert "coords = _check_coords(coords)" in text
    assert "raise TypeError(" in text


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_pickle_round_trip(backend):
    pde = pdecomp.compile(BURGERS, backend=backend, method="zcs-fwd")
    again = pickle.loads(pickle.dumps(pde))
    assert (again.source, again.backend, again.method) == (pde.source, backend, "zcs-fwd")
    assert again.system == pde.system and again.plan == pde.plan
    if backend == "torch":
        model, points = _model, _points()
    else:

        def model(x, t):
            return jnp.sin(x) * jnp.exp(-t) + x**2 * t

        points = tuple(jnp.asarray(p.numpy()) for p in _points())
    a, b = pde.residuals(model, *points), again.residuals(model, *points)
    for name in pde.equations:
        np.testing.assert_array_equal(np.asarray(a[name]), np.asarray(b[name]))


def test_crosses_a_spawn_boundary():
    pde = pdecomp.compile(BURGERS)
    expected = {k: v.detach().numpy() for k, v in pde.residuals(_model, *_points()).items()}
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        got, name = pool.apply(_spawned_residuals, (pde,))
    assert name == pde.module.__name__
    assert set(got) == set(expected)
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key])
