"""Complex values in expressions: complex fields, ``I``, ``re``, ``im``, ``conj``, ``abs``.

Input: SymPy expressions whose symbols and fields are all real, with ``I`` the only
source of complex values (a complex field ``h`` stands for ``h_re + I*h_im``, two real
fields). Output: exact real and imaginary parts as real expressions (:func:`split`), and
the complex-aware built-in functions. Values stay exact: ``abs(h)`` is
``sqrt(h_re^2 + h_im^2)`` and ``abs(h)^2`` is ``h_re^2 + h_im^2``.
"""

from __future__ import annotations

import sympy

from pdecomp.errors import PDEError
from pdecomp.ir import Span

FUNCTIONS = {"re": 1, "im": 1, "conj": 1}
# Built-in functions that accept a complex argument: entire ones (their real and
# imaginary parts are exact), and abs.
ENTIRE = {
    "exp": sympy.exp,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "sinh": sympy.sinh,
    "cosh": sympy.cosh,
}


def parts(name: str) -> tuple[str, str]:
    """The two real fields a complex field is made of: ``h`` -> ``h_re``, ``h_im``."""
    return f"{name}_re", f"{name}_im"


def field(name: str, coords: tuple[sympy.Symbol, ...]) -> sympy.Expr:
    """The complex field ``name`` as ``name_re + I*name_im``, both real functions."""
    re, im = (sympy.Function(p, real=True)(*coords) for p in parts(name))
    return re + sympy.I * im


def is_complex(value) -> bool:
    return isinstance(value, sympy.Basic) and value.has(sympy.I)


def split(expr: sympy.Expr) -> tuple[sympy.Expr, sympy.Expr]:
    """``(re(expr), im(expr))`` as real expressions, exactly.

    Every sub-expression without ``I`` is real (nothing else makes complex values), so it
    stands in as a real symbol while SymPy separates the parts; it is put back after.
    """
    if not is_complex(expr):
        return expr, sympy.Integer(0)
    stand_ins: dict[sympy.Expr, sympy.Symbol] = {}

    def hide(node: sympy.Expr) -> sympy.Expr:
        if not node.has(sympy.I):
            if node.is_number or node.is_Symbol:
                return node
            if node not in stand_ins:
                stand_ins[node] = sympy.Symbol(f"_r{len(stand_ins)}", real=True)
            return stand_ins[node]
        if not node.args:
            return node
        return node.func(*(hide(a) for a in node.args))

    real, imag = hide(expr).as_real_imag()
    back = {s: node for node, s in stand_ins.items()}
    real, imag = real.xreplace(back), imag.xreplace(back)
    if real.has(sympy.re, sympy.im, sympy.arg) or imag.has(sympy.re, sympy.im, sympy.arg):
        raise ValueError(f"no exact real and imaginary parts for {expr}")  # pragma: no cover
    return real, imag


def abs_squared(value: sympy.Expr) -> sympy.Expr:
    """``|value|^2``: ``value^2`` for a real value, ``re^2 + im^2`` for a complex one."""
    real, imag = split(value)
    return real**2 + imag**2


def call(name: str, value: sympy.Expr, span: Span) -> sympy.Expr:
    """``re``, ``im``, ``conj`` of any value; ``abs`` and the entire functions of a complex one."""
    real, imag = split(value)
    if name == "re":
        return real
    if name == "im":
        return imag
    if name == "conj":
        return real - sympy.I * imag
    if name == "abs":
        return sympy.sqrt(real**2 + imag**2)
    if name in ENTIRE:
        return ENTIRE[name](value)
    raise PDEError(
        f"{name}() of a complex value is not supported (complex arguments: "
        f"{', '.join(['abs', 're', 'im', 'conj', *ENTIRE])}; take re() or im() first)",
        span,
    )


def check_power(base: sympy.Expr, exponent: sympy.Expr, span: Span) -> None:
    """A complex power must be a whole-number power of a complex value, or ``E^z``."""
    if is_complex(exponent) and base != sympy.E:
        raise PDEError("a complex exponent is supported only as E^z (or exp(z))", span)
    if is_complex(base) and not exponent.is_Integer:
        raise PDEError("a complex value may be raised only to a whole-number power", span)
