"""Domains: the box a system lives in, where each equation holds, and periodicity.

Input: the parse trees of ``domain`` statements, of ``on`` clauses and of ``periodic(...)``
calls (from the builder, in file order). Output: a :class:`pdecomp.ir.Domain`, per
equation a tuple of :class:`pdecomp.ir.Face` and its periodic coordinate, and
:class:`Periodic` nodes inside the residuals; for the analysis, :func:`expand_periodic`
turns those nodes into plain symbols read at the two faces (``u__lo_x - u__hi_x``).

Bounds and face values are constant expressions, compared exactly when rational and to
50 significant digits otherwise, so ``on x = 2*pi`` matches ``x in [0, 2*pi]`` and
``on x = 6.2832`` does not.
"""

from __future__ import annotations

import sympy
from lark import Tree
from sympy.core.function import AppliedUndef

from pdecomp import checks, complexes, vectors
from pdecomp.errors import PDEError
from pdecomp.ir import Domain, Face, Interval, Span, System, coord_symbol, value_symbol

# The two faces of a periodic coordinate, as the suffixes of the values read there.
SITES = ("lo", "hi")
SIDES = ("lower", "upper")
_DIGITS = 60  # precision of numeric comparisons of bounds


class Periodic(sympy.Function):
    """``periodic(expr, c)``: ``expr`` at ``c = lo`` minus ``expr`` at ``c = hi``.

    Arguments ``(expr, c, lo, hi)``, the bounds of ``c`` in the domain; the other
    coordinates are the same at both faces. Kept unevaluated in a System's residuals;
    ``doit()`` substitutes the bounds: ``u(-1, t) - u(1, t)``.
    """

    nargs = 4

    def doit(self, **hints):
        expr, coord, lo, hi = self.args
        if hints.get("deep", True):
            expr = expr.doit(**hints)
        return expr.subs(coord, lo) - expr.subs(coord, hi)

    def _eval_derivative(self, s):
        expr, coord, lo, hi = self.args
        if s == coord:  # the difference does not depend on the periodic coordinate
            return sympy.S.Zero
        return Periodic(sympy.diff(expr, s), coord, lo, hi)

    def _eval_is_real(self):
        return self.args[0].is_real

    def _sympystr(self, printer):
        return f"periodic({printer._print(self.args[0])}, {printer._print(self.args[1])})"

    def _latex(self, printer):
        expr, coord, lo, hi = (printer._print(a) for a in self.args)
        return (
            rf"\left. {expr} \right|_{{{coord} = {lo}}} - \left. {expr} \right|_{{{coord} = {hi}}}"
        )


# -- building (called by pdecomp.build in file order) ----------------------------------
def build_domain(builder, tree: Tree) -> Domain:
    """``domain x in [lo, hi], ...`` -> Domain (intervals in the order written)."""
    if builder.domain is not None:
        first = builder.domain.span
        raise PDEError(
            f"duplicate 'domain' statement (the domain is given at line {first.line})",
            builder.span(tree),
        )
    intervals: list[Interval] = []
    for interval in tree.children:
        token, lo_tree, hi_tree = interval.children
        coord, span = str(token), builder.span(token)
        _check_coordinate(builder, coord, span, "the domain")
        if any(i.coord == coord for i in intervals):
            raise PDEError(f"coordinate '{coord}' has two intervals in the domain", span)
        lo = _constant(builder, lo_tree, "a domain bound")
        hi = _constant(builder, hi_tree, "a domain bound")
        if not _less(lo, hi):
            raise PDEError(
                f"empty interval for '{coord}': [{lo}, {hi}] needs its lower bound below "
                "its upper bound",
                builder.span(lo_tree),
            )
        intervals.append(Interval(coord, lo, hi, span))
    return Domain(tuple(intervals), builder.span(tree))


def complete_domain(builder) -> Domain | None:
    """The domain with its intervals in `coords` order; every coordinate must have one."""
    domain = builder.domain
    if domain is None:
        return None
    given = {i.coord: i for i in domain.intervals}
    coords = builder.scope.names("coord")
    for coord in coords:
        if coord not in given:
            raise PDEError(
                f"the domain gives no interval for coordinate '{coord}' (every coordinate "
                f"needs one: {coord} in [lo, hi])",
                domain.span,
            )
    return Domain(tuple(given[c] for c in coords), domain.span)


