"""Domains in the language: `domain`, `on`, `periodic`, their checks, analysis and display.

The generated module's side (sample, loss, periodic residuals) is in test_sampling.py.
"""

from __future__ import annotations

import pytest
import sympy

import pdecomp
from pdecomp.analyze import analyze
from pdecomp.cli import main
from pdecomp.domains import Periodic

H = "coords x, t\ntime t\nfields u\n"
BOX = "domain x in [-1, 1], t in [0, 1]\n"
PROBLEM = (
    H
    + "params nu = 0.01/pi\n"
    + BOX
    + "eq burgers: dt(u) + u*dx(u) = nu*dxx(u)\n"
    + "eq ic: u = -sin(pi*x) on t = 0\n"
    + "eq bc: u = 0 on x = -1, x = 1\n"
    + "eq per: periodic(u, x)\n"
    + "eq perx: periodic(u_x, x)\n"
)
x, t = sympy.symbols("x t", real=True)
u = sympy.Function("u", real=True)


def test_domain_faces_and_periodic_coordinate():
    system = pdecomp.loads(PROBLEM, "p.pde")
    box = system.domain
    assert [(i.coord, i.lo, i.hi) for i in box.intervals] == [("x", -1, 1), ("t", 0, 1)]
    info = {e.name: e for e in system.equation_info}
    assert info["burgers"].where == () and info["burgers"].periodic is None
    assert [(f.coord, f.side, f.value) for f in info["ic"].where] == [("t", 0, 0)]
    assert [(f.coord, f.side, f.value) for f in info["bc"].where] == [("x", 0, -1), ("x", 1, 1)]
    assert info["per"].periodic == "x" and info["per"].where == ()
    # periodic(e, x) means e at x = -1 minus e at x = 1, at the same t.
    assert system.equations["per"].doit() == u(-1, t) - u(1, t)
    expected = sympy.Subs(sympy.Derivative(u(x, t), x), x, -1) - sympy.Subs(
        sympy.Derivative(u(x, t), x), x, 1
    )
    assert system.equations["perx"].doit() == expected


def test_interval_order_follows_coords_and_bounds_are_exact():
    text = "coords x, y\nfields u\ndomain y in [0, 1], x in [0, 2*pi]\neq b: u on x = pi*2\n"
    system = pdecomp.loads(text)
    assert [i.coord for i in system.domain.intervals] == ["x", "y"]
    assert system.equation_info[0].where[0].value == 2 * sympy.pi
    with pytest.raises(pdecomp.PDEError, match="is not a face"):
        pdecomp.loads(text.replace("pi*2", "6.2832"))


def test_without_domain_nothing_changes():
    system = pdecomp.loads(H + "eq e: u_t = u_xx\n")
    assert system.domain is None
    assert system.equation_info[0].where == () and system.equation_info[0].periodic is None


def test_periodic_in_the_analysis_reads_both_faces():
    text = H + BOX + "eq p: periodic(x*u + u_x, x)\neq q: dt(periodic(u, x)) = 0\n"
    plan = analyze(pdecomp.loads(text))
    p, q = plan.equations
    lo, hi = (sympy.Symbol(f"u{s}", real=True) for s in ("__lo_x", "__hi_x"))
    ux_lo, ux_hi = (sympy.Symbol(f"u_x{s}", real=True) for s in ("__lo_x", "__hi_x"))
    assert sympy.expand(p.expr - ((-1) * lo + ux_lo - (1 * hi + ux_hi))) == 0
    assert p.args == ("u__lo_x", "u_x__lo_x", "u__hi_x", "u_x__hi_x")
    assert q.args == ("u_t__lo_x", "u_t__hi_x")  # d/dt moves inside: periodic(u_t, x)
    assert set(plan.derivatives) == {"u_x", "u_t"}


def test_derivative_of_periodic():
    system = pdecomp.loads(H + BOX + "eq q: dt(periodic(u, x))\n")
    assert system.equations["q"] == Periodic(sympy.Derivative(u(x, t), t), x, -1, 1)
    with pytest.raises(pdecomp.PDEError, match="uses no field"):  # d/dx of it is zero
        pdecomp.loads(H + BOX + "eq q: dx(periodic(u, x))\n")


