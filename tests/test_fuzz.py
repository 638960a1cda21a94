"""Fuzzing the compiler with hypothesis: it succeeds or raises PDEError inside the input.

Four generators (``tools/fuzz_long.py`` reuses them for the long run):

- ``random_text``: arbitrary Unicode, and text over the language's own alphabet;
- ``mutated_files``: valid files with tokens deleted, swapped, duplicated, replaced or
  inserted;
- ``grammar_programs``: whole files drawn from the grammar itself
  (``hypothesis.extra.lark.from_lark`` on ``pdecomp.parser.grammar()``), every terminal
  followed by a blank and names and numbers drawn from small pools. Mostly invalid: in
  the grammar NAME is both a value and a function, and declarations and uses are drawn
  independently, so these exercise the parser and the checks;
- ``grammar_equations``: a fixed valid preamble plus equations whose sides follow the
  grammar's ``expr`` rule alternative by alternative with names used in place (values
  where values go, functions with their arity where calls go): about half of them load.
  (``from_lark(start="expr")`` was tried for these: under 1% of its draws were usable,
  the rest overran or were meaningless, at 20 s per 10 examples.)

The property for every input (:func:`check`): ``pdecomp.loads`` returns a System or raises
PDEError whose line and column lie inside the input (and whose rendering works); never
another exception, never a hang (a SIGALRM guard). Valid programs must then compile on
both backends to a module that imports and passes the security scan of
``tests/test_security.py``; and for the generated equations, the torch residual must equal
SymPy's own calculus on a manufactured solution.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import numpy as np
import pytest
import sympy
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.lark import from_lark

import pdecomp
from pdecomp import PDEError
from pdecomp.parser import grammar
from tests.test_limits import time_limit
from tests.test_security import assert_safe_module

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = dict(
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is reproducible
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

# ---- the generators ---------------------------------------------------------------------

PREAMBLE = (
    "coords x, t\ntime t\nfields u, v\nparams nu = 0.5, k = 2\ninputs f\nlet g = sin(pi*x) + 2\n"
)
SEEDS = [p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("examples/**/*.pde"))] + [
    PREAMBLE + "eq a: dt(u) + u*dx(u) = nu*dxx(u) + f*g\neq b: v_xt = k*lap(u) - d(v, x, 2, t)\n",
    "coords x, y\nfields w\nparams D = 1\ninputs q\neq plate: D*lap(lap(w)) = q\n",
]
NAMES = ["x", "t", "u", "v", "nu", "k", "f", "g", "pi", "E", "a", "y", "w"]
FUNCTIONS = ["sin", "cos", "exp", "log", "sqrt", "tanh", "abs", "atan", "d", "dx", "dt"]
FUNCTIONS += ["dxx", "dxt", "lap", "min", "max", "atan2", "sign"]
NUMBERS = ["0", "1", "2", "3", "0.5", "1.5e-1", "2e1", ".25", "10"]
SUBSCRIPTS = ["u_x", "u_t", "v_x", "u_xx", "v_xt", "u_tt", "f_x", "v_"]
ALPHABET = "abcdeuvxyt_0123456789.eE+-*/^(),:=# \n\t" + "`'\"$@;[]{}\\\x00\u00e9\u0430\u2028"
TOKEN = re.compile(r"\s+|[A-Za-z_][A-Za-z0-9_]*|\d+\.?\d*(?:[eE][+-]?\d+)?|\*\*|.", re.S)
EXTRA_TOKENS = [" ", "\n", "(", ")", ",", "=", ":", "^", "**", "_", "eq", "d", "lap", "1e400"]
EXTRA_TOKENS += ["__import__", "'", '"', "`", "\u0663", "#", "-", "1/0", "0^-1", "acos(2)"]


def random_text():
    return st.one_of(
        st.text(max_size=120),
        st.text(alphabet=ALPHABET, max_size=160),
        st.text(alphabet=ALPHABET, max_size=60).map(lambda s: PREAMBLE + s),
    )


@st.composite
def mutated_files(draw):
    tokens = TOKEN.findall(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(tokens) - 1))
        j = draw(st.integers(0, len(tokens) - 1))
        operation = draw(st.sampled_from(["delete", "swap", "duplicate", "replace", "insert"]))
        if operation == "delete" and len(tokens) > 1:
            del tokens[i]
        elif operation == "swap":
            tokens[i], tokens[j] = tokens[j], tokens[i]
        elif operation == "duplicate":
            tokens.insert(i, tokens[i])
        else:
            new = draw(st.one_of(st.sampled_from(EXTRA_TOKENS + tokens), st.text(max_size=3)))
            tokens[i : i + (operation == "replace")] = [new]
    return "".join(tokens)


def _explicit(names: list[str], start: str = "start") -> dict[str, st.SearchStrategy[str]]:
    """A strategy per terminal: a space after every token, names and numbers from pools."""
    lark = grammar()
    reachable = {t.name for t in lark.grammar.compile([start], ())[0]}
    explicit = {
        t.name: st.just(t.pattern.value + " ")
        for t in lark.terminals
        if t.pattern.type == "str" and t.name in reachable
    }
    explicit["NAME"] = st.sampled_from(names).map(lambda s: s + " ")
    explicit["NUMBER"] = st.sampled_from(NUMBERS).map(lambda s: s + " ")
    explicit["SUBSCRIPT"] = st.sampled_from(SUBSCRIPTS).map(lambda s: s + " ")
    explicit["POW"] = st.sampled_from(["^ ", "** "])
    for name in lark.ignore_tokens:  # comments end their line; blanks stay blank
        explicit[name] = st.sampled_from(["# a comment\n", " ", "\n", "\t"])
    return explicit


@functools.cache
def grammar_programs():
    return from_lark(grammar(), explicit=_explicit(NAMES + FUNCTIONS + ["eq1", "b"]))


VALUES = ["x", "t", "u", "v", "nu", "k", "f", "g", "pi", "E", "u", "v"]
VALID_SUBSCRIPTS = ["u_x", "u_t", "v_x", "u_xx", "v_xt", "u_tt"]
UNARY = ["sin", "cos", "exp", "log", "sqrt", "tanh", "abs", "atan", "sign", "dx", "dt", "lap"]
BINARY = ["min", "max", "atan2"]
OPERATORS = ["+", "-", "*", "/", "^", "**"]


def expressions(unary=tuple(UNARY), binary=tuple(BINARY)):
    """Expressions of the preamble's names by the grammar's rules, names used in place.

    Follows ``grammar/pde.lark``'s ``expr`` rule alternative by alternative (operators,
    unary minus, calls with the right arity, ``d(expr, coord, count)``, parentheses
    sometimes left out so that precedence is exercised) with values where values go and
    functions where calls go.
    """
    leaves = st.one_of(
        st.sampled_from(VALUES), st.sampled_from(NUMBERS), st.sampled_from(VALID_SUBSCRIPTS)
    )

    def extend(inner):
        wrap = st.sampled_from(["({})", "{}"])
        binary_op = st.tuples(inner, st.sampled_from(OPERATORS), inner, wrap).map(
            lambda a: a[3].format(f"{a[0]} {a[1]} {a[2]}")
        )
        calls = [st.tuples(st.sampled_from(unary), inner).map(lambda a: f"{a[0]}({a[1]})")]
        if binary:
            calls.append(
                st.tuples(st.sampled_from(binary), inner, inner).map(
                    lambda a: f"{a[0]}({a[1]}, {a[2]})"
                )
            )
        derivative = st.tuples(inner, st.sampled_from(["x", "t"]), st.integers(1, 2)).map(
            lambda a: f"d({a[0]}, {a[1]}, {a[2]})"
        )
        return st.one_of(binary_op, inner.map(lambda c: f"-{c}"), derivative, *calls)

    return st.recursive(leaves, extend, max_leaves=6)


@st.composite
def grammar_equations(draw, sides=None):
    """The preamble, then one or two equations ``lhs = rhs``."""
    sides = sides or expressions()
    count = draw(st.integers(1, 2))
    body = "".join(f"eq e{i}: {draw(sides)} = {draw(sides)}\n" for i in range(count))
    return PREAMBLE + body


# ---- the property -----------------------------------------------------------------------


def check(text: str, seconds: float = 20) -> pdecomp.System | None:
    """Load ``text``: a System, or None after checking the PDEError's location."""
    with time_limit(seconds):
        try:
            return pdecomp.loads(text, "fuzz.pde")
        except PDEError as error:
            lines = text.split("\n")
            assert 1 <= error.line <= len(lines), (error.line, str(error))
            assert 1 <= error.column <= len(lines[error.line - 1]) + 1, (error.column, str(error))
            head = str(error).split("\n")[0]
            assert head == f"fuzz.pde:{error.line}:{error.column}: error: {error.message}"
            return None


