"""Every error a `.pde` file can have (docs/language.md, Errors): message, line and column
(the offending token's start)."""

from __future__ import annotations

import pytest

import pdecomp
from pdecomp import PDEError

HEAD = "coords x, t\nfields u\nparams nu = 1\ninputs f\n"  # lines 1-4


@pytest.mark.parametrize(
    "body, line, column, message",
    [
        ("eq e: u $ 1", 5, 9, "unexpected character '$'"),
        ("eq e: (u + 1", 5, 13, "unexpected end of file; expected one of ')', ','"),
        ("eq e: u u", 5, 9, "unexpected name 'u'"),
        ("eq e: u + ", 5, 10, "unexpected end of file"),
        ("eq e: u + uu", 5, 11, "undeclared name 'uu' (did you mean 'u'?)"),
        ("eq e: u + nuu", 5, 11, "undeclared name 'nuu' (did you mean 'nu'?)"),
        ("fields x", 5, 8, "duplicate declaration of 'x' (already declared as a coordinate"),
        ("params u = 2", 5, 8, "duplicate declaration of 'u'"),
        ("eq e: d(u, nu)", 5, 12, "derivative with respect to 'nu', which is not a coordinate"),
        ("eq e: d(u, f)", 5, 12, "derivative with respect to 'f', which is not a coordinate"),
        ("eq e: dx(f) + u", 5, 7, "derivative of input 'f'"),
        ("eq e: f_x + u", 5, 7, "derivative of input 'f'"),
        ("let g = f*x\neq e: dx(g) + u", 6, 7, "derivative of input 'f'"),
        ("eq e: foo(u)", 5, 7, "unknown function 'foo'"),
        ("eq e: sinn(u)", 5, 7, "unknown function 'sinn' (did you mean 'sin'?)"),
        ("eq e: sin(u, u)", 5, 7, "sin() takes 1 argument, got 2"),
        ("eq e: atan2(u)", 5, 7, "atan2() takes 2 arguments, got 1"),
        ("eq e: nu*2 = f", 5, 4, "equation 'e' uses no field"),
        ("eq e: u = 0\neq e: u_x", 6, 4, "duplicate equation name 'e'"),
        ("eq e: u_q", 5, 7, "'u_q': 'q' is not a sequence of coordinates"),
        ("eq e: dq(u)", 5, 7, "unknown function 'dq'"),
        ("time y", 5, 6, "undeclared coordinate 'y'"),
        ("time u", 5, 6, "'time' must name a coordinate"),
        ("params sin = 1", 5, 8, "'sin' is a reserved name (a built-in function)"),
        ("fields pi", 5, 8, "'pi' is a reserved name (a built-in constant)"),
        ("fields lambda", 5, 8, "'lambda' is a reserved name (a Python keyword)"),
        ("fields torch", 5, 8, "'torch' is a reserved name (used by the generated code)"),
        ("params p = x", 5, 12, "a parameter default must be a constant expression"),
        ("eq e: d(u, x, 0)", 5, 15, "derivative count must be a positive integer"),
        ("eq e: d(u)", 5, 7, "d() needs an expression and at least one coordinate"),
        ("eq e: u/0", 5, 9, "division by zero"),
        ("eq e: sin", 5, 7, "'sin' is a function; call it as sin(...)"),
        ("eq e: d(u, x, 11)", 5, 7, "derivative of order 11 is beyond the supported maximum"),
        ("eq e: u^100000", 5, 9, "exponent too large"),
    ],
)
def test_error(body, line, column, message):
    text = HEAD + body
    with pytest.raises(PDEError) as info:
        pdecomp.loads(text, "sys.pde")
    error = info.value
    assert message in error.message, error.message
    assert (error.line, error.column) == (line, column), str(error)
    rendered = str(error).splitlines()
    assert rendered[0] == f"sys.pde:{line}:{column}: error: {error.message}"
    assert rendered[1].strip() == text.splitlines()[line - 1].strip()
    assert rendered[2].index("^") - rendered[1].index(text.splitlines()[line - 1].strip()[0]) == (
        column - 1 - (len(text.splitlines()[line - 1]) - len(text.splitlines()[line - 1].lstrip()))
    )


def test_ambiguous_shorthand():
    text = "coords x, xx\nfields u\neq e: dxxx(u)"
    with pytest.raises(PDEError, match="ambiguous shorthand") as info:
        pdecomp.loads(text)
    assert (info.value.line, info.value.column) == (3, 7)
    with pytest.raises(PDEError, match="ambiguous shorthand"):
        pdecomp.loads("coords x, xx\nfields u\neq e: u_xxx")


def test_missing_required_statements():
    with pytest.raises(PDEError, match="no 'coords' declared"):
        pdecomp.loads("fields u\n")
    with pytest.raises(PDEError, match="no 'fields' declared"):
        pdecomp.loads("coords x\n")
    with pytest.raises(PDEError, match="no 'eq' statement"):
        pdecomp.loads("coords x\nfields u\n")


def test_name_used_before_declaration():
    with pytest.raises(PDEError, match="undeclared name 'k'") as info:
        pdecomp.loads("coords x\nfields u\neq e: k*u\nparams k = 1")
    assert (info.value.line, info.value.column) == (3, 7)


def test_underscore_names_are_rejected():
    with pytest.raises(PDEError, match="'_' is reserved|names may not contain '_'"):
        pdecomp.loads("coords x\nfields __import__\neq e: x")
