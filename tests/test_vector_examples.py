"""The vector, tensor and complex examples (examples/vector/): exact solutions give zero
residuals, manufactured solutions match SymPy, and each vector form gives the same
residuals and the same derivative plan as its component-by-component form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import sympy

import pdecomp
from tests.conftest import Framework, manufactured_model

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "vector"
x, y, z, t = (sympy.Symbol(n, real=True) for n in "xyzt")
I = sympy.I  # noqa: E741 - the imaginary unit, as in the language


def _points(dims, n=16, seed=0, low=-0.5, high=1.0):
    return np.random.default_rng(seed).uniform(low, high, size=(dims, n))


def _residuals(name, backend, formulas, coords, points, method="zcs", **keywords):
    fw = Framework(backend)
    pde = pdecomp.compile(EXAMPLES / f"{name}.pde", backend=backend, method=method)
    model = manufactured_model(fw, coords, formulas)
    result = pde.residuals(model, *map(fw.array, points), **keywords)
    return {k: fw.numpy(v) for k, v in result.items()}, pde


def kovasznay(re=20):
    # a float: the torch lambdify maps a constant sqrt to torch.sqrt, a tensor function
    lam = sympy.Float(re / 2 - np.sqrt(re**2 / 4 + 4 * np.pi**2), 17)
    u = 1 - sympy.exp(lam * x) * sympy.cos(2 * sympy.pi * y)
    v = lam / (2 * sympy.pi) * sympy.exp(lam * x) * sympy.sin(2 * sympy.pi * y)
    p = (1 - sympy.exp(2 * lam * x)) / 2
    return [u, v, p]


def beltrami(a=1, d=1, nu=1):
    decay = sympy.exp(-nu * d**2 * t)
    ex, ey, ez = sympy.exp(a * x), sympy.exp(a * y), sympy.exp(a * z)
    sx, sy, sz = (sympy.sin(a * x + d * y), sympy.sin(a * y + d * z), sympy.sin(a * z + d * x))
    cx, cy, cz = (sympy.cos(a * x + d * y), sympy.cos(a * y + d * z), sympy.cos(a * z + d * x))
    u = -a * (ex * sy + ez * cx) * decay
    v = -a * (ey * sz + ex * cy) * decay
    w = -a * (ez * sx + ey * cz) * decay
    p = (
        -sympy.Rational(a**2, 2)
        * (
            ex**2
            + ey**2
            + ez**2
            + 2 * sx * cz * sympy.exp(a * (y + z))
            + 2 * sy * cx * sympy.exp(a * (z + x))
            + 2 * sz * cy * sympy.exp(a * (x + y))
        )
        * decay**2
    )
    return [u, v, w, p]


def test_kovasznay_exact_solution(backend):
    points = np.stack([_points(1, seed=1)[0], _points(1, seed=2, high=1.5)[0]])
    r, pde = _residuals("kovasznay", backend, kovasznay(), (x, y), points)
    assert set(r) == {"momentum_x", "momentum_y", "continuity"}
    for name, value in r.items():
        np.testing.assert_allclose(value, 0, atol=1e-12, err_msg=name)
    # and a wrong Reynolds number is seen
    wrong, _ = _residuals("kovasznay", backend, kovasznay(), (x, y), points, Re=40.0)
    assert np.abs(wrong["momentum_x"]).max() > 1e-2


@pytest.mark.parametrize(
    "backend_method",
    [
        ("torch", "zcs"),
        ("torch", "zcs-fwd"),
        ("torch", "zcs-taylor"),
        ("jax", "zcs"),
        ("jax", "zcs-taylor"),
    ],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def test_beltrami_exact_solution(backend_method):
    backend, method = backend_method
    points = _points(4, seed=3, low=-1.0, high=1.0)
    r, _ = _residuals("beltrami", backend, beltrami(), (x, y, z, t), points, method=method)
    assert set(r) == {"momentum_x", "momentum_y", "momentum_z", "continuity"}
    for name, value in r.items():
        np.testing.assert_allclose(value, 0, atol=1e-11, err_msg=name)
    wrong, _ = _residuals("beltrami", backend, beltrami(), (x, y, z, t), points, nu=2.0)
    assert np.abs(wrong["momentum_y"]).max() > 1e-2


def test_maxwell_plane_waves(backend):
    c = sympy.Rational(3, 2)
    n = sympy.Float(np.sqrt(2), 17)
    phase1, phase2 = x - c * t, (y + z) / n - c * t
    # E along y travelling in x, B along z; plus a wave along (0, 1, 1)/sqrt 2
    e = [sympy.cos(phase2), sympy.cos(phase1), 0 * x]
    b = [0 * x, sympy.cos(phase2) / (n * c), -sympy.cos(phase2) / (n * c) + sympy.cos(phase1) / c]
    fields = e + b
    points = _points(4, seed=4)
    r, pde = _residuals("maxwell", backend, fields, (x, y, z, t), points, c=1.5)
    assert len(r) == 8
    for name, value in r.items():
        np.testing.assert_allclose(value, 0, atol=1e-13, err_msg=name)
    wrong, _ = _residuals("maxwell", backend, fields, (x, y, z, t), points, c=1.0)
    assert np.abs(wrong["ampere_y"]).max() > 1e-2


def test_elasticity_manufactured(backend):
    lam, mu = sympy.Rational(3, 2), sympy.Rational(1, 3)
    u = sympy.sin(x) * sympy.cos(2 * y) + x**2 * y
    v = sympy.exp(x / 2) * sympy.sin(y) - x * y**3
    # Stresses written out (plane strain), then f = -div(sigma)
    exx, eyy, exy = sympy.diff(u, x), sympy.diff(v, y), (sympy.diff(u, y) + sympy.diff(v, x)) / 2
    sxx = lam * (exx + eyy) + 2 * mu * exx
    syy = lam * (exx + eyy) + 2 * mu * eyy
    sxy = 2 * mu * exy
    fx = -(sympy.diff(sxx, x) + sympy.diff(sxy, y))
    fy = -(sympy.diff(sxy, x) + sympy.diff(syy, y))
    points = _points(2, seed=5)
    fw = Framework(backend)
    forces = {
        k: fw.array(sympy.lambdify((x, y), f, "numpy")(*points))
        for k, f in (("fx", fx), ("fy", fy))
    }
    r, _ = _residuals("elasticity", backend, [u, v], (x, y), points, lam=1.5, mu=1 / 3, **forces)
    assert set(r) == {"equilibrium_x", "equilibrium_y"}
    for name, value in r.items():
        np.testing.assert_allclose(value, 0, atol=1e-12, err_msg=name)
    wrong, _ = _residuals(
        "elasticity", backend, [u, v], (x, y), points, lam=1.0, mu=1 / 3, **forces
    )
    assert np.abs(wrong["equilibrium_x"]).max() > 1e-2


def _nls_reference(h):
    """i h_t + h_xx / 2 + |h|^2 h, in SymPy's own complex arithmetic."""
    residual = I * sympy.diff(h, t) + sympy.diff(h, x, 2) / 2 + h * sympy.conjugate(h) * h
    residual = sympy.expand_complex(residual)
    return sympy.re(residual), sympy.im(residual)