def check_compiles(system: pdecomp.System, seconds: float = 60) -> None:
    """Both backends compile it; the module imports and holds no user text outside names."""
    with time_limit(seconds):
        for backend in ("torch", "jax"):
            pde = pdecomp.compile(system, backend=backend)
            assert callable(pde.module.residuals) and pde.module.EQUATIONS
            assert_safe_module(pde)


@settings(max_examples=120, **SETTINGS)
@given(random_text())
def test_random_text(text):
    check(text)


@settings(max_examples=120, **SETTINGS)
@given(mutated_files())
def test_mutated_files(text):
    system = check(text)
    if system is not None and len(system.equations) <= 4:
        check_compiles(system)


@settings(max_examples=80, **SETTINGS)
@given(grammar_programs())
def test_grammar_programs(text):
    system = check(text)
    if system is not None:
        check_compiles(system)


@settings(max_examples=60, **SETTINGS)
@given(grammar_equations())
def test_grammar_equations_compile(text):
    system = check(text)
    if system is not None:
        check_compiles(system)


def test_generators_reach_valid_programs():
    """The generators are not vacuous: a fair share of their output loads."""
    valid = 0
    for text in _samples(grammar_equations(), 40):
        valid += check(text) is not None
    assert valid >= 10, valid


def _samples(strategy, count):
    found = []

    @settings(max_examples=count, **SETTINGS)
    @given(strategy)
    def collect(text):
        found.append(text)

    collect()
    return found