ERRORS = {
    "not a bound": (H + BOX + "eq ic: u = 0 on t = 0.5\n", 5, 21, "t = 0.5 is not a face"),
    "unknown coordinate in on": (
        H + BOX + "eq ic: u = 0 on y = 0\n",
        5,
        17,
        "undeclared coordinate 'y'",
    ),
    "a param in on": (
        H + "params a = 1\n" + BOX + "eq ic: u = 0 on a = 0\n",
        6,
        17,
        "'on' takes coordinates; 'a' is a parameter",
    ),
    "empty interval": (H + "domain x in [1, 1], t in [0, 1]\neq e: u\n", 4, 14, "empty interval"),
    "reversed interval": (
        H + "domain x in [1, -1], t in [0, 1]\neq e: u\n",
        4,
        14,
        "empty interval",
    ),
    "on without domain": (H + "eq ic: u = 0 on t = 0\n", 4, 14, "'on' needs a domain"),
    "periodic without domain": (H + "eq p: periodic(u, x)\n", 4, 7, "periodic() needs a domain"),
    "domain given later": (H + "eq ic: u = 0 on t = 0\n" + BOX, 4, 14, "given later (line 5)"),
    "coordinate without interval": (
        H + "domain x in [-1, 1]\neq e: u\n",
        4,
        1,
        "no interval for coordinate 't'",
    ),
    "unknown coordinate in domain": (
        H + "domain x in [-1, 1], y in [0, 1]\neq e: u\n",
        4,
        22,
        "undeclared coordinate 'y'",
    ),
    "two domains": (H + BOX + BOX + "eq e: u\n", 5, 1, "duplicate 'domain'"),
    "two intervals": (H + "domain x in [-1, 1], x in [0, 1]\neq e: u\n", 4, 22, "two intervals"),
    "param bound": (
        H + "params a = 1\ndomain x in [-a, a], t in [0, 1]\neq e: u\n",
        5,
        15,
        "a domain bound must be a constant expression; 'a' is a parameter",
    ),
    "complex bound": (H + "domain x in [0, sqrt(-1)], t in [0, 1]\neq e: u\n", 4, 17, "not real"),
    "face twice": (H + BOX + "eq e: u on x = 1, x = 1\n", 5, 19, "listed twice"),
    "periodic of a param": (
        H + "params a = 1\n" + BOX + "eq e: periodic(u, a)\n",
        6,
        19,
        "periodic() takes coordinates",
    ),
    "periodic of an expression": (
        H + BOX + "eq e: periodic(u, 2*x)\n",
        5,
        19,
        "second argument must be a coordinate",
    ),
    "periodic arity": (H + BOX + "eq e: periodic(u)\n", 5, 7, "takes 2 arguments"),
    "periodic in two coordinates": (
        H + BOX + "eq e: periodic(u, x) + periodic(u, t)\n",
        5,
        4,
        "one periodic coordinate per equation",
    ),
    "nested periodic": (H + BOX + "eq e: periodic(periodic(u, x), t)\n", 5, 7, "inside periodic"),
    "field outside periodic": (
        H + BOX + "eq e: periodic(u, x) + u\n",
        5,
        4,
        "outside periodic(), a field or 'x' has no single value",
    ),
    "periodic with on": (H + BOX + "eq e: periodic(u, x) on t = 0\n", 5, 4, "'on' cannot place"),
    "glued on": (H + BOX + "eq e: u onx = 1\n", 5, 9, "write 'on' apart"),
    "glued domain": (H + "domainx in [0, 1]\neq e: u\n", 4, 1, "write 'domain x'"),
    "on is reserved": ("coords on\nfields u\neq e: u\n", 1, 8, "'on' is a reserved name"),
    "input in periodic": (
        H + "inputs f\n" + BOX + "eq e: periodic(u*f, x)\n",
        6,
        7,
        "periodic() of input 'f'",
    ),
    "parentheses for an interval": (H + "domain x in (-1, 1)\neq e: u\n", 4, 13, "expected '['"),
}


@pytest.mark.parametrize("key", list(ERRORS))
def test_located_errors(key):
    text, line, column, message = ERRORS[key]
    with pytest.raises(pdecomp.PDEError) as info:
        pdecomp.loads(text, "f.pde")
    error = info.value
    assert message in error.message, str(error)
    assert (error.line, error.column) == (line, column), str(error)
    assert str(error).startswith(f"f.pde:{line}:{column}: error: ")


def test_check_and_show_print_the_domain(tmp_path, capsys):
    path = tmp_path / "p.pde"
    path.write_text(PROBLEM)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "  domain: x in [-1, 1], t in [0, 1]" in out
    assert "eq burgers: -nu*u_xx + u*u_x + u_t = 0   (inside the domain)" in out
    assert "eq ic: u + sin(pi*x) = 0   (on t = 0)" in out
    assert "eq bc: u = 0   (on x = -1, x = 1)" in out
    assert "eq per: periodic(u, x) = 0   (periodic in x: x = -1 against x = 1)" in out
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("domain: x in [-1, 1], t in [0, 1]\n")
    assert "ic: u = -sin(pi*x)   (on t = 0)" in out
    assert main(["show", str(path), "--latex"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == r"domain: (x, t) \in [-1, 1] \times [0, 1]"
    assert out[1].endswith(r"\quad \text{for } (x, t) \in [-1, 1] \times [0, 1]")
    assert out[2] == r"ic: u = - \sin{\left(\pi x \right)} \quad \text{on } t = 0"
    assert out[3] == r"bc: u = 0 \quad \text{on } x = -1 \text{ and } x = 1"
    assert out[4] == (
        r"per: \left. u \right|_{x = -1} - \left. u \right|_{x = 1} = 0 "
        r"\quad \text{for } t \in [0, 1]"
    )


def test_check_without_domain_is_unchanged(tmp_path, capsys):
    path = tmp_path / "p.pde"
    path.write_text(H + "eq e: u_t = u_xx\n")
    assert main(["check", str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "  eq e: u_t - u_xx = 0"


def test_periodic_of_vectors_and_complex_fields_is_per_component():
    text = "coords x, y\nfields u, v\ndomain x in [0, 1], y in [0, 1]\nvector w = (u, v)\n"
    system = pdecomp.loads(text + "eq p: periodic(w, x)\neq q: w = (0, 0) on y = 1\n")
    y = sympy.Symbol("y", real=True)
    for name, field in (("p_x", "u"), ("p_y", "v")):
        f = sympy.Function(field, real=True)
        assert system.equations[name].doit() == f(0, y) - f(1, y)
    info = {e.name: e for e in system.equation_info}
    assert info["p_x"].periodic == "x" and info["q_y"].where[0].value == 1
    text = "coords x, t\nfields h complex\ndomain x in [-5, 5], t in [0, 1]\n"
    system = pdecomp.loads(text + "eq per: periodic(h_x, x)\n")
    for part in ("re", "im"):
        h = sympy.Function(f"h_{part}", real=True)
        d = sympy.Derivative(h(x, t), x)
        expected = sympy.Subs(d, x, -5) - sympy.Subs(d, x, 5)
        assert system.equations[f"per_{part}"].doit() == expected
