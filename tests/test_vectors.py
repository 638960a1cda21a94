"""Vectors and tensors: every operator against an independent SymPy reference, the index
convention, vector identities, component naming and located shape errors.

The references below are written from the definitions (``grad(V)[i][j] = d_i V_j``,
``div(T)[j] = sum_i d_i T[i][j]``, ``dot`` contracting last with first) with SymPy's
``diff`` on manufactured fields; the compiled residuals (both backends, float64) must
match them component by component.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy

import pdecomp
from pdecomp import PDEError
from tests.conftest import Framework, manufactured_model

x, y, z, t = (sympy.Symbol(n, real=True) for n in "xyzt")
X = (x, y, z)
# Manufactured fields u, v, w, s of (x, y, z).
U, V_, W_, S = (
    sympy.sin(x) * sympy.cos(2 * y) * sympy.exp(z / 3) + x * y * z,
    sympy.exp(x / 2) * sympy.sin(y + z) + y**2,
    sympy.cos(x * y) + z * sympy.sin(x),
    sympy.sin(x + 2 * y) * sympy.cos(z) + x**2 * y,
)
VEC = [U, V_, W_]
WEC = [S, U * V_, sympy.Integer(1)]

OPERATORS_3D = """
coords x, y, z
fields u, v, w, s
vector V = (u, v, w)
vector W = (s, u*v, 1)
eq g: grad(s) = 0
eq G: grad(V) = 0
eq dv: div(V) = 0
eq dT: div(outer(V, W)) = 0
eq c: curl(V) = 0
eq L: lap(V) = 0
eq a: dot(V, grad(V)) = 0
eq b: dot(grad(V), V) = 0
eq k: cross(V, W) = 0
eq o: outer(V, W) = 0
eq T: transpose(grad(V)) = 0
eq trace: tr(grad(V)) + s = 0
eq S: sym(grad(V)) = 0
eq ident: s*Id + outer(V, V) = 0
eq ix: V[2] + grad(V)[1, 3] + grad(V)[3][2] = 0
eq n: norm(V) = 0
eq sv: s*V - V/s + x*W = 0
eq dd: d(V, x) + dy(W) + V_z = 0
eq dW: dot(W, V) = 0
"""


def _grad_s(s):
    return [sympy.diff(s, xi) for xi in X]


def _grad(vec):
    return [[sympy.diff(vec[j], X[i]) for j in range(3)] for i in range(3)]


def _flat(rows):
    return [c for row in rows for c in row]


def _references():
    grad_v = _grad(VEC)
    outer_vw = [[VEC[i] * WEC[j] for j in range(3)] for i in range(3)]
    dot = {
        "a": [sum(VEC[i] * grad_v[i][j] for i in range(3)) for j in range(3)],
        "b": [sum(grad_v[i][j] * VEC[j] for j in range(3)) for i in range(3)],
    }
    a, b = VEC, WEC
    return {
        "g": _grad_s(S),
        "G": _flat(grad_v),
        "dv": [sum(sympy.diff(VEC[i], X[i]) for i in range(3))],
        "dT": [sum(sympy.diff(outer_vw[i][j], X[i]) for i in range(3)) for j in range(3)],
        "c": [
            sympy.diff(VEC[2], y) - sympy.diff(VEC[1], z),
            sympy.diff(VEC[0], z) - sympy.diff(VEC[2], x),
            sympy.diff(VEC[1], x) - sympy.diff(VEC[0], y),
        ],
        "L": [sum(sympy.diff(c, xi, 2) for xi in X) for c in VEC],
        **dot,
        "k": [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]],
        "o": _flat(outer_vw),
        "T": _flat([[grad_v[j][i] for j in range(3)] for i in range(3)]),
        "trace": [sum(grad_v[i][i] for i in range(3)) + S],
        "S": _flat([[(grad_v[i][j] + grad_v[j][i]) / 2 for j in range(3)] for i in range(3)]),
        "ident": _flat([[S * int(i == j) + VEC[i] * VEC[j] for j in range(3)] for i in range(3)]),
        "ix": [VEC[1] + grad_v[0][2] + grad_v[2][1]],
        "n": [sympy.sqrt(sum(c**2 for c in VEC))],
        "sv": [S * VEC[i] - VEC[i] / S + x * WEC[i] for i in range(3)],
        "dd": [
            sympy.diff(VEC[i], x) + sympy.diff(WEC[i], y) + sympy.diff(VEC[i], z) for i in range(3)
        ],
        "dW": [sum(WEC[i] * VEC[i] for i in range(3))],
    }


def _names(name, count):
    """Component names in row-major order, after the spatial coordinates."""
    if count == 1:
        return [name]
    if count == 3:
        return [f"{name}_{c}" for c in "xyz"]
    return [f"{name}_{a}{b}" for a in "xyz" for b in "xyz"]


def _points(n=12, dims=3, seed=0):
    return np.random.default_rng(seed).uniform(0.2, 1.0, size=(dims, n))


def test_every_operator_matches_sympy(backend):
    fw = Framework(backend)
    pde = pdecomp.compile(pdecomp.loads(OPERATORS_3D), backend=backend)
    points = _points()
    model = manufactured_model(fw, X, [U, V_, W_, S])
    got = pde.residuals(model, *(fw.array(p) for p in points))
    references = _references()
    expected_names = [n for key, ref in references.items() for n in _names(key, len(ref))]
    assert sorted(pde.equations) == sorted(expected_names)
    for key, ref in references.items():
        for name, expr in zip(_names(key, len(ref)), ref):
            want = sympy.lambdify(X, expr, modules="numpy")(*points)
            np.testing.assert_allclose(
                fw.numpy(got[name]), np.broadcast_to(want, points[0].shape), rtol=1e-12, atol=1e-12
            )


TWO_D = """
coords x, y, t
time t
fields u, v, q
vector V = (u, v)
eq c: curl(V) = 0
eq m: dt(V) + lap(V) - d(V, t, 2) = 0
eq g: grad(q) + Id[1] = 0
eq D: div(grad(V)) = 0
"""


def test_two_dimensional_operators_skip_time(backend):
    fw = Framework(backend)
    coords = (x, y, t)
    u = sympy.sin(x * t) + y**2 * t
    v = sympy.exp(y - t / 2) * sympy.cos(x)
    q = x**3 * y + sympy.sin(t * y)
    pde = pdecomp.compile(pdecomp.loads(TWO_D), backend=backend)
    points = _points(dims=3, seed=1)
    got = pde.residuals(manufactured_model(fw, coords, [u, v, q]), *map(fw.array, points))
    lap = [sympy.diff(c, x, 2) + sympy.diff(c, y, 2) for c in (u, v)]
    references = {
        "c": sympy.diff(v, x) - sympy.diff(u, y),
        "m_x": sympy.diff(u, t) + lap[0] - sympy.diff(u, t, 2),
        "m_y": sympy.diff(v, t) + lap[1] - sympy.diff(v, t, 2),
        "g_x": sympy.diff(q, x) + 1,
        "g_y": sympy.diff(q, y),
        "D_x": lap[0],
        "D_y": lap[1],
    }
    assert set(pde.equations) == set(references)
    for name, expr in references.items():
        want = sympy.lambdify(coords, expr, modules="numpy")(*points)
        np.testing.assert_allclose(
            fw.numpy(got[name]), np.broadcast_to(want, points[0].shape), rtol=1e-12, atol=1e-12
        )


# ---- identities: residuals that vanish for any model ---------------------------------

IDENTITIES = """
coords x, y, z
fields u, v, w, s
vector V = (u, v, w)
eq divcurlA: d(curl(V)[1], x) = 0
eq divcurlB: d(curl(V)[2], y) + d(curl(V)[3], z) = 0
eq curlgrad: curl(grad(s)) = V
eq lapV: lap(V) = 0
eq graddivcurlcurl: grad(div(V)) - curl(curl(V)) = 0
"""


def _network(fw: Framework, inputs: int, outputs: int, seed: int = 0):
    """A small tanh network of the coordinates: an arbitrary smooth model."""
    rng = np.random.default_rng(seed)
    w1, b1 = rng.normal(size=(inputs, 16)), rng.normal(size=16)
    w2 = rng.normal(size=(16, outputs)) / 4
    w1, b1, w2 = fw.array(w1), fw.array(b1), fw.array(w2)

    def model(*xs):
        if fw.name == "torch":
            import torch

            h = torch.tanh(torch.stack(xs, -1) @ w1 + b1) @ w2
            return tuple(h.unbind(-1))
        import jax.numpy as jnp

        h = jnp.tanh(jnp.stack(xs, -1) @ w1 + b1) @ w2
        return tuple(h[..., k] for k in range(outputs))

    return model


def test_vector_identities_vanish_for_any_model(backend):
    fw = Framework(backend)
    pde = pdecomp.compile(pdecomp.loads(IDENTITIES), backend=backend)
    points = [fw.array(p) for p in _points(seed=2)]
    r = {k: fw.numpy(v) for k, v in pde.residuals(_network(fw, 3, 4), *points).items()}
    scale = max(np.abs(r["divcurlA"]).max(), np.abs(r["lapV_x"]).max())
    assert scale > 1e-3  # the pieces are not zero themselves
    np.testing.assert_allclose(r["divcurlA"] + r["divcurlB"], 0, atol=1e-13 * (1 + scale))
    # curl(grad s) = V: the residual is -V, the model's own u, v, w
    outputs = [fw.numpy(f) for f in _network(fw, 3, 4)(*points)]
    for c, out in zip("xyz", outputs):
        np.testing.assert_allclose(r[f"curlgrad_{c}"], -out, rtol=1e-13, atol=1e-14)
    for c in "xyz":  # lap V = grad(div V) - curl(curl V)
        np.testing.assert_allclose(
            r[f"lapV_{c}"], r[f"graddivcurlcurl_{c}"], rtol=1e-12, atol=1e-13
        )


@pytest.mark.parametrize(
    "identity",
    ["div(curl(V))", "curl(grad(s))", "lap(V) - grad(div(V)) + curl(curl(V))"],
)
def test_identities_are_exactly_zero(identity):
    text = "coords x, y, z\nfields u, v, w, s\nvector V = (u, v, w)\neq e: " + identity + " = 0"
    with pytest.raises(PDEError, match="(uses no field|is identically zero)"):
        pdecomp.loads(text)


# ---- naming, groups and shape errors -------------------------------------------------


def test_component_names_and_groups():
    system = pdecomp.loads(
        "coords x, y, t\ntime t\nfields u, v, p\nvector U = (u, v)\n"
        "eq m: dt(U) + grad(p) = 0\neq s: grad(U) = 0\neq c: div(U) = 0"
    )
    assert list(system.equations) == ["m_x", "m_y", "s_xx", "s_xy", "s_yx", "s_yy", "c"]
    assert [(g.name, g.components) for g in system.groups] == [
        ("m", ("m_x", "m_y")),
        ("s", ("s_xx", "s_xy", "s_yx", "s_yy")),
    ]
    assert system.groups[0].text == "m: dt(U) + grad(p) = 0"
    # grad(U)[i][j] = d_i U_j: s_xy is d_x v
    assert system.equations["s_xy"] == sympy.Derivative(system.field_function("v"), x)


H2 = "coords x, y\nfields u, v, p\n"
H3 = "coords x, y, z\nfields u, v, w, p\n"
SHAPE_ERRORS = [
    (H2 + "eq e: div(p) = 0", 3, 7, "div of a scalar"),
    (
        H3 + "vector A = (u, v)\nvector B = (u, v, w)\neq e: dot(A, B) = 0",
        5,
        7,
        "dot of a vector of 2 components and a vector of 3 components: lengths differ",
    ),
    (
        H3 + "vector A = (u, v)\neq e: div(A) = p",
        4,
        7,
        "div of a vector of 2 components, but there are 3 spatial coordinates (x, y, z)",
    ),
    (H3 + "vector A = (u, v)\neq e: grad(A) = 0", 4, 7, "grad of a vector of 2 components"),
    (H3 + "vector A = (u, v)\neq e: A = 0", 4, 4, "it needs 3 per index"),
    (
        "coords x, t\ntime t\nfields u, v\nvector A = (u, v)\neq e: curl(A) = 0",
        5,
        7,
        "curl needs 2 or 3 spatial coordinates; there is 1 (x)",
    ),
    (H2 + "vector U = (u, v)\neq e: U + p = 0", 4, 11, "a vector of 2 components plus a scalar"),
    (H2 + "vector U = (u, v)\neq e: 1 - U = 0", 4, 7, "plus a scalar"),
    (H2 + "vector U = (u, v)\neq e: U = 1", 4, 4, "equal to a scalar"),
    (H2 + "vector U = (u, v)\neq e: U*U = 0", 4, 9, "use dot(A, B), outer(A, B) or cross(A, B)"),
    (H2 + "vector U = (u, v)\neq e: p/U = 0", 4, 9, "division by a vector of 2 components"),
    (H2 + "vector U = (u, v)\neq e: U^2 = 0", 4, 7, "a power needs a scalar"),
    (H2 + "vector U = (u, v)\neq e: sin(U) = 0", 4, 11, "sin() of a vector of 2 components"),
    (
        H2 + "vector U = (u, v)\neq e: U[3] = 0",
        4,
        9,
        "the index must be a whole number from 1 to 2",
    ),
    (H2 + "vector U = (u, v)\neq e: U[1, 1] = 0", 4, 12, "2 indices for a vector"),
    (H2 + "eq e: p[1] = 0", 3, 7, "only a vector or tensor can be indexed"),
    (H2 + "vector U = ((u, v), (v, u))\neq e: p = 0", 3, 12, "must be a list of scalar components"),
    (H2 + "let T = ((u, v), u)\neq e: p = 0", 3, 18, "must share one shape"),
    (H2 + "vector U = (u, v)\neq e: cross(U, U) = 0", 4, 7, "cross needs two vectors of 3"),
    (H2 + "vector U = (u, v)\neq e: tr(U) = p", 4, 7, "tr needs a tensor of rank 2"),
    (H2 + "vector U = (u, v)\neq e: dot(U, p) = 0", 4, 7, "dot needs vectors or tensors"),
    (H2 + "vector U = (u, v)\neq e: grad(U) = U", 4, 4, "shapes differ"),
    (H2 + "vector U = (u, v)\neq m: U = 0\neq m: p = 0", 5, 4, "duplicate equation name 'm'"),
    (H2 + "eq mx: p = 0\nfields div", 4, 8, "'div' is a reserved name (a vector operator)"),
    (H2 + "params a = norm(1)\neq e: p = a", 3, 12, "vector operator"),
]


@pytest.mark.parametrize(("text", "line", "column", "message"), SHAPE_ERRORS)
def test_shape_errors_are_located(text, line, column, message):
    with pytest.raises(PDEError) as info:
        pdecomp.loads(text, "shape.pde")
    error = info.value
    assert message in error.message, error.message
    assert (error.line, error.column) == (line, column), str(error)
    assert str(error).startswith(f"shape.pde:{line}:{column}: error: ")
