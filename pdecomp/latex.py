r"""The equations of a System as LaTeX (``pdecomp show --latex``).

Input: a System. Output: one ``name: lhs = rhs`` line per equation, printed by SymPy's
LaTeX printer, fields shown without their arguments (``u`` rather than ``u(x, t)``);
with a domain, each line ends with where the equation holds (``\quad \text{on } t = 0``).
"""

from __future__ import annotations

import sympy
from sympy.core.function import AppliedUndef

from pdecomp.ir import Domain, System, coord_symbol


def _plain_fields(expr: sympy.Expr) -> sympy.Expr:
    """``u(x, t)`` -> ``u`` inside derivatives and elsewhere, for display only."""
    return expr.xreplace(
        {f: sympy.Symbol(f.func.__name__, real=True) for f in expr.atoms(AppliedUndef)}
    )


def to_latex(system: System) -> list[tuple[str, str]]:
    """(equation name, LaTeX of ``lhs = rhs``) for every equation, in file order."""
    out = []
    for eq in system.equation_info:
        out.append((eq.name, f"{_latex(eq.lhs)} = {_latex(eq.rhs)}" + _where(system, eq)))
    return out


def domain_latex(domain: Domain) -> str:
    r"""``(x, t) \in [-1, 1] \times [0, 1]``."""
    return _box(domain, [i.coord for i in domain.intervals])


def _box(domain: Domain, coords: list[str]) -> str:
    names = ", ".join(sympy.latex(coord_symbol(c)) for c in coords)
    sides = r" \times ".join(
        rf"[{sympy.latex(domain.interval(c).lo)}, {sympy.latex(domain.interval(c).hi)}]"
        for c in coords
    )
    return rf"({names}) \in {sides}" if len(coords) > 1 else rf"{names} \in {sides}"


def _where(system: System, eq) -> str:
    """Where ``eq`` holds: inside the box, on faces, or for the other coordinates."""
    domain = system.domain
    if domain is None:
        return ""
    if eq.where:
        faces = r" \text{ and } ".join(
            rf"{sympy.latex(coord_symbol(f.coord))} = {sympy.latex(f.value)}" for f in eq.where
        )
        return rf" \quad \text{{on }} {faces}"
    coords = [c for c in system.coords if c != eq.periodic]
    if not coords:
        return ""
    return rf" \quad \text{{for }} {_box(domain, coords)}"


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
