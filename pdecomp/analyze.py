"""Stage 3: :class:`System` -> :class:`Plan`, the static schedule of derivatives.

Each equation is rewritten in plain symbols: the field ``u(x, t)`` becomes ``u`` and
``Derivative(u(x, t), (x, 2))`` becomes ``u_xx``. The derivatives all equations need are
collected into one chain of multi-indices, closed under parents and ordered so that a
derivative is always computed from one already computed (``u_xx`` from ``u_x``): every
shared lower-order derivative is computed once. Backends see no calculus, only this plan.
"""

from __future__ import annotations

import sympy
from sympy.core.function import AppliedUndef

from pdecomp.domains import expand_periodic, sited
from pdecomp.ir import DerivativeNode, Plan, PlannedEquation, System, value_symbol

Index = tuple[int, ...]


def analyze(system: System) -> Plan:
    """Replace derivatives by named symbols and schedule the derivative chain."""
    suffix = _suffixer(system.coords)
    needed: dict[Index, set[str]] = {}
    rewritten: list[tuple[str, sympy.Expr]] = []
    for name, residual in system.equations.items():
        expr, reads = _plain(residual, system, suffix)
        expr = expand_periodic(expr, system)  # periodic(e, x): e at both faces, u__lo_x - u__hi_x
        for field, index in reads:
            needed.setdefault(index, set()).add(field)
        rewritten.append((name, expr))

    # A `functions` name is differentiated like a field: its derivatives join the chain.
    chain = _chain(needed, (*system.fields, *system.functions), suffix)
    derivatives = {f"{f}_{node.suffix}": (f, node.suffix) for node in chain for f in node.fields}
    # values in the order the chain produces them, then the values at the faces
    order = [*system.fields, *system.functions, *derivatives]
    order += sited(order, system.coords)
    info = {e.name: e.text for e in system.equation_info}
    equations = tuple(
        _planned(name, expr, system, order, info.get(name, name)) for name, expr in rewritten
    )
    return Plan(system=system, equations=equations, chain=chain, derivatives=derivatives)


def _suffixer(coords: tuple[str, ...]):
    """How a multi-index is spelled: ``(2, 1) -> "xxt"`` (``x1_x1_x2`` for long names)."""
    sep = "" if all(len(c) == 1 for c in coords) else "_"

    def suffix(index: Index) -> str:
        return sep.join(c for c, n in zip(coords, index) for _ in range(n))

    return suffix


def _plain(residual: sympy.Expr, system: System, suffix) -> tuple[sympy.Expr, set]:
    """The residual in plain symbols, and the (field, multi-index) pairs it reads."""
    coords = system.coord_symbols
    reads: set[tuple[str, Index]] = set()
    replace: dict[sympy.Expr, sympy.Symbol] = {}
    for derivative in residual.atoms(sympy.Derivative):
        field = derivative.expr.func.__name__
        counts = dict(derivative.variable_count)
        index = tuple(int(counts.get(c, 0)) for c in coords)
        reads.add((field, index))
        replace[derivative] = value_symbol(f"{field}_{suffix(index)}")
    for function in residual.atoms(AppliedUndef):
        field = function.func.__name__
        reads.add((field, (0,) * len(coords)))
        replace[function] = value_symbol(field)
    # xreplace matches whole subtrees from the top: a Derivative is replaced before the
    # u(x, t) inside it is reached.
    expr = residual.xreplace(replace)
    # Derivatives of abs/sign/min/max leave distributions; use their value almost everywhere.
    expr = expr.replace(sympy.DiracDelta, lambda *a: sympy.Integer(0))
    expr = expr.replace(sympy.Heaviside, lambda arg, *a: (sympy.sign(arg) + 1) / 2)
    return expr, reads


def plain_text(expr: sympy.Expr) -> str:
    """An expression of a System as text, fields and derivatives as ``u``, ``u_xt``."""
    replace = {}
    for function in expr.atoms(AppliedUndef):
        coords = function.args
        suffixer = _suffixer(tuple(c.name for c in coords))
        replace[function] = value_symbol(function.func.__name__)
        for derivative in expr.atoms(sympy.Derivative):
            if derivative.expr == function:
                counts = dict(derivative.variable_count)
                index = tuple(int(counts.get(c, 0)) for c in coords)
                name = f"{function.func.__name__}_{suffixer(index)}"
                replace[derivative] = value_symbol(name)
    return str(expr.xreplace(replace))


def _chain(
    needed: dict[Index, set[str]], fields: tuple[str, ...], suffix
) -> tuple[DerivativeNode, ...]:
    """Close the needed multi-indices under parents; order them parents first."""
    ncoords = len(next(iter(needed))) if needed else 0
    zero = (0,) * ncoords
    parents: dict[Index, tuple[Index, int]] = {}

    def add(index: Index) -> None:
        if index == zero or index in parents:
            return
        candidates = [
            (index[:k] + (index[k] - 1,) + index[k + 1 :], k) for k in range(ncoords) if index[k]
        ]
        # Reuse a parent the chain already has, best one that already has children (one
        # backward pass from a parent gives all its children); else extend from the first.
        known = [c for c in candidates if c[0] in parents or c[0] == zero]
        fathers = {p for p, _ in parents.values()}
        known.sort(key=lambda c: c[0] not in fathers)  # stable: coordinate order otherwise
        parent, k = known[0] if known else candidates[0]
        add(parent)
        parents[index] = (parent, k)

    for index in sorted(needed, key=_order_key):
        add(index)
    return tuple(
        DerivativeNode(
            index=index,
            parent=parents[index][0],
            coord=parents[index][1],
            suffix=suffix(index),
            fields=tuple(f for f in fields if f in needed.get(index, ())),
        )
        for index in sorted(parents, key=_order_key)
    )


def _order_key(index: Index):
    return (sum(index), tuple(-n for n in index))


def _planned(name: str, expr: sympy.Expr, system: System, order: list[str], text: str):
    used = {s.name for s in expr.free_symbols}
    coords = [c for c in system.coords if c in used]
    values = [v for v in order if v in used]
    params = [p.name for p in system.params if p.name in used]
    inputs = [i for i in system.inputs if i in used]
    derived = {f for f, _ in (_split(v, system) for v in values) if f}
    functions = [f for f in system.functions if f in used or f in derived]
    return PlannedEquation(
        name=name,
        expr=expr,
        args=(*coords, *values, *params, *inputs),
        derivatives=tuple(values),
        params=tuple(params),
        inputs=tuple(inputs),
        text=text,
        functions=tuple(functions),
    )


def _split(value: str, system: System) -> tuple[str | None, str]:
    """``a_xx -> ("a", "xx")`` for a derivative of a field or function; else (None, "")."""
    base, _, suffix = value.partition("_")
    return (base, suffix) if suffix and base in (*system.fields, *system.functions) else (None, "")
