"""Linear operators fused: :class:`Plan` -> :class:`Plan` with ``combinations``.

Input: a Plan from :func:`pdecomp.analyze.analyze`. Output: the same Plan, where every
sum of derivatives of one field with constant coefficients and a common factor, such as
``D*(w_xxxx + 2*w_xxyy + w_yyyy)`` or ``mu*u_xx + mu*u_yy``, is read by its equation as
one value (``_lin0_w``), listed in ``Plan.combinations`` as ``(field, ((derivative,
coefficient), ...))``.

Reverse-mode ZCS then sums the members at the level of the scalar omega-derivatives and
takes one pass w.r.t. the dummy weights for the whole operator instead of one per
derivative; the other methods add the member fields. A sum is fused only when none of
its members is read anywhere else (otherwise the member's own pass is needed anyway, and
fusing would add one). The chain is unchanged: the members stay in ``Plan.derivatives``.
"""

from __future__ import annotations

import dataclasses

import sympy

from pdecomp.ir import Plan, PlannedEquation, value_symbol

ENABLED = True  # benchmarks switch fusion off to measure what it saves


def fuse(plan: Plan) -> Plan:
    """The plan with the fusable linear combinations of derivatives (module docstring)."""
    if not ENABLED:
        return plan
    symbols = {value_symbol(name): name for name in plan.derivatives}
    uses: dict[str, int] = {}
    for equation in plan.equations:
        for symbol, name in symbols.items():
            uses[name] = uses.get(name, 0) + equation.expr.count(symbol)
    combinations: dict[str, tuple[str, tuple]] = {}
    equations = []
    for equation in plan.equations:
        expr = _fused(equation.expr, symbols, plan.derivatives, uses, combinations)
        equations.append(_replanned(equation, expr, plan, combinations))
    if not combinations:
        return plan
    return dataclasses.replace(plan, equations=tuple(equations), combinations=combinations)


def _fused(expr, symbols, derivatives, uses, combinations):
    """``expr`` with each fusable sum replaced by a new combination symbol."""
    if not expr.args:
        return expr
    args = [_fused(a, symbols, derivatives, uses, combinations) for a in expr.args]
    if not isinstance(expr, sympy.Add):
        return expr.func(*args) if args != list(expr.args) else expr
    groups: dict[tuple, list] = {}
    rest = []
    for term in args:
        split = _linear_term(term, symbols, derivatives, uses)
        if split is None:
            rest.append(term)
        else:
            field, factor, coefficient, name = split
            groups.setdefault((field, factor), []).append((name, coefficient))
    terms = list(rest)
    for (field, factor), members in groups.items():
        if len(members) < 2:
            terms += [factor * c * value_symbol(n) for n, c in members]
            continue
        members.sort(key=lambda m: list(derivatives).index(m[0]))
        name = f"_lin{len(combinations)}_{field}"  # no user name starts with "_"
        combinations[name] = (field, tuple(members))
        terms.append(factor * value_symbol(name))
    return sympy.Add(*terms)


def _linear_term(term, symbols, derivatives, uses):
    """``(field, factor, coefficient, name)`` when term = coefficient * factor * derivative.

    coefficient is a number, factor free of derivatives, and the derivative read only here.
    """
    coefficient, factors = term.as_coeff_mul()
    found = [f for f in factors if f in symbols]
    if len(found) != 1 or uses[symbols[found[0]]] != 1:
        return None
    others = [f for f in factors if f is not found[0]]
    factor = sympy.Mul(*others)
    if any(s in symbols for s in factor.free_symbols):
        return None
    name = symbols[found[0]]
    return derivatives[name][0], factor, coefficient, name


def _replanned(equation: PlannedEquation, expr, plan: Plan, combinations) -> PlannedEquation:
    """The equation reading ``expr``: its arguments re-derived, combinations after values."""
    if expr == equation.expr:
        return equation
    used = {s.name for s in expr.free_symbols}
    coords = [c for c in plan.system.coords if c in used]
    system = plan.system
    values = [v for v in (*system.fields, *system.functions, *plan.derivatives) if v in used]
    values += [c for c in combinations if c in used]
    params = [p for p in equation.params if p in used]
    inputs = [i for i in equation.inputs if i in used]
    read = {plan.derivatives[v][0] for v in values if v in plan.derivatives}
    read |= {combinations[c][0] for c in combinations if c in used}
    functions = [f for f in system.functions if f in used or f in read]
    return dataclasses.replace(
        equation,
        expr=expr,
        functions=tuple(functions),
        args=(*coords, *values, *params, *inputs),
        derivatives=tuple(values),
        params=tuple(params),
        inputs=tuple(inputs),
    )