def test_schrodinger_manufactured_complex_solution(backend):
    h = (1 + x * t / 2 + I * sympy.sin(x - t)) * sympy.exp(I * x / 3)
    parts = [sympy.re(sympy.expand_complex(h)), sympy.im(sympy.expand_complex(h))]
    points = _points(2, seed=6)
    r, pde = _residuals("schrodinger", backend, parts, (x, t), points)
    assert pde.system.fields == ("h_re", "h_im")
    assert set(r) == {"nls_re", "nls_im", "ic_re", "ic_im"}
    for name, expr in zip(("nls_re", "nls_im"), _nls_reference(h)):
        want = sympy.lambdify((x, t), expr, "numpy")(*points)
        np.testing.assert_allclose(r[name], want, rtol=1e-12, atol=1e-12, err_msg=name)
    ic = [parts[0] - 2 / sympy.cosh(x), parts[1]]
    for name, expr in zip(("ic_re", "ic_im"), ic):
        want = sympy.lambdify((x, t), expr, "numpy")(*points)
        np.testing.assert_allclose(r[name], want, rtol=1e-12, atol=1e-12, err_msg=name)


def test_schrodinger_soliton_and_dict_outputs(backend):
    """The soliton sech(x) exp(i t / 2) solves the equation; the model may return a dict."""
    fw = Framework(backend)
    h = sympy.sech(x) * sympy.exp(I * t / 2)
    re, im = (f(sympy.expand_complex(h)) for f in (sympy.re, sympy.im))
    pde = pdecomp.compile(EXAMPLES / "schrodinger.pde", backend=backend)
    parts = manufactured_model(fw, (x, t), [re.rewrite(sympy.cosh), im.rewrite(sympy.cosh)])

    def model(*xs):
        a, b = parts(*xs)
        return {"h_im": b, "h_re": a}

    points = [fw.array(p) for p in _points(2, seed=7, low=-3, high=3)]
    r = pde.residuals(model, *points)
    for name in ("nls_re", "nls_im"):
        np.testing.assert_allclose(fw.numpy(r[name]), 0, atol=1e-13, err_msg=name)


