"""Resource limits: adversarial sizes give a clear PDEError or compile, in bounded time.

Each case runs under :func:`time_limit` (a SIGALRM guard, so a hang fails the test instead
of stalling the suite); no assertion is about speed. No RecursionError may escape, even
with a low recursion limit.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys

import pytest
import sympy

import pdecomp
from pdecomp import PDEError, checks

H = "coords x, t\nfields u\n"


class Hang(Exception):
    """Raised by :func:`time_limit` when the guarded block runs too long."""


@contextlib.contextmanager
def time_limit(seconds: float):
    """Fail the block with :class:`Hang` after ``seconds`` (main thread, Unix only)."""

    def expire(signum, frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _refused(text: str, message: str, seconds: float = 30) -> PDEError:
    with time_limit(seconds), pytest.raises(PDEError, match=message) as info:
        pdecomp.loads(text, "limits.pde")
    error = info.value
    lines = text.split("\n")
    assert 1 <= error.line <= len(lines) and 1 <= error.column <= len(lines[error.line - 1]) + 1
    return error


def _compiles(text: str, backends=("torch", "jax"), seconds: float = 60):
    with time_limit(seconds):
        system = pdecomp.loads(text, "limits.pde")
        return [pdecomp.compile(system, backend=b) for b in backends]


NESTED = {
    "functions": "sin(" * 1000 + "u" + ")" * 1000,
    "unary minus": "-" * 10_000 + "u",
    "powers": "u^" * 10_000 + "2",
    "products in parentheses": "(u*" * 1000 + "x" + ")" * 1000,
    "derivatives": "dx(" * 1000 + "u" + ")" * 1000,
}


@pytest.mark.parametrize("name", list(NESTED))
def test_deep_nesting_is_refused(name):
    error = _refused(H + "eq x = " + NESTED[name], "nested too deeply|order")
    assert error.line == 3


X, T = sympy.symbols("x t", real=True)
U = sympy.Function("u", real=True)(X, T)


def test_parentheses_cost_nothing():
    (pde,) = _compiles(H + "eq x = " + "(" * 20_000 + "u + t" + ")" * 20_000, ("torch",))
    assert pde.system.equations["eq1"] == X - U - T


def test_nesting_just_below_the_limit_compiles():
    depth = checks.MAX_NESTING - 5
    for inner in ("sin(" * depth + "u" + ")" * depth, "-" * depth + "u", "u^" * depth + "2"):
        _compiles(H + "eq x = " + inner)


def test_long_chains_are_one_level():
    """A sum of 1000 terms or a product of 300 factors is not 'nested too deeply'."""
    (pde,) = _compiles(H + "eq x = " + " + ".join(f"u^{k}" for k in range(1, 1001)), ("torch",))
    assert len(pde.system.equations["eq1"].args) == 1001  # -x and the 1000 powers
    (pde,) = _compiles(H + "eq x = " + "*".join(["sin(u + x)"] * 300), ("torch",))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("u - x - t + x", U - T),
        ("u - (x - t)", U - X + T),
        ("u / x / t", U / (X * T)),
        ("u / x * t", U * T / X),
        ("u - x * t / 2 + 3", U - X * T / 2 + 3),
        ("-u^2 - 2^-1", -(U**2) - sympy.Rational(1, 2)),
        ("2^3^2 * u", 512 * U),
    ],
)
def test_chains_keep_their_meaning(text, expected):
    assert pdecomp.loads(H + f"eq e: {text}").equations["e"] == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("eq u = u^1e300", "exponent too large"),
        ("eq u = u^(10^400)", "out of floating-point range"),
        ("eq u = 2^1000^1000", "too many digits"),
        ("eq u = (10^300)^5", "too many digits"),
        ("eq u = 1e300^1000", "too many digits"),
        ("eq u = E^1000", "out of floating-point range"),
        ("eq u = 1e301", "out of range"),
        ("eq u = 1" + "0" * 5000, "5001 digits"),
        ("eq u = 0." + "0" * 5000 + "1", "5002 digits"),
        ("params k = exp(exp(exp(10)))\neq u = k", "out of floating-point range"),
        ("eq u = x*" + "*".join(["1e300"] * 14), "too many digits|out of floating-point range"),
    ],
)
def test_huge_numbers_are_refused(text, message):
    _refused(H + text, message, seconds=10)


def test_large_but_representable_constants_compile():
    (pde,) = _compiles(H + "eq u = u^1000 + 2^1000*u + 1e-300 + 10^-400 + 1e300*1e8", ("torch",))
    assert "**1000" in pde.source


@pytest.mark.parametrize(
    "derivative",
    [
        "d(u, x, 100)",
        "d(u, x, 50, t, 50)",
        "d" + "x" * 100 + "(u)",
        "u_" + "x" * 100,
        "dx(" * 100 + "u" + ")" * 100,
        "lap(" * 50 + "u" + ")" * 50,
        "d(u, x, 99999999999999999999999999)",
    ],
)
def test_derivative_order_100_is_refused(derivative):
    _refused(H + f"eq {derivative} = 0", "beyond the supported maximum of 10", seconds=10)


def test_derivative_order_10_compiles():
    _compiles(H + "eq d(u, x, 10) + d(u, x, 5, t, 5) = u")


def test_expression_swell_is_refused_in_bounded_time():
    _refused(H + "eq d(sin(exp(u*u*sin(u))), x, 10) = 0", "expression too large")


def test_exponential_let_chain_is_refused_in_bounded_time():
    lets = "".join(f"let a{k} = a{k - 1}*sin(a{k - 1}) + a{k - 1}\n" for k in range(1, 60))
    _refused(H + "let a0 = u + x\n" + lets + "eq u = a59", "expression too large", seconds=10)


def _equations(count: int) -> str:
    return (
        H
        + "params k = 2\n"
        + "".join(f"eq e{i}: u_x + {i}*k*u = sin({i}*x)\n" for i in range(count))
    )


def test_thousands_of_equations():
    with time_limit(60):
        system = pdecomp.loads(_equations(2000))
    assert len(system.equations) == 2000
    (pde,) = _compiles(_equations(500), ("torch",), seconds=90)  # emitting costs most
    assert len(pde.equations) == 500
    assert pde.source.count("\ndef eq_e") == 500


def test_a_10_megabyte_file_is_refused_at_once():
    body = "eq u = 1 # " + "x" * 60 + "\n"
    text = H + body * (10_000_000 // len(body))
    error = _refused(text, "file too large", seconds=5)
    assert (error.line, error.column) == (1, 1)


def test_many_declarations():
    names = [f"v{i}" for i in range(3000)]
    text = "coords x\nfields " + ", ".join(names) + "\n"
    text += "params " + ", ".join(f"p{i} = {i}" for i in range(3000)) + "\n"
    text += "eq v0 + v2999 = p2999\n"
    with time_limit(30):
        system = pdecomp.loads(text)
    assert len(system.fields) == 3000 and len(system.params) == 3000


def test_no_recursion_error_escapes_with_a_low_recursion_limit():
    """Even with a tiny recursion limit, deep input is a PDEError, never RecursionError."""
    program = (
        "import sys, pdecomp\n"
        "sys.setrecursionlimit(220)\n"
        "text = 'coords x\\nfields u\\neq x = ' + 'sin(' * 140 + 'u' + ')' * 140\n"
        "try:\n"
        "    pdecomp.loads(text)\n"
        "    print('ok')\n"
        "except pdecomp.PDEError as error:\n"
        "    print('PDEError', error.line, error.message)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120
    )
    assert "RecursionError" not in result.stderr, result.stderr[-2000:]
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("PDEError 3 expression nested too deeply"), result.stdout
