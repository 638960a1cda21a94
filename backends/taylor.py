"""Taylor-mode tables of method ``zcs-taylor``, for both backends: directions and weights.

Input: a Plan. Output: the directions v in z-space along which one jet each is pushed
through the model, and per derivative read its order k and ((direction, weight), ...)
such that the derivative is the weighted sum of the directional derivatives D^k_v u.
The polarization is solved exactly (SymPy rationals) at compile time.
"""

from __future__ import annotations

import itertools

import sympy

from pdecomp.backends._printer import FrameworkPrinter
from pdecomp.errors import PDEError
from pdecomp.ir import Plan

# Taylor mode handles this many unknown derivatives of one order at most (a 2-D fourth
# order has 5, a 3-D fourth order 15); past it the exact solve gets slow: use zcs.
MAX_TAYLOR_BASIS = 35


def taylor_tables(plan: Plan) -> tuple[list[tuple[int, ...]], dict[str, tuple[int, list]]]:
    """Directions in z-space and, per derivative read, (order, [(direction, weight)]).

    For order k, D^k_v u = sum over multi-indices b of k!/b! v^b d^b u. Directions are
    unit vectors first (pure derivatives need nothing else), then mixes (1, +-1),
    (1, +-2), ... over the coordinates the order involves, added while they raise the
    rank; the system is inverted exactly (SymPy rationals), so weights are exact.
    """
    ncoords = len(plan.system.coords)
    directions: list[tuple[int, ...]] = []
    weights: dict[str, tuple[int, list]] = {}
    nodes = {n.index: n for n in plan.chain}
    by_order: dict[int, list] = {}
    for name, (_, suffix) in plan.derivatives.items():
        index = next(i for i, n in nodes.items() if n.suffix == suffix)
        by_order.setdefault(sum(index), []).append((name, index))
    for order, reads in sorted(by_order.items()):
        involved = sorted({c for _, i in reads for c in range(ncoords) if i[c]})
        basis = [
            tuple(combo.count(c) for c in range(ncoords))
            for combo in itertools.combinations_with_replacement(involved, order)
        ]
        if len(basis) > MAX_TAYLOR_BASIS:
            raise PDEError(
                f"method zcs-taylor: order {order} in {len(involved)} coordinates has "
                f"{len(basis)} unknown derivatives (at most {MAX_TAYLOR_BASIS}); use zcs",
                *_reader(plan, {name for name, _ in reads}),
            )
        chosen, rows = [], []
        for v in _candidate_directions(involved, ncoords):
            row = [_taylor_coefficient(order, b, v) for b in basis]
            if sympy.Matrix([*rows, row]).rank() == len(rows) + 1:
                rows.append(row)
                chosen.append(v)
            if len(rows) == len(basis):
                break
        inverse = sympy.Matrix(rows).inv()
        for name, index in reads:
            terms = []
            for j, v in enumerate(chosen):
                w = inverse[basis.index(index), j]
                if w != 0:
                    if v not in directions:
                        directions.append(v)
                    terms.append((directions.index(v), w))
            weights[name] = (order, terms)
    return directions, weights


def _reader(plan: Plan, names: set[str]) -> tuple:
    """``(span,)`` of the first equation reading one of the derivatives ``names``."""
    spans = {e.name: e.span for e in plan.system.equation_info}
    for equation in plan.equations:
        if names & set(equation.derivatives) and equation.name in spans:
            return (spans[equation.name],)
    return ()


def _pairs(terms: list, printer: FrameworkPrinter) -> str:
    """``((0, 1/12), (3, -1/6))``: a tuple of (direction, weight) pairs, as code."""
    items = [f"({j}, {printer.doprint(w)})" for j, w in terms]
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _taylor_coefficient(order: int, b: tuple[int, ...], v: tuple[int, ...]) -> sympy.Expr:
    multinomial = sympy.factorial(order) / sympy.prod([sympy.factorial(n) for n in b])
    return multinomial * sympy.prod([sympy.Integer(vc) ** n for vc, n in zip(v, b)])


def _candidate_directions(involved: list[int], ncoords: int):
    def vector(entries):
        v = [0] * ncoords
        for c, e in zip(involved, entries):
            v[c] = e
        return tuple(v)

    for i in range(len(involved)):
        yield vector([int(i == j) for j in range(len(involved))])
    for scale in itertools.count(1):
        steps = [s for s in range(-scale, scale + 1) if s]
        for rest in itertools.product(steps, repeat=len(involved) - 1):
            if max(map(abs, rest), default=scale) == scale:
                yield vector((1, *rest))


def tables_source(plan: Plan, printer: FrameworkPrinter) -> str:
    """``TAYLOR_DIRECTIONS`` and ``TAYLOR`` as code for the generated module."""
    directions, weights = taylor_tables(plan)
    rows = "".join(f"    {d},\n" for d in directions)
    entries = "".join(
        f'    "{name}": ({k}, {_pairs(terms, printer)}),\n' for name, (k, terms) in weights.items()
    )
    return (
        "# Taylor mode: directions v in z-space (one jet each), and per derivative read\n"
        "# (order k, ((direction, weight), ...)): d^alpha u = sum of weight * D^k_v u.\n"
        f"TAYLOR_DIRECTIONS = (\n{rows})\n"
        f"TAYLOR = {{\n{entries}}}"
    )
