"""The equations of a System as LaTeX (``pdecomp show --latex``).

Input: a System. Output: one ``name: lhs = rhs`` line per equation, printed by SymPy's
LaTeX printer, fields shown without their arguments (``u`` rather than ``u(x, t)``).
"""

from __future__ import annotations

import sympy
from sympy.core.function import AppliedUndef

from pdecomp.ir import System


def _plain_fields(expr: sympy.Expr) -> sympy.Expr:
    """``u(x, t)`` -> ``u`` inside derivatives and elsewhere, for display only."""
    return expr.xreplace(
        {f: sympy.Symbol(f.func.__name__, real=True) for f in expr.atoms(AppliedUndef)}
    )


def to_latex(system: System) -> list[tuple[str, str]]:
    """(equation name, LaTeX of ``lhs = rhs``) for every equation, in file order."""
    out = []
    for eq in system.equation_info:
        out.append((eq.name, f"{_latex(eq.lhs)} = {_latex(eq.rhs)}"))
    return out


def _latex(expr: sympy.Expr) -> str:
    # Derivative(u(x, t), x) prints as \frac{\partial}{\partial x} u{\left(x,t \right)}:
    # show it as \frac{\partial u}{\partial x} by naming the function without arguments.
    replaced = {}
    for d in expr.atoms(sympy.Derivative):
        name = d.expr.func.__name__
        denominator = " ".join(
            rf"\partial {sympy.latex(v)}" + (f"^{{{n}}}" if n > 1 else "")
            for v, n in d.variable_count
        )
        order = sum(n for _, n in d.variable_count)
        top = rf"\partial^{{{order}}} {name}" if order > 1 else rf"\partial {name}"
        replaced[d] = sympy.Symbol(rf"\frac{{{top}}}{{{denominator}}}")
    return sympy.latex(_plain_fields(expr.xreplace(replaced)))