def build_where(builder, tree: Tree) -> tuple[Face, ...]:
    """``on x = -1, x = 1`` -> the faces, in the order written (their union)."""
    start = tree.meta.start_pos
    after = builder.text[start + 2 : start + 3]
    if after.isascii() and (after.isalnum() or after == "_"):
        raise PDEError(
            "write 'on' apart from the coordinate after it: 'on x = 0'", builder.span(tree)
        )
    domain = _require_domain(builder, "'on'", builder.span(tree))
    faces: list[Face] = []
    for face in tree.children:
        token, value_tree = face.children
        coord, span = str(token), builder.span(token)
        _check_coordinate(builder, coord, span, "'on'")
        interval = _interval(builder, domain, coord, span)
        value = _constant(builder, value_tree, "the value of a face")
        sides = [s for s, bound in enumerate((interval.lo, interval.hi)) if _equal(value, bound)]
        if not sides:
            raise PDEError(
                f"{coord} = {builder.snippet(value_tree)} is not a face of the domain ({coord} in "
                f"[{interval.lo}, {interval.hi}]): 'on' takes one of the bounds",
                builder.span(value_tree),
            )
        found = Face(coord, sides[0], (interval.lo, interval.hi)[sides[0]])
        if found in faces:
            raise PDEError(f"the face {coord} = {found.value} is listed twice", span)
        faces.append(found)
    return tuple(faces)


def build_periodic(expressions, args: list[Tree], span: Span) -> sympy.Expr:
    """``periodic(expr, c)`` -> ``Periodic(expr, c, lo, hi)``, checked."""
    builder = expressions.b
    checks.check_arity("periodic", len(args), 2, span)
    target = args[1]
    if target.data != "name":
        raise PDEError(
            "periodic(expr, c): the second argument must be a coordinate", builder.span(target)
        )
    coord, where = str(target.children[0]), builder.span(target)
    _check_coordinate(builder, coord, where, "periodic()")
    domain = _require_domain(builder, "periodic()", span)
    interval = _interval(builder, domain, coord, where)
    inner = expressions.visit(args[0])
    if inner.has(Periodic):
        raise PDEError("periodic() inside periodic(): one periodic coordinate at a time", span)
    inputs = sorted(s.name for s in inner.free_symbols if builder.scope.kind(s.name) == "input")
    if inputs:
        raise PDEError(
            f"periodic() of input '{inputs[0]}': inputs are data at the given points and "
            "have no value on the opposite face",
            span,
        )
    args = (coord_symbol(coord), interval.lo, interval.hi)

    def periodic(value):  # of each component, and of a complex value's two parts
        real, imag = complexes.split(value)
        return Periodic(real, *args) + (sympy.I * Periodic(imag, *args) if imag != 0 else 0)

    return vectors.componentwise(inner, periodic)


def periodic_coordinate(builder, name: str, residual, faces, span: Span) -> str | None:
    """The equation's periodic coordinate (or None), after checking how it is used."""
    nodes = sorted(residual.atoms(Periodic), key=sympy.default_sort_key)
    coords = sorted({str(p.args[1]) for p in nodes})
    if not coords:
        return None
    if len(coords) > 1:
        raise PDEError(
            f"equation '{name}' is periodic in {' and '.join(coords)}: one periodic "
            "coordinate per equation",
            span,
        )
    (coord,) = coords
    if faces:
        raise PDEError(
            f"equation '{name}' is periodic in {coord}: it holds on the faces of {coord}, "
            "so 'on' cannot place it elsewhere",
            span,
        )
    outside = residual.xreplace({p: sympy.S.Zero for p in nodes})
    if outside.atoms(AppliedUndef) or outside.has(coord_symbol(coord)):
        lo, hi = nodes[0].args[2:]
        raise PDEError(
            f"equation '{name}' compares the faces {coord} = {lo} and {coord} = {hi}: outside "
            f"periodic(), a field or '{coord}' has no single value there; put those terms "
            f"inside periodic(..., {coord})",
            span,
        )
    return coord


# -- analysis -------------------------------------------------------------------------
def site_name(value: str, site: str, coord: str) -> str:
    """Value ``u_x`` read at the lower (``lo``) or upper (``hi``) face of ``x``: ``u_x__lo_x``.

    Declared names hold no '_', so ``__`` splits a site name unambiguously.
    """
    return f"{value}__{site}_{coord}"


