"""`functions`: known functions of the coordinates, differentiated by every method.

Reference: SymPy, with the fields and the functions replaced by formulas, differentiated
and evaluated pointwise (PINN layout) or per row (DeepONet (M, N) layout); both backends,
float64, every exact method. Grid methods (fd2, fd4, spectral): a function gives the
same residual as the same values returned by the model as a field. The tensor-vs-callable
rule is checked per equation, and the `.pde` rules in the parser's errors.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy

import pdecomp
from tests.conftest import BACKENDS, Framework, manufactured_model

TEXT = """
coords x, t
fields u
params k = 0.5
functions a, f
eq diffusion: dt(u) - d(a*u_x, x) - a_t*u + a_xx = f
eq bc: u = a^2 + k
"""
SYSTEM = pdecomp.loads(TEXT)
x, t, s = sympy.symbols("x t s", real=True)
U = sympy.sin(2 * x) * sympy.exp(-t) + x * t**2
A = 2 + sympy.cos(x) * sympy.exp(-t / 2) + x**2 * t
F = x * t + sympy.sin(t)
POINTS = np.random.default_rng(0).uniform(-1, 1, (2, 9))


def reference(name, u=U, a=A, f=F, row=None):
    """The residual by SymPy at POINTS (``row``: value of ``s`` in the formulas)."""
    expr = SYSTEM.equations[name]
    replace = {
        SYSTEM.field_function("u"): u,
        SYSTEM.field_function("a"): a,
        SYSTEM.field_function("f"): f,
    }
    expr = expr.subs(replace).doit().subs(sympy.Symbol("k", real=True), sympy.Rational(1, 2))
    if row is not None:
        expr = expr.subs(s, row)
    values = sympy.lambdify((x, t), expr, "numpy")(*POINTS)
    return np.broadcast_to(np.asarray(values, float), POINTS[0].shape)


def test_functions_match_sympy_pinn_layout(backend_method):
    backend, method = backend_method
    fw = Framework(backend)
    pde = pdecomp.compile(SYSTEM, backend=backend, method=method)
    model = manufactured_model(fw, (x, t), [U])
    a, f = fw.lambdify((x, t), A), fw.lambdify((x, t), F)
    xs, ts = fw.array(POINTS[0]), fw.array(POINTS[1])
    res = pde.residuals(model, xs, ts, a=a, f=f)
    for name in ("diffusion", "bc"):
        np.testing.assert_allclose(fw.numpy(res[name]), reference(name), rtol=1e-10, atol=1e-10)


def test_functions_match_sympy_deeponet_layout(backend_method):
    """Output (M, N); ``a`` returns (N,) (broadcast), ``f`` (M, N) from per-row data."""
    backend, method = backend_method
    fw = Framework(backend)
    rows = np.array([0.5, 1.0, 2.0])
    pde = pdecomp.compile(SYSTEM, backend=backend, method=method)
    model = manufactured_model(fw, (x, t), [U * s], rows=(s, rows))
    a = fw.lambdify((x, t), A)
    f_rows = fw.lambdify((x, t, s), F * s)
    column = fw.array(rows[:, None])

    def f(x, t):
        return f_rows(x, t, column) + 0 * x

    xs, ts = fw.array(POINTS[0]), fw.array(POINTS[1])
    if method == "pointwise":  # per-point leaves cannot separate the rows: refused
        with pytest.raises(ValueError, match="method pointwise: coordinate"):
            pde.residuals(model, xs, ts, a=a, f=f)
        return
    res = pde.residuals(model, xs, ts, a=a, f=f)
    for name in ("diffusion", "bc"):
        expected = np.stack([reference(name, u=U * s, f=F * s, row=r) for r in rows])
        got = fw.numpy(res[name])
        assert got.shape == (3, 9)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


GRID_TEXT = """
coords x, y
fields u
functions a
eq flux: -(d(a*u_x, x) + d(a*u_y, y)) + a_xy = 0
"""
AS_FIELD_TEXT = """
coords x, y
fields u, a
eq flux: -(d(a*u_x, x) + d(a*u_y, y)) + a_xy = 0
"""


@pytest.mark.parametrize("method", ["fd2", "fd4", "spectral", "zcs"])
def test_grid_methods_treat_a_function_as_a_field(backend, method):
    """The same residual as a model that returns the function's values as a second field."""
    fw = Framework(backend)
    n = 16
    grid = np.arange(n) * 2 * np.pi / n
    Y, X = (fw.array(v) for v in np.meshgrid(grid, grid, indexing="ij"))
    lib = __import__("torch") if backend == "torch" else __import__("jax").numpy

    def u(X, Y):
        return lib.sin(X) * lib.cos(2 * Y) + 0 * X

    def a(X, Y):
        return 2 + lib.cos(X + Y) + 0 * X

    got = pdecomp.compile(pdecomp.loads(GRID_TEXT), backend=backend, method=method)
    ref = pdecomp.compile(pdecomp.loads(AS_FIELD_TEXT), backend=backend, method=method)
    r = fw.numpy(got.residual("flux", u, X, Y, a=a))
    r_ref = fw.numpy(ref.residual("flux", lambda X, Y: (u(X, Y), a(X, Y)), X, Y))
    np.testing.assert_allclose(r, r_ref, rtol=0, atol=1e-12)
    if method in ("spectral", "zcs"):  # exact on trigonometric data: compare with SymPy
        sx, sy = sympy.symbols("x y", real=True)
        us, as_ = sympy.sin(sx) * sympy.cos(2 * sy), 2 + sympy.cos(sx + sy)
        expr = -(sympy.diff(as_ * us.diff(sx), sx) + sympy.diff(as_ * us.diff(sy), sy))
        expr += sympy.diff(as_, sx, sy)
        exact = sympy.lambdify((sx, sy), expr, "numpy")(fw.numpy(X), fw.numpy(Y))
        np.testing.assert_allclose(r, exact, rtol=0, atol=1e-10)


