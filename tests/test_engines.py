"""The engines as real modules: spliced into generated code, and exercised directly.

The runtime and every derivative engine live in ``pdecomp.backends.engines`` as ordinary
Python; a generated module copies their text below the splice line. These tests check
that nothing of that code hides in string literals, that each module splices cleanly,
and run the engines themselves (tables bound with ``engines.bind``) against exact
derivatives.
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import jax.numpy as jnp
import numpy as np
import pytest
import torch

from pdecomp.backends import BACKENDS, engines, get

ROOT = Path(__file__).resolve().parents[1]
ENGINE_NAMES = sorted(
    p.stem for p in (ROOT / "backends" / "engines").glob("*.py") if p.stem[0] != "_"
)


def _string_constants(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


def test_no_function_is_held_in_a_string_literal():
    defining = re.compile(r"^\s*def \w+\(", re.MULTILINE)
    found = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "backends").rglob("*.py"))
        for text in _string_constants(path)
        if defining.search(text)
    ]
    assert found == []


def test_every_method_names_existing_engine_modules():
    for backend in BACKENDS:
        target = get(backend)
        for method, files in target.methods.items():
            for name in ("api", target.runtime, *files):
                assert name in ENGINE_NAMES, (backend, method, name)


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_spliced_part_parses_and_imports_nothing(name):
    tree = ast.parse(engines.source(name))
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Import | ast.ImportFrom)]
    assert engines.title(name) and "\n" not in engines.title(name)


@pytest.mark.parametrize("name", ENGINE_NAMES)
def test_engine_modules_import_on_their_own(name):
    module = importlib.import_module(f"pdecomp.backends.engines.{name}")
    spliced = {
        n.name for n in ast.parse(engines.source(name)).body if isinstance(n, ast.FunctionDef)
    }
    assert spliced <= set(vars(module))


def test_source_refuses_a_module_without_splice_line():
    with pytest.raises(ValueError, match="no splice line"):
        engines.source("__init__")


@pytest.fixture
def bound():
    """Bind tables on engine modules for one test, restored afterwards."""
    undo = []

    def bind(modules, **names):
        undo.append(engines.bind(modules, **names))

    yield bind
    for previous in reversed(undo):
        engines.unbind(previous)


def _fd_modules(framework):
    fd = importlib.import_module("pdecomp.backends.engines.fd")
    grid = importlib.import_module("pdecomp.backends.engines.grid")
    part = importlib.import_module(f"pdecomp.backends.engines.{framework}_grid")
    runtime = importlib.import_module(f"pdecomp.backends.engines.{framework}_runtime")
    helpers = {
        n: getattr(part, n) for n in ("_moveaxis", "_concat", "_stack", "_max_abs", "_diff", "_eps")
    }
    return fd, grid, part, runtime, helpers


@pytest.mark.parametrize("framework", ["torch", "jax"])
@pytest.mark.parametrize("order", [2, 4])
def test_fd_stencils_are_exact_on_polynomials_of_their_order(framework, order, bound):
    fd, grid, part, runtime, helpers = _fd_modules(framework)
    bound([fd, part], FD_ORDER=order, _keep=runtime._keep, _grid_axis=grid._grid_axis, **helpers)
    x = np.linspace(-1.0, 2.0, 11)
    h = x[1] - x[0]
    u = np.stack([x**order, 3 * x**order - x])  # (2, 11): a leading batch axis is kept
    exact = np.stack([order * x ** (order - 1), 3 * order * x ** (order - 1) - 1])
    array = torch.tensor(u) if framework == "torch" else jnp.asarray(u)
    du = np.asarray(fd._grid_derivative(array, -1, h))
    np.testing.assert_allclose(du, exact, rtol=0, atol=1e-10)


@pytest.mark.parametrize("framework", ["torch", "jax"])
def test_fd_grid_axis_reads_axis_and_spacing_and_refuses_bad_grids(framework, bound):
    fd, grid, part, runtime, helpers = _fd_modules(framework)
    bound([grid, part], GRID_METHOD="fd2", GRID_POINTS=3, COORDS=("x", "y"), **helpers)
    lib = torch.tensor if framework == "torch" else jnp.asarray
    xs, ys = np.meshgrid(np.linspace(0, 1, 5), np.linspace(0, 2, 9), indexing="ij")
    assert grid._grid_axis("x", lib(xs)) == (-2, pytest.approx(0.25))
    assert grid._grid_axis("y", lib(ys)) == (-1, pytest.approx(0.25))
    with pytest.raises(ValueError, match="fd2 needs uniform spacing"):
        grid._grid_axis("x", lib(np.array([0.0, 0.1, 0.3, 0.4])))
    with pytest.raises(ValueError, match="exactly one axis"):
        grid._grid_axis("x", lib(xs + ys))
    with pytest.raises(ValueError, match="at least 3 points"):
        grid._grid_axis("x", lib(np.array([0.0, 0.5])))


def _tables(modules, bound, **extra):
    tables = dict(
        COORDS=("x", "t"),
        FIELDS=("u", "v"),
        OUTPUTS=("u", "v"),
        CHAIN={"x": ("", 0), "t": ("", 1), "xx": ("x", 0), "xt": ("x", 1)},
        DERIVATIVES={
            "u_x": ("u", "x"),
            "v_t": ("v", "t"),
            "u_xx": ("u", "xx"),
            "v_xt": ("v", "xt"),
        },
        **extra,
    )
    bound(modules, **tables)


def _model(lib):
    def model(x, t):
        return lib.sin(x) * lib.exp(t), x**3 * t**2

    return model


EXACT_VALUES = {
    "u_x": lambda x, t: np.cos(x) * np.exp(t),
    "v_t": lambda x, t: 2 * x**3 * t,
    "u_xx": lambda x, t: -np.sin(x) * np.exp(t),
    "v_xt": lambda x, t: 6 * x**2 * t,
}

TORCH_ENGINES = [
    "torch_zcs",
    "torch_zcs_fwd",
    "torch_funcloop",
    "torch_datavect",
    "torch_pointwise",
    "torch_zcs_or_pointwise",
]
JAX_ENGINES = ["jax_zcs", "jax_zcs_fwd", "jax_funcloop", "jax_datavect"]


@pytest.mark.parametrize("name", TORCH_ENGINES + JAX_ENGINES)
def test_engine_derivatives_match_exact_values(name, bound):
    framework = name.split("_")[0]
    runtime = importlib.import_module(f"pdecomp.backends.engines.{framework}_runtime")
    api = importlib.import_module("pdecomp.backends.engines.api")
    engine = importlib.import_module(f"pdecomp.backends.engines.{name}")
    # the engine and the helper modules spliced with it read the same tables
    helpers = [
        importlib.import_module(f"pdecomp.backends.engines.{other}")
        for other in ENGINE_NAMES
        if other.startswith(framework) and other != name
    ]
    _tables([api, engine, *helpers], bound, ARRAY=runtime.ARRAY, ARRAYS=runtime.ARRAYS)
    bound([api], _is_array=runtime._is_array, _unstack=runtime._unstack)
    x0, t0 = np.linspace(-1, 1, 7), np.linspace(0, 0.5, 7)
    if framework == "torch":
        coords, lib = (torch.tensor(x0), torch.tensor(t0)), torch
    else:
        coords, lib = (jnp.asarray(x0), jnp.asarray(t0)), jnp
    values = engine._derivatives(_model(lib), coords, list(EXACT_VALUES), True, -1)

    def array(value):
        return value.detach().numpy() if framework == "torch" else np.asarray(value)

    for key, exact in EXACT_VALUES.items():
        np.testing.assert_allclose(array(values[key]), exact(x0, t0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(array(values["u"]), np.sin(x0) * np.exp(t0), rtol=1e-14)


def test_api_fields_normalises_every_output_form(bound):
    api = importlib.import_module("pdecomp.backends.engines.api")
    runtime = importlib.import_module("pdecomp.backends.engines.torch_runtime")
    bound([api], FIELDS=("u", "v"), ARRAY=runtime.ARRAY, ARRAYS=runtime.ARRAYS)
    bound([api], _is_array=runtime._is_array, _unstack=runtime._unstack)
    u, v = torch.zeros(3), torch.ones(3)
    for out in [(u, v), [u, v], {"v": v, "u": u}, torch.stack([u, v], -1)]:
        got = api._fields(out, -1)
        assert torch.equal(got[0], u) and torch.equal(got[1], v)
    with pytest.raises(ValueError, match="expected 2"):
        api._fields((u,), -1)
    with pytest.raises(TypeError, match="torch.Tensor"):
        api._fields(3.0, -1)