def expand_periodic(expr: sympy.Expr, system: System) -> sympy.Expr:
    """Plain ``Periodic(e, c, lo, hi)`` -> ``e`` at the lower face minus ``e`` at the upper.

    At each face the coordinate ``c`` is its bound and every field value or derivative
    ``v`` is the symbol ``v__lo_c`` or ``v__hi_c`` (read by the generated module there).
    """
    keep = set(system.coords) | {p.name for p in system.params} | set(system.inputs)
    replace = {}
    for node in expr.atoms(Periodic):
        inner, coord, lo, hi = node.args
        values = sorted(s.name for s in inner.free_symbols if s.name not in keep)
        sites = []
        for site, bound in zip(SITES, (lo, hi)):
            renamed = {
                value_symbol(v): value_symbol(site_name(v, site, coord.name)) for v in values
            }
            sites.append(inner.xreplace({**renamed, coord: bound}))
        replace[node] = sites[0] - sites[1]
    return expr.xreplace(replace)


def sited(names, coords) -> list[str]:
    """Every value name at each face of each coordinate (``u__lo_x``, ..., ``u__hi_t``)."""
    return [site_name(n, site, c) for c in coords for site in SITES for n in names]


# -- description (pdecomp check, show) ------------------------------------------------
def describe_domain(domain: Domain) -> str:
    return ", ".join(f"{i.coord} in [{i.lo}, {i.hi}]" for i in domain.intervals)


def describe_where(system: System, equation) -> str:
    """Where an equation holds, in words: ``inside``, ``on t = 0``, ``periodic in x``."""
    if system.domain is None:
        return "wherever evaluated"
    if equation.periodic:
        interval = system.domain.interval(equation.periodic)
        c = equation.periodic
        return f"periodic in {c}: {c} = {interval.lo} against {c} = {interval.hi}"
    if equation.where:
        return "on " + ", ".join(f"{f.coord} = {f.value}" for f in equation.where)
    return "inside the domain"


# -- helpers ----------------------------------------------------------------------------
def _check_coordinate(builder, name: str, span: Span, where: str) -> None:
    kind = builder.scope.kind(name)
    if kind is None:
        raise checks.undeclared(name, span, builder.scope, "coordinate")
    if kind != "coord":
        raise PDEError(
            f"{where} takes coordinates; '{name}' is a {checks.KINDS[kind]} (coordinates: "
            f"{', '.join(builder.scope.names('coord'))})",
            span,
        )


def _require_domain(builder, what: str, span: Span) -> Domain:
    if builder.domain is not None:
        return builder.domain
    later = [s for s in builder.tree.children if s.data == "domain"]
    if later:
        line = later[0].meta.line
        raise PDEError(
            f"{what} needs the domain, which is given later (line {line}); move it up", span
        )
    raise PDEError(
        f"{what} needs a domain: add a 'domain' statement such as 'domain x in [0, 1]'", span
    )


def _interval(builder, domain: Domain, coord: str, span: Span) -> Interval:
    for interval in domain.intervals:
        if interval.coord == coord:
            return interval
    raise PDEError(f"the domain gives no interval for '{coord}' (line {domain.span.line})", span)


def _constant(builder, tree: Tree, what: str) -> sympy.Expr:
    """A constant expression (numbers, pi, E, built-in functions), real and finite."""
    for node in tree.iter_subtrees_topdown():
        if node.data == "name" and str(node.children[0]) not in checks.CONSTANTS:
            token = node.children[0]
            kind = builder.scope.kind(str(token))
            found = (
                f"'{token}' is a {checks.KINDS[kind]}" if kind else f"'{token}' is not a constant"
            )
            raise PDEError(f"{what} must be a constant expression; {found}", builder.span(token))
        if node.data == "subscript" or (
            node.data == "call" and str(node.children[0]) not in checks.FUNCTIONS
        ):
            raise PDEError(f"{what} must be a constant expression", builder.span(node))
    from pdecomp.build import _Expressions

    value = _Expressions(builder, constant=True).visit(tree)
    builder.check_value(value, builder.span(tree), what)
    return value


def _number(value: sympy.Expr) -> sympy.Float:
    return sympy.N(value, _DIGITS)


def _less(a: sympy.Expr, b: sympy.Expr) -> bool:
    if a.is_Rational and b.is_Rational:
        return bool(a < b)
    return bool(_number(b - a) > 0) and not _equal(a, b)


def _equal(a: sympy.Expr, b: sympy.Expr) -> bool:
    difference = a - b
    if difference == 0:
        return True
    if difference.is_Rational:
        return False
    scale = max(1, abs(_number(b)))
    return bool(abs(_number(difference)) < sympy.Float(10) ** (10 - _DIGITS) * scale)