def _calls(fw):
    counter = {"model": 0, "a": 0}
    model = manufactured_model(fw, (x, t), [U])
    a = fw.lambdify((x, t), A)

    def counted_model(*c):
        counter["model"] += 1
        return model(*c)

    def counted_a(*c):
        counter["a"] += 1
        return a(*c)

    return counter, counted_model, counted_a


@pytest.mark.parametrize("backend", BACKENDS)
def test_each_function_is_called_with_the_model(backend):
    """Torch ZCS: one call each; JAX traces once per derivative pass, both alike."""
    fw = Framework(backend)
    pde = pdecomp.compile(SYSTEM, backend=backend, method="zcs")
    counter, model, a = _calls(fw)
    xs, ts = fw.array(POINTS[0]), fw.array(POINTS[1])
    pde.residuals(model, xs, ts, a=a, f=fw.lambdify((x, t), F))
    assert counter["a"] == counter["model"] == (1 if backend == "torch" else counter["a"])
    assert counter["model"] >= 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_tensor_is_accepted_only_where_no_derivative_is_needed(backend):
    fw = Framework(backend)
    pde = pdecomp.compile(SYSTEM, backend=backend)
    model = manufactured_model(fw, (x, t), [U])
    xs, ts = fw.array(POINTS[0]), fw.array(POINTS[1])
    a_values = fw.array(sympy.lambdify((x, t), A, "numpy")(*POINTS))
    f_values = fw.array(sympy.lambdify((x, t), F, "numpy")(*POINTS))
    # `bc` reads a's value only: an array is fine, and gives the SymPy residual.
    r = pde.residual("bc", model, xs, ts, a=a_values)
    np.testing.assert_allclose(fw.numpy(r), reference("bc"), rtol=1e-12, atol=1e-12)
    # `diffusion` reads f's value only, but a's derivatives: f may be an array, a may not.
    a = fw.lambdify((x, t), A)
    r = pde.residual("diffusion", model, xs, ts, a=a, f=f_values)
    np.testing.assert_allclose(fw.numpy(r), reference("diffusion"), rtol=1e-10, atol=1e-10)
    with pytest.raises(TypeError, match="derivative of the function 'a'.*pass a callable"):
        pde.residual("diffusion", model, xs, ts, a=a_values, f=f_values)
    with pytest.raises(TypeError, match="'a'"):  # all equations: diffusion decides
        pde.residuals(model, xs, ts, a=a_values, f=f_values)
    with pytest.raises(TypeError, match="needs the function 'f'"):
        pde.residual("diffusion", model, xs, ts, a=a)
    with pytest.raises(TypeError, match="functions: a, f"):
        pde.residual("bc", model, xs, ts, a=a, g=a)
    with pytest.raises(TypeError, match="function 'a' returned a float"):
        pde.residual("diffusion", model, xs, ts, a=lambda x, t: 1.0, f=f_values)
    with pytest.raises(ValueError, match="function 'a' has shape"):
        pde.residual("diffusion", model, xs, ts, a=lambda x, t: x[:3], f=f_values)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "coords x\nfields u\nfunctions a\neq e: a_x = 1",
            r"uses no field \(it reads only functions: a\)",
        ),
        ("coords x\nfields u\nfunctions a\neq e: a(x) * u = 1", "write 'a' without arguments"),
        ("coords x\nfields u\nfunctions u\neq e: u = 1", "duplicate declaration"),
        ("coords x\nfields u\neq e: u = a\nfunctions a", "declared later"),
    ],
)
def test_pde_rules_for_functions(text, message):
    with pytest.raises(pdecomp.PDEError, match=message):
        pdecomp.loads(text)


def test_function_derivatives_are_planned_like_fields():
    """Shorthand, subscript and d() forms; a function's derivatives join the chain."""
    system = pdecomp.loads(
        "coords x, y\nfields u\nfunctions a\neq e: a_x*u + dxy(a) + d(a, y, 2) + u_x = 0"
    )
    pde = pdecomp.compile(system)
    assert pde.plan.derivatives == {
        "a_x": ("a", "x"),
        "u_x": ("u", "x"),
        "a_xy": ("a", "xy"),
        "a_yy": ("a", "yy"),
    }
    assert system.functions == ("a",)


@pytest.mark.parametrize("method", ["zcs", "funcloop", "fd2"])
def test_verify_checks_systems_with_functions(method):
    """pdecomp verify passes a random network for each function, as for each field."""
    from pdecomp.verify import verify

    report = verify(pdecomp.loads(TEXT), backend="torch", method=method)
    assert report.ok, report.table()