# ---- vector form against component form ----------------------------------------------

PAIRS = sorted(p.stem for p in EXAMPLES.glob("*.pde"))


@pytest.mark.parametrize("name", PAIRS)
def test_vector_form_equals_component_form(name, backend):
    """Same equations in order, same residuals, same derivative chain: no extra work."""
    vector = pdecomp.compile(EXAMPLES / f"{name}.pde", backend=backend)
    component = pdecomp.compile(EXAMPLES / "components" / f"{name}.pde", backend=backend)
    _same_plan(vector, component)
    _same_residuals(vector, component, backend)


def _same_plan(vector, component):
    """Same equation names, derivative table, chain and (renamed) expressions."""
    assert vector.equations == component.equations
    # the component form of a complex field h spells its parts u, v: rename them
    rename = dict(zip(component.system.fields, vector.system.fields))
    symbols = {}
    for field, suffix in component.plan.derivatives.values():
        old, new = f"{field}_{suffix}", f"{rename[field]}_{suffix}"
        symbols[sympy.Symbol(old, real=True)] = sympy.Symbol(new, real=True)
    for old, new in rename.items():
        symbols[sympy.Symbol(old, real=True)] = sympy.Symbol(new, real=True)
    combinations = {}  # fused linear operators (_lin0_u): the same sums, renamed
    for name, (field, terms) in component.plan.combinations.items():
        new = name[: -len(field)] + rename[field]
        symbols[sympy.Symbol(name, real=True)] = sympy.Symbol(new, real=True)
        combinations[new] = (
            rename[field],
            tuple((symbols[sympy.Symbol(m, real=True)].name, c) for m, c in terms),
        )
    assert vector.plan.combinations == combinations
    derivatives = {
        f"{rename[f]}_{s}": (rename[f], s) for f, s in component.plan.derivatives.values()
    }
    assert vector.plan.derivatives == derivatives
    assert [(n.index, n.parent, n.coord, n.suffix) for n in vector.plan.chain] == [
        (n.index, n.parent, n.coord, n.suffix) for n in component.plan.chain
    ]
    for a, b in zip(vector.plan.equations, component.plan.equations):
        assert a.derivatives == tuple(
            symbols[sympy.Symbol(d, real=True)].name for d in b.derivatives
        )
        assert a.expr == b.expr.xreplace(symbols), a.name


def _same_residuals(vector, component, backend):
    fw = Framework(backend)
    system = vector.system
    from tests.test_vectors import _network

    points = [fw.array(p) for p in _points(len(system.coords), seed=8, low=0.1)]
    model = _network(fw, len(system.coords), len(system.fields), seed=1)
    inputs = {i: fw.array(np.linspace(0.5, 1.5, 16)) for i in system.inputs}
    a = vector.residuals(model, *points, **inputs)
    b = component.residuals(model, *points, **inputs)
    for name in vector.equations:
        if system.complex_fields:  # other symbol names: other operand order, last bit
            np.testing.assert_allclose(
                fw.numpy(a[name]), fw.numpy(b[name]), rtol=1e-14, atol=1e-15, err_msg=name
            )
        else:  # the same expressions, the same symbols: the same numbers, bit for bit
            np.testing.assert_array_equal(fw.numpy(a[name]), fw.numpy(b[name]), err_msg=name)


