"""Parsing and building: every statement and expression form, precedence, and that every
derivative spelling gives the identical SymPy object."""

from __future__ import annotations

import pytest
import sympy

import pdecomp

HEAD = "coords x, y, t\ntime t\nfields u, v\nparams nu = 0.5\ninputs f\n"
x, y, t = sympy.symbols("x y t", real=True)
u = sympy.Function("u", real=True)(x, y, t)
v = sympy.Function("v", real=True)(x, y, t)
nu = sympy.Symbol("nu", real=True)


def residual(expr_text: str) -> sympy.Expr:
    return pdecomp.loads(HEAD + f"eq e: {expr_text}").equations["e"]


def test_full_file_with_every_statement():
    text = """# Burgers' equation, viscous
pde burgers                                   # optional name
coords x, t          # coordinates
time t
fields u
params nu = 0.01/pi
params k = 2.5e-3, c = sqrt(2)*E
inputs f, h
let g = sin(pi*x)
eq burgers: dt(u) + u*dx(u) = nu*dxx(u)
eq ic:      u = -g
eq u_t + k*c*f*h = 0
"""
    system = pdecomp.loads(text)
    assert system.name == "burgers"
    assert system.coords == ("x", "t") and system.time == "t"
    assert system.fields == ("u",) and system.inputs == ("f", "h")
    assert [p.name for p in system.params] == ["nu", "k", "c"]
    assert system.params[0].default == sympy.Rational(1, 100) / sympy.pi
    assert system.params[1].default == sympy.Rational(25, 10000)
    assert list(system.equations) == ["burgers", "ic", "eq3"]
    xx, tt = sympy.symbols("x t", real=True)
    uu = sympy.Function("u", real=True)(xx, tt)
    assert system.equations["ic"] == uu + sympy.sin(sympy.pi * xx)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("-u^2", -(u**2)),
        ("u^2^3", u ** (2**3)),
        ("u**2**3", u ** (2**3)),
        ("u/v*nu", (u / v) * nu),
        ("u - v - nu", (u - v) - nu),
        ("u/v/nu", (u / v) / nu),
        ("-u*v", -(u * v)),
        ("2^-1*u", u / 2),
        ("(u + v)*nu", (u + v) * nu),
        ("u - -v", u + v),
        ("+u", u),
        ("1e-3*u + .5*v + 2.*nu", sympy.Rational(1, 1000) * u + v / 2 + 2 * nu),
        (
            "atan2(u, v) + min(u, v) + max(u, nu) + abs(u) + sign(v)",
            sympy.atan2(u, v) + sympy.Min(u, v) + sympy.Max(u, nu) + sympy.Abs(u) + sympy.sign(v),
        ),
        (
            "exp(u) + log(v) + sqrt(u) + tanh(u) + asin(u) + acos(u) + atan(u)",
            sympy.exp(u)
            + sympy.log(v)
            + sympy.sqrt(u)
            + sympy.tanh(u)
            + sympy.asin(u)
            + sympy.acos(u)
            + sympy.atan(u),
        ),
        (
            "sin(u) + cos(u) + tan(u) + sinh(u) + cosh(u)",
            sympy.sin(u) + sympy.cos(u) + sympy.tan(u) + sympy.sinh(u) + sympy.cosh(u),
        ),
        ("pi*E*u", sympy.pi * sympy.E * u),
    ],
)
def test_precedence_and_functions(text, expected):
    assert sympy.simplify(residual(text) - expected) == 0
    assert residual(text) == expected


@pytest.mark.parametrize(
    "spellings",
    [
        ["d(u, x)", "dx(u)", "u_x"],
        ["d(u, x, 2)", "d(u, x, x)", "dxx(u)", "u_xx", "dx(dx(u))", "d(u_x, x)"],
        ["d(u, x, y)", "dxy(u)", "u_xy", "u_yx", "dy(u_x)", "d(u, y, x)"],
        ["d(u, x, 2, t)", "dxxt(u)", "u_xxt", "u_txx", "dt(u_xx)", "d(u, x, 2, t, 1)"],
        ["lap(u)", "u_xx + u_yy", "d(u, x, 2) + d(u, y, 2)"],
        ["lap(lap(u))", "u_xxxx + 2*u_xxyy + u_yyyy", "d(u, x, 4) + 2*d(u, x, 2, y, 2) + dyyyy(u)"],
    ],
)
def test_derivative_spellings_are_identical(spellings):
    built = [residual(s) for s in spellings]
    assert all(b == built[0] for b in built), built


def test_product_and_chain_rule_applied_symbolically():
    got = residual("d(u*v, x) + d(sin(u), t)")
    want = u.diff(x) * v + u * v.diff(x) + sympy.cos(u) * u.diff(t)
    assert sympy.simplify(got - want) == 0


def test_let_and_coordinate_expressions_are_differentiated_symbolically():
    system = pdecomp.loads(HEAD + "let g = sin(pi*x)*u\neq e: dx(g) + d(x^2, x) + d(nu, x)")
    want = sympy.pi * sympy.cos(sympy.pi * x) * u + sympy.sin(sympy.pi * x) * u.diff(x) + 2 * x
    assert sympy.simplify(system.equations["e"] - want) == 0


def test_lap_skips_time_and_uses_all_space_coordinates():
    assert residual("lap(u)") == u.diff(x, 2) + u.diff(y, 2)
    no_time = pdecomp.loads("coords x, y, t\nfields u\neq e: lap(u)").equations["e"]
    assert no_time == u.diff(x, 2) + u.diff(y, 2) + u.diff(t, 2)


def test_statements_in_any_order_and_repeated():
    system = pdecomp.loads(
        "fields u\ncoords x\nparams a = 1\neq e: a*u_x + b*u\nparams b = 2\n".replace(
            "eq e: a*u_x + b*u\nparams b = 2\n", "params b = 2\neq e: a*u_x + b*u\n"
        )
    )
    assert [p.name for p in system.params] == ["a", "b"]


def test_coords_after_fields_still_make_fields_functions_of_all_coordinates():
    system = pdecomp.loads("fields u\ncoords x\ncoords y\neq e: u_x + u_y")
    xx, yy = sympy.symbols("x y", real=True)
    uu = sympy.Function("u", real=True)(xx, yy)
    assert system.equations["e"] == uu.diff(xx) + uu.diff(yy)


def test_equation_without_rhs_means_equal_to_zero():
    assert residual("u_x + u") == u.diff(x) + u