# ---- generated equations against SymPy ------------------------------------------------

X, T = sympy.symbols("x t", real=True)
FORMULAS = {"u": sympy.sin(X) * sympy.exp(T / 2) + 2, "v": sympy.cos(X + 2 * T) + 3}
INPUT = sympy.cos(3 * X) + T  # the values of the input f


def _reference(system: pdecomp.System, name: str, x: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The residual by SymPy: substitute the formulas, differentiate, evaluate in numpy."""
    fields = {system.field_function(f): FORMULAS[f] for f in system.fields}
    values = {sympy.Symbol(p.name, real=True): p.default for p in system.params}
    values[sympy.Symbol("f", real=True)] = INPUT
    expr = system.equations[name].subs(fields).doit().subs(values)
    # d/dx sign(u) is DiracDelta(u)*u_x: zero almost everywhere, as the compiler takes it.
    expr = expr.replace(sympy.DiracDelta, lambda *args: sympy.Integer(0))
    return np.broadcast_to(sympy.lambdify((X, T), expr, "numpy")(x, t), x.shape).astype(float)


@settings(max_examples=40, **SETTINGS)
@given(grammar_equations())
def test_grammar_equations_match_sympy(text):
    system = check(text)
    if system is None:
        return
    with time_limit(60):
        pde = pdecomp.compile(system, backend="torch")
        x, t = np.linspace(0.1, 0.9, 7), np.linspace(0.2, 0.5, 7)

        def model(x, t):  # FORMULAS, in the preamble's field order u, v
            return torch.sin(x) * torch.exp(t / 2) + 2, torch.cos(x + 2 * t) + 3

        xs, ts = torch.tensor(x), torch.tensor(t)
        got = pde.residuals(model, xs, ts, f=torch.cos(3 * xs) + ts)
        for name, value in got.items():
            expected = _reference(system, name, x, t)
            value = np.broadcast_to(value.detach().numpy(), x.shape)
            scale = np.nanmax(np.abs(expected), initial=1.0) if np.isfinite(expected).any() else 1
            np.testing.assert_allclose(
                value, expected, rtol=1e-9, atol=1e-9 * scale, equal_nan=True, err_msg=text
            )


@pytest.mark.parametrize(
    "expr, reference",
    [
        ("min(u, 0.5)", lambda u: np.minimum(u, 0.5)),
        ("max(0.5, u)", lambda u: np.maximum(0.5, u)),
        ("atan2(1, u)", lambda u: np.arctan2(1, u)),
    ],
)
def test_torch_binary_functions_with_a_constant(expr, reference):
    pde = pdecomp.compile(pdecomp.loads(f"coords x\nfields u\neq e: u = {expr}"), "torch")
    x = torch.linspace(0, 1, 5, dtype=torch.float64)
    r = pde.residuals(lambda x: torch.sin(x), x)["e"]
    assert r.dtype == torch.float64
    u = np.sin(x.numpy())
    np.testing.assert_allclose(r.detach().numpy(), u - reference(u), rtol=1e-14, atol=1e-15)


# ---- found by the long run (tools/fuzz_long.py) ----------------------------------------


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_derivative_of_abs_of_a_derivative(backend):
    """d2/dx2 |u_t| = sign(u_t) u_txx almost everywhere.

    SymPy does not know that u_t is real (only u is declared so): it left re(), im() and
    an unevaluated d/dx sign(u_t), which the generated module read as a field 'sign'.
    """
    system = pdecomp.loads(PREAMBLE + "eq e: d(abs(u_t), x, 2) = 0\n")
    assert not system.equations["e"].has(sympy.re, sympy.im)
    pde = pdecomp.compile(system, backend=backend)
    assert_safe_module(pde)
    x, t = np.linspace(0.1, 3.0, 7), np.linspace(0.2, 0.5, 7)
    if backend == "torch":
        xs, ts = torch.tensor(x), torch.tensor(t)
        model = lambda x, t: (torch.sin(x) * torch.exp(t / 2), torch.cos(x))  # noqa: E731
        got = pde.residual("e", model, xs, ts).detach().numpy()
    else:
        import jax.numpy as jnp

        model = lambda x, t: (jnp.sin(x) * jnp.exp(t / 2), jnp.cos(x))  # noqa: E731
        got = np.asarray(pde.residual("e", model, jnp.asarray(x), jnp.asarray(t)))
    u_t, u_txx = np.sin(x) * np.exp(t / 2) / 2, -np.sin(x) * np.exp(t / 2) / 2
    np.testing.assert_allclose(got, np.sign(u_t) * u_txx, rtol=1e-12)