def test_stokes_problem_is_in_vector_form():
    """examples/problems/stokes.pde (the operator-learning problem) uses the vector form
    and compiles to the same plan as the component form it replaced."""
    text = (ROOT / "examples" / "problems" / "stokes.pde").read_text()
    assert "lap(U)" in text and "div(U)" in text
    vector = pdecomp.compile(ROOT / "examples" / "problems" / "stokes.pde")
    component = pdecomp.compile(
        pdecomp.loads(
            "pde stokes\ncoords x, y\nfields u, v, p\nparams mu = 1\ninputs ulid\n"
            "eq momentum_x: mu*lap(u) - dx(p) = 0\neq momentum_y: mu*lap(v) - dy(p) = 0\n"
            "eq continuity: dx(u) + dy(v) = 0\neq lid: u = ulid\neq wallu: u = 0\n"
            "eq wallv: v = 0"
        )
    )
    _same_plan(vector, component)
    _same_residuals(vector, component, "torch")


def test_residual_of_a_group_is_the_tuple_of_its_components(backend):
    fw = Framework(backend)
    from tests.test_vectors import _network

    pde = pdecomp.compile(EXAMPLES / "beltrami.pde", backend=backend)
    assert pde.groups == {"momentum": ("momentum_x", "momentum_y", "momentum_z")}
    assert pde.module.GROUPS == pde.groups
    points = [fw.array(p) for p in _points(4, seed=9)]
    model = _network(fw, 4, 4, seed=2)
    every = pde.residuals(model, *points)
    momentum = pde.residual("momentum", model, *points, nu=1)
    assert isinstance(momentum, tuple) and len(momentum) == 3
    for value, name in zip(momentum, pde.groups["momentum"]):
        np.testing.assert_array_equal(fw.numpy(value), fw.numpy(every[name]))
    with pytest.raises(ValueError, match="momentum = momentum_x, momentum_y, momentum_z"):
        pde.residual("momentun", model, *points)
    nls = pdecomp.compile(EXAMPLES / "schrodinger.pde", backend=backend)
    pair = nls.residual("nls", _network(fw, 2, 2), *points[:2])
    assert len(pair) == 2
    np.testing.assert_array_equal(
        fw.numpy(pair[1]), fw.numpy(nls.residual("nls_im", _network(fw, 2, 2), *points[:2]))
    )


def test_header_check_and_latex_show_the_vector_form(capsys):
    from pdecomp.cli import main

    path = EXAMPLES / "kovasznay.pde"
    source = pdecomp.compile(path).source
    header = source[: source.index('"""', 3)]
    assert "    momentum: dot(U, grad(U)) = -grad(p) + lap(U)/Re\n" in header
    assert "        momentum_x: u*u_x + u_y*v = -p_x + (u_xx + u_yy)/Re\n" in header
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "  eq momentum: dot(U, grad(U)) = -grad(p) + lap(U)/Re\n    momentum_x: " in out
    assert main(["show", "--latex", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        r"momentum: \mathbf{U} \cdot \nabla \mathbf{U} = -\nabla p + \frac{\nabla^{2} "
        r"\mathbf{U}}{Re}"
    )
    assert out[1].startswith(r"  momentum_x: \frac{\partial u}{\partial x} u")
    complex_source = pdecomp.compile(EXAMPLES / "schrodinger.pde").source
    assert "Fields (model outputs, in order): h complex (h_re, h_im)" in complex_source


def test_kovasznay_pinn_example_runs(tmp_path):
    from examples.vector.pinn_kovasznay import main

    result = main(["--steps", "8", "--points", "64", "--out", str(tmp_path)])
    history = __import__("json").loads((tmp_path / "pinn_kovasznay_history.json").read_text())
    assert len(history) == 8
    assert history[-1]["pde"] + 10 * history[-1]["bc"] < history[0]["pde"] + 10 * history[0]["bc"]
    assert (tmp_path / "pinn_kovasznay.png").stat().st_size > 10_000
    assert (tmp_path / "kovasznay_torch.py").exists()
    assert 0 < result["velocity_relative_l2_error"] < 10


def test_notebook_latex_shows_the_written_form():
    from pdecomp.latex import aligned, document

    system = pdecomp.load(EXAMPLES / "maxwell.pde")
    block = aligned(system)
    assert r"\text{faraday:} && \partial_{t} \mathbf{Bv} + \nabla \times \mathbf{Ev} = 0" in block
    assert r"\text{faraday\_x:}" in block
    assert r"\text{gaussE:}" in document(system)
