"""Derivative correctness of every backend and method against SymPy on manufactured fields.

The model computes known formulas analytically; the reference residual is SymPy's own
differentiation of the same formulas. Float64, tolerance 1e-10 (relative to the size of
the residual)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy
from conftest import Framework, manufactured_model, sympy_residual

import pdecomp

x, y, t, a = sympy.symbols("x y t a", real=True)

# (pde text, field formulas in x, y, t) — every derivative form and order of the language.
CASES = {
    "first-order": (
        "coords x, t\nfields u\neq e: dt(u) + dx(u)",
        [sympy.sin(2 * x) * sympy.exp(t / 2)],
    ),
    "second-and-mixed": (
        "coords x, t\nfields u\neq e: u_xx + u_xt + d(u, t, 2)",
        [sympy.sin(2 * x) * sympy.exp(t / 2) + x**3 * t**2],
    ),
    "third-mixed": (
        "coords x, t\nfields u\neq e: u_xxt - d(u, x, 2, t, 1) + dxxt(u) + d(u, x, 3)",
        [sympy.cos(x) * sympy.exp(t) + x**4 * t**2],
    ),
    "fourth-order": (
        "coords x, t\nfields u\neq e: d(u, x, 4) + d(u, x, 2, t, 2)",
        [sympy.sin(1.5 * x) * sympy.cosh(t) + x**5 * t**3],
    ),
    "laplacian-time": (
        "coords x, y, t\ntime t\nfields u\neq e: dt(u) - lap(u)",
        [sympy.sin(x) * sympy.cos(2 * y) * sympy.exp(-t) + x**2 * y * t],
    ),
    "biharmonic": (
        "coords x, y\nfields w\nparams D = 2\neq e: D*lap(lap(w)) = 1",
        [sympy.sin(x) * sympy.sin(2 * y) + x**3 * y**2],
    ),
    "nonlinear": (
        "coords x, t\nfields u\nparams nu = 0.01/pi\n"
        "eq e: dt(u) + u*dx(u) - nu*dxx(u) + sin(u)*u_x + exp(-u^2) + d(u^3, x)",
        [sympy.sin(x) * sympy.exp(-t) + 0.3 * x * t],
    ),
    "two-fields": (
        "coords x, y\nfields u, v, p\nparams mu = 0.5\n"
        "eq mx: mu*lap(u) - p_x = 0\neq my: mu*lap(v) - p_y = 0\neq div: u_x + v_y = 0\n"
        "eq prod: d(u*v, x, y) = p",
        [sympy.sin(x) * sympy.cos(y), -sympy.cos(x) * sympy.sin(y), x**2 * y + sympy.sin(x * y)],
    ),
    "let-and-explicit-coords": (
        "coords x, t\nfields u\nlet g = sin(pi*x)*t\neq e: dt(u) + dx(g*u) - dxx(g) = g^2",
        [sympy.exp(x) * (1 + t**2)],
    ),
    "params-and-constants": (
        "coords x\nfields u\nparams k = 2.5e-1, c = sqrt(2)*pi\neq e: k*u_xx + c*u^2 - E",
        [sympy.tanh(x) + x**2],
    ),
}


def _points(coords, n=7, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(-1.0, 1.0, size=n) for _ in coords]


@pytest.mark.parametrize("case", list(CASES))
def test_pinn_residuals_match_sympy(case, backend_method):
    backend, method = backend_method
    fw = Framework(backend)
    text, formulas = CASES[case]
    system = pdecomp.loads(text)
    pde = pdecomp.compile(system, backend=backend, method=method)
    coords = system.coord_symbols
    formulas = [sympy.sympify(f) for f in formulas]
    points = _points(coords)
    model = manufactured_model(fw, coords, formulas)
    got = pde.residuals(model, *(fw.array(p) for p in points))
    for name in system.equations:
        want = sympy_residual(system, name, formulas, points)
        assert np.allclose(fw.numpy(got[name]), want, rtol=1e-10, atol=1e-10), name


@pytest.mark.parametrize("case", ["second-and-mixed", "biharmonic", "two-fields"])
def test_deeponet_layout_matches_sympy(case, backend_method):
    """Output (M, N) from trunk points (N,): row m is its own function."""
    backend, method = backend_method
    fw = Framework(backend)
    text, formulas = CASES[case]
    system = pdecomp.loads(text)
    pde = pdecomp.compile(system, backend=backend, method=method)
    coords = system.coord_symbols
    formulas = [sympy.sympify(f) * (1 + a) + a * coords[0] ** 2 for f in formulas]
    rows = [0.5, -1.25, 2.0]
    points = _points(coords, n=5, seed=1)
    model = manufactured_model(fw, coords, formulas, rows=(a, rows))
    if method == "pointwise":  # per-point leaves cannot separate the rows: refused
        with pytest.raises(ValueError, match="method pointwise: coordinate"):
            pde.residuals(model, *(fw.array(p) for p in points))
        return
    got = pde.residuals(model, *(fw.array(p) for p in points))
    for name in system.equations:
        value = fw.numpy(got[name])
        assert value.shape == (len(rows), 5)
        for m, r in enumerate(rows):
            want = sympy_residual(system, name, formulas, points, row_value=r, row_symbol=a)
            assert np.allclose(value[m], want, rtol=1e-10, atol=1e-10), (name, m)


def test_params_override_and_inputs(backend_method):
    backend, method = backend_method
    fw = Framework(backend)
    system = pdecomp.loads(
        "coords x, t\nfields u\nparams nu = 0.1, k = 2\ninputs f\n"
        "eq e: dt(u) = nu*dxx(u) + k*u^2 + f\neq bc: u = 0"
    )
    pde = pdecomp.compile(system, backend=backend, method=method)
    formula = sympy.sin(x) * sympy.exp(-t)
    points = _points((x, t))
    f_values = np.cos(points[0]) * 3.0
    model = manufactured_model(fw, (x, t), [formula])
    xs = [fw.array(p) for p in points]
    got = fw.numpy(pde.residual("e", model, *xs, nu=0.25, f=fw.array(f_values)))
    u = np.sin(points[0]) * np.exp(-points[1])
    want = -u - 0.25 * (-u) - 2 * u**2 - f_values
    assert np.allclose(got, want, rtol=1e-10, atol=1e-12)
    # The boundary equation needs no input and is evaluated on its own points.
    bc = fw.numpy(pde.residual("bc", model, *xs))
    assert np.allclose(bc, u, rtol=1e-12)


def test_field_independent_of_a_coordinate_has_zero_derivatives(backend_method):
    backend, method = backend_method
    fw = Framework(backend)
    system = pdecomp.loads("coords x, t\nfields u\neq e: dt(u) + d(u, t, 2) + u_xt")
    pde = pdecomp.compile(system, backend=backend, method=method)
    points = _points((x, t))
    model = manufactured_model(fw, (x, t), [sympy.sin(x)])
    got = fw.numpy(pde.residual("e", model, *(fw.array(p) for p in points)))
    assert got.shape == (7,)
    assert np.all(got == 0)


def test_torch_param_requiring_grad_gets_its_gradient():
    import torch

    system = pdecomp.loads("coords x\nfields u\nparams k = 1\neq e: u_xx + k*u")
    pde = pdecomp.compile(system, backend="torch")
    xs = torch.linspace(0, 1, 9, dtype=torch.float64)
    k = torch.tensor(3.0, dtype=torch.float64, requires_grad=True)
    r = pde.residual("e", lambda x: torch.sin(2 * x), xs, k=k)
    r.sum().backward()
    assert torch.allclose(k.grad, torch.sin(2 * xs).sum(), rtol=1e-12)
    assert torch.allclose(r, (k - 4) * torch.sin(2 * xs), rtol=1e-12)


def test_auto_picks_the_measured_method_per_backend_and_order():
    from pdecomp.pipeline import AUTO

    plate = pdecomp.loads("coords x, y\nfields w\neq e: lap(lap(w))")
    first = pdecomp.loads("coords x\nfields u\neq e: u_x")
    for backend in ("torch", "jax"):
        for system, order in ((plate, 4), (first, 1)):
            pde = pdecomp.compile(system, backend=backend, method="auto")
            assert pde.method == AUTO[backend][order]
            assert f"Derivatives by method '{pde.method}'" in pde.source


def test_per_point_layout_methods_are_torch_only():
    with pytest.raises(ValueError, match="backend 'jax' has no method 'zcs-or-pointwise'"):
        pdecomp.compile(pdecomp.loads("coords x\nfields u\neq e: u_x"), "jax", "zcs-or-pointwise")


def test_taylor_mixed_fourth_order_uses_polarization():
    pde = pdecomp.compile(
        pdecomp.loads("coords x, y\nfields w\neq e: lap(lap(w))"),
        backend="jax",
        method="zcs-taylor",
    )
    directions = pde.module.TAYLOR_DIRECTIONS
    assert len(directions) == 4  # e_x, e_y, (1, -1), (1, 1): D4(1,1) + D4(1,-1) = 2w_xxxx + ...
    order, terms = pde.module.TAYLOR["w_xxyy"]
    assert order == 4

    # D^4_v w = sum over b of 4!/b! v^b d^b w; the weights must pick out d^(2,2) w alone.
    def picked(b, multinomial):
        return sum(
            w * multinomial * directions[j][0] ** b[0] * directions[j][1] ** b[1] for j, w in terms
        )

    assert picked((2, 2), 6) == pytest.approx(1.0, abs=1e-15)
    for b, multinomial in (((4, 0), 1), ((3, 1), 4), ((1, 3), 4), ((0, 4), 1)):
        assert picked(b, multinomial) == pytest.approx(0.0, abs=1e-15)
