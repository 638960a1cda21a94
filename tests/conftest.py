"""Shared test fixtures: float64 everywhere, the backend x method matrix, and manufactured
models built from SymPy formulas (the independent reference is SymPy's own calculus)."""

from __future__ import annotations

import jax
import numpy as np
import pytest
import sympy
import torch

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_numpy_rank_promotion", "allow")

BACKENDS = ("torch", "jax")
METHODS = ("zcs", "zcs-fwd", "funcloop", "datavect")

_TORCH_FUNCTIONS = {
    "sin": torch.sin,
    "cos": torch.cos,
    "exp": torch.exp,
    "tanh": torch.tanh,
    "log": torch.log,
    "sqrt": torch.sqrt,
    "sinh": torch.sinh,
    "cosh": torch.cosh,
    "atan": torch.atan,
}


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


# Every exact derivative method (fd2/fd4 are approximations, tested in test_grid.py).
EXACT = [(b, m) for b in BACKENDS for m in METHODS] + [
    ("jax", "zcs-taylor"),
    ("torch", "zcs-taylor"),
    ("torch", "pointwise"),
    ("torch", "zcs-or-pointwise"),
    ("torch", "taylor-or-zcs"),
]


@pytest.fixture(params=EXACT, ids=lambda p: f"{p[0]}-{p[1]}")
def backend_method(request):
    return request.param


class Framework:
    """Array helpers for one backend, so a test body is written once for both."""

    def __init__(self, name: str):
        self.name = name

    def array(self, values):
        values = np.asarray(values, dtype=np.float64)
        if self.name == "torch":
            return torch.tensor(values, dtype=torch.float64)
        return jax.numpy.asarray(values)

    def numpy(self, value):
        if self.name == "torch":
            return value.detach().cpu().numpy()
        return np.asarray(value)

    def lambdify(self, args, expr):
        """A framework function of ``args`` computing the SymPy ``expr``."""
        if self.name == "torch":
            return sympy.lambdify(args, expr, modules=[_TORCH_FUNCTIONS, "math"])
        return sympy.lambdify(args, expr, modules="jax")


@pytest.fixture
def fw(backend):
    return Framework(backend)


def manufactured_model(fw: Framework, coords, formulas, rows=None):
    """A model computing ``formulas`` (one SymPy expression per field) of the coordinates.

    With ``rows`` (symbol, values), the output has shape (len(values), *points): row m
    evaluates the formulas with the symbol set to values[m] (the DeepONet layout). The
    model also accepts coordinates already of that shape (for datavect).
    """
    functions = [fw.lambdify(coords, f) for f in formulas]
    if rows is not None:
        symbol, values = rows
        functions = [fw.lambdify((*coords, symbol), f) for f in formulas]
        column = fw.array(np.asarray(values)[:, None])

    def model(*xs):
        if rows is None:
            out = [f(*xs) + 0 * xs[0] for f in functions]
        else:
            out = [f(*xs, column) + 0 * xs[0] + 0 * column for f in functions]
        return out[0] if len(out) == 1 else tuple(out)

    return model


def sympy_residual(system, name, formulas, point_values, row_value=None, row_symbol=None):
    """The residual of equation ``name`` with the fields replaced by ``formulas``, evaluated
    by SymPy/numpy at the points (the independent reference)."""
    coords = system.coord_symbols
    expr = system.equations[name]
    replace = {system.field_function(f): formula for f, formula in zip(system.fields, formulas)}
    expr = expr.subs(replace).doit()
    params = {sympy.Symbol(p.name, real=True): p.default for p in system.params}
    expr = expr.subs(params)
    if row_symbol is not None:
        expr = expr.subs(row_symbol, row_value)
    f = sympy.lambdify(coords, expr, modules="numpy")
    return np.broadcast_to(np.asarray(f(*point_values), dtype=np.float64), point_values[0].shape)
