"""The rules a `.pde` file must satisfy, as small functions the builder calls in file order.

Each check takes what it needs (a name, a span, the scope) and raises :class:`PDEError`
or returns a value. Kept apart from `build.py` so that the list of rules can be read in
one place; `docs/errors.md` lists the messages they produce.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, field

import sympy

from pdecomp.errors import PDEError, did_you_mean
from pdecomp.ir import Span

# Built-in functions: name -> (SymPy constructor, number of arguments).
FUNCTIONS: dict[str, tuple[object, int]] = {
    "sin": (sympy.sin, 1),
    "cos": (sympy.cos, 1),
    "tan": (sympy.tan, 1),
    "asin": (sympy.asin, 1),
    "acos": (sympy.acos, 1),
    "atan": (sympy.atan, 1),
    "sinh": (sympy.sinh, 1),
    "cosh": (sympy.cosh, 1),
    "tanh": (sympy.tanh, 1),
    "exp": (sympy.exp, 1),
    "log": (sympy.log, 1),
    "sqrt": (sympy.sqrt, 1),
    "abs": (sympy.Abs, 1),
    "sign": (sympy.sign, 1),
    "atan2": (sympy.atan2, 2),
    "min": (sympy.Min, 2),
    "max": (sympy.Max, 2),
}
CONSTANTS: dict[str, sympy.Expr] = {"pi": sympy.pi, "E": sympy.E, "I": sympy.I}
OPERATORS = ("d", "lap", "periodic")
KEYWORDS = (
    *("pde", "coords", "time", "fields", "params", "inputs", "let", "eq", "vector", "complex"),
    *("domain", "on"),
    "functions",
)
# Vector and tensor operators (pdecomp/vectors.py), the identity tensor, complex parts.
VECTOR_NAMES = (
    *("grad", "div", "curl", "dot", "cross", "outer", "transpose", "tr", "sym", "norm"),
    "Id",
)
COMPLEX_FUNCTIONS = ("re", "im", "conj")
# Names the generated modules use for themselves; a user name must not shadow them.
GENERATED_NAMES = ("math", "torch", "jax", "jnp", "model", "functools")
MAX_DERIVATIVE_ORDER = 10
MAX_EXPONENT = 1000
MAX_NESTING = 150
# Resource limits: each keeps the compile time of any input bounded (docs/errors.md).
MAX_SOURCE_CHARS = 200_000  # a whole file
MAX_NUMBER_DIGITS = 100  # digits of one number literal
MAX_CONSTANT_BITS = 4000  # numerator/denominator of an exact constant (about 1200 digits)
MAX_EXPRESSION_SIZE = 10_000  # nodes of one expression, let names and derivatives expanded
MAX_TOTAL_SIZE = 100_000  # nodes of all equations together
MAX_DIFFERENTIATION_WORK = 10_000  # nodes handed to SymPy's diff, summed over the file
# A derivative estimated (before it is taken) larger than this is refused at once; the
# estimate is an upper bound, so it allows for SymPy's own simplification.
MAX_DERIVATIVE_ESTIMATE = 4 * MAX_EXPRESSION_SIZE
FLOAT_MAX = 1.7976931348623157e308  # the largest float64: constants must fit

UNDERSCORE_RESERVED = (
    "names may not contain '_' (it is reserved for subscript derivatives such as u_x)"
)

KINDS = {
    "coord": "coordinate",
    "field": "field",
    "param": "parameter",
    "input": "input",
    "function": "function of the coordinates",
    "let": "let name",
    "vector": "vector",
}


@dataclass
class Scope:
    """What has been declared so far, in file order: name -> (kind, span)."""

    declared: dict[str, tuple[str, Span]] = field(default_factory=dict)
    ahead: dict[str, Span] = field(default_factory=dict)  # every declaration in the file

    def names(self, *kinds: str) -> list[str]:
        return [n for n, (k, _) in self.declared.items() if not kinds or k in kinds]

    def kind(self, name: str) -> str | None:
        entry = self.declared.get(name)
        return entry[0] if entry else None

    def declare(self, name: str, kind: str, span: Span) -> None:
        check_identifier(name, span)
        if name in self.declared:
            old_kind, old = self.declared[name]
            raise PDEError(
                f"duplicate declaration of '{name}' (already declared as a {KINDS[old_kind]} "
                f"at line {old.line}, column {old.column})",
                span,
            )
        self.declared[name] = (kind, span)


def check_identifier(name: str, span: Span) -> None:
    """A declared name is ``[A-Za-z][A-Za-z0-9]*`` and shadows nothing built in."""
    if "_" in name:
        raise PDEError(f"'{name}': {UNDERSCORE_RESERVED}", span)
    builtin = _builtin_kind(name)
    if builtin:
        raise PDEError(f"'{name}' is a reserved name ({builtin}); choose another name", span)


EQUATION_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def check_equation_name(name: str, span: Span) -> None:
    """An equation name is a letter, then letters, digits and underscores.

    Equation names are labels in their own namespace: keywords, built-in names and
    declared names are all allowed (``eq d:``, ``eq pde:``, ``eq momentum_x:``).
    """
    if not EQUATION_NAME.fullmatch(name):
        raise PDEError(
            f"equation name '{name}' must start with a letter, then letters, digits and '_'",
            span,
        )


@dataclass
class EquationNames:
    """The residual names taken so far, in file order: name -> where it was taken.

    One equation may produce several residual names (``claim`` takes the list); every
    name must be new, whichever equation produced the first one.
    """

    taken: dict[str, tuple[Span, bool]] = field(default_factory=dict)  # (span, unnamed)

    def claim(self, names: list[str], span: Span, unnamed: bool = False) -> None:
        """Take ``names`` for the equation at ``span``, or raise a located PDEError."""
        for name in names:
            if name in self.taken:
                first, first_unnamed = self.taken[name]
                how = ", the name of an unnamed equation" if first_unnamed else ""
                raise PDEError(
                    f"duplicate equation name '{name}' (first used at line {first.line}{how})",
                    span,
                )
        if len(set(names)) != len(names):
            twice = next(n for n in names if names.count(n) > 1)
            raise PDEError(f"duplicate equation name '{twice}' in one equation", span)
        for name in names:
            self.taken[name] = (span, unnamed)

    def unnamed(self, position: int) -> str:
        """The name of an unnamed equation: ``eqN`` for its position N, or the next free."""
        while f"eq{position}" in self.taken:
            position += 1
        return f"eq{position}"


def _builtin_kind(name: str) -> str | None:
    if name in CONSTANTS:
        return "a built-in constant"
    if name in FUNCTIONS:
        return "a built-in function"
    if name in OPERATORS:
        return "a derivative operator"
    if name in VECTOR_NAMES:
        return "a vector operator"
    if name in COMPLEX_FUNCTIONS:
        return "a built-in function"
    if name in KEYWORDS:
        return "a keyword of the language"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in ("None", "True", "False"):
        return "a Python keyword"
    if name in GENERATED_NAMES:
        return "used by the generated code"
    return None


def undeclared(name: str, span: Span, scope: Scope, what: str = "name") -> PDEError:
    """The error for a name that is not declared (yet), with the closest suggestion."""
    if name in scope.ahead:
        later = scope.ahead[name]
        where = f"line {later.line}, column {later.column}"
        return PDEError(f"undeclared {what} '{name}' (it is declared later, at {where})", span)
    candidates = scope.names() + list(CONSTANTS)
    return PDEError(f"undeclared {what} '{name}'" + did_you_mean(name, candidates), span)


def unknown_function(name: str, span: Span, scope: Scope) -> PDEError:
    candidates = list(FUNCTIONS) + list(OPERATORS) + list(VECTOR_NAMES) + list(COMPLEX_FUNCTIONS)
    candidates += ["d" + c for c in scope.names("coord")]
    hint = did_you_mean(name, candidates)
    kind = scope.kind(name)
    if kind:
        return PDEError(f"'{name}' is a {KINDS[kind]}, not a function" + hint, span)
    return PDEError(f"unknown function '{name}'" + hint, span)


def check_arity(name: str, given: int, expected: int, span: Span) -> None:
    if given != expected:
        plural = "argument" if expected == 1 else "arguments"
        raise PDEError(f"{name}() takes {expected} {plural}, got {given}", span)


def split_coordinates(text: str, coords: list[str], span: Span, form: str) -> list[str] | None:
    """Split ``text`` into coordinate names (``"xt"`` -> ``["x", "t"]``).

    Returns None when no split exists; raises for an ambiguous one. ``form`` names the
    spelling in messages (``dxt(...)`` or ``u_xt``).
    """
    splits = _splits(text, tuple(sorted(coords, key=len, reverse=True)), limit=2)
    if not splits:
        return None
    if len(splits) > 1:
        a, b = (" ".join(s) for s in splits)
        raise PDEError(
            f"ambiguous shorthand {form}: '{text}' splits into coordinates as '{a}' or "
            f"as '{b}'; write d(expr, ...) instead",
            span,
        )
    return splits[0]


def _splits(text: str, coords: tuple[str, ...], limit: int) -> list[list[str]]:
    """Up to ``limit`` ways to write ``text`` as a sequence of coordinate names."""
    # ways[i]: splits of text[i:], built from the end so each suffix is solved once.
    ways: list[list[list[str]]] = [[] for _ in range(len(text) + 1)]
    ways[len(text)] = [[]]
    for i in range(len(text) - 1, -1, -1):
        for c in coords:
            if text.startswith(c, i):
                for rest in ways[i + len(c)]:
                    if len(ways[i]) < limit:
                        ways[i].append([c, *rest])
    return ways[0]


def constant_problem(value: sympy.Expr) -> str | None:
    """Why ``value`` cannot be a real float64 constant in generated code, or None.

    ``value`` is an expression with no free symbols: ``acos(2)`` (complex), ``log(0)``
    (infinite), ``E^1000`` (beyond float64) and constants with thousands of digits are
    refused here rather than failing (or silently turning complex) in the generated code.
    """
    if value.has(sympy.zoo, sympy.nan, sympy.oo, sympy.S.NegativeInfinity):
        return "is not finite"
    if value.has(sympy.I):
        return "is not a real number"
    if value.is_Rational:
        if max(value.p.bit_length(), value.q.bit_length()) > MAX_CONSTANT_BITS:
            return "has too many digits"
        if abs(value.p) > int(FLOAT_MAX) * value.q:
            return "is out of floating-point range"
        return None
    real, imag = value.evalf(30).as_real_imag()
    if imag != 0:
        return "is not a real number"
    if not real.is_finite:
        return "is not finite"
    if abs(real) > FLOAT_MAX:
        return "is out of floating-point range"
    return None


def symbolic_problem(expr: sympy.Expr) -> str | None:
    """Why an expression of the coordinates and fields is not real and finite, or None."""
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, sympy.S.NegativeInfinity):
        return "is not finite"
    if expr.has(sympy.I):
        return "is not real (it has an imaginary part)"
    if expr.is_number:
        return constant_problem(expr)
    stack = [expr]
    while stack:  # every maximal constant sub-expression must be a real float64
        node = stack.pop()
        if node.is_number:
            if not node.is_Atom or node.is_Rational:
                problem = constant_problem(node)
                if problem:
                    return f"has a constant that {problem}"
        else:
            stack.extend(node.args)
    return None


def large_exponent(expr: sympy.Expr) -> sympy.Expr | None:
    """A power in ``expr`` whose constant exponent exceeds :data:`MAX_EXPONENT`, or None.

    SymPy merges powers as it builds (``(u^512)^512`` is ``u^262144``), so a chain of
    ``let`` names or a product can reach exponents no single ``^`` was allowed to write.
    """
    for power in expr.atoms(sympy.Pow):
        exponent = power.exp
        if exponent.is_number and (not exponent.is_finite or abs(exponent) > MAX_EXPONENT):
            return power
    return None


def derivative_size(expr: sympy.Basic, coord: sympy.Symbol, sizes: SizeCounter) -> int:
    """An estimate of the size of ``d expr / d coord``, computed without SymPy's diff.

    The product and chain rules copy a product once per factor that varies: a product
    of 500 fields has 500 terms of 500 factors. Measuring first lets such an expression
    be refused in milliseconds instead of after a derivative that takes a minute.
    """
    estimates: dict[sympy.Basic, int] = {}
    stack = [(expr, False)]
    while stack:  # iterative post-order, as for sizes
        node, ready = stack.pop()
        if node in estimates:
            continue
        varies = not node.is_number and (
            coord in node.free_symbols or node.atoms(sympy.core.function.AppliedUndef)
        )
        if not varies:
            estimates[node] = 0  # its derivative is zero
            continue
        if not node.args or isinstance(node, _FIELD_NODES):
            estimates[node] = 1  # one, or the name of a derivative
            continue
        if not ready:
            stack.append((node, True))
            stack.extend((a, False) for a in node.args if a not in estimates)
            continue
        whole = sizes.size(node)
        if node.is_Add:
            estimates[node] = 1 + sum(estimates[a] for a in node.args)
        elif node.is_Mul:  # one term per varying factor: the product with that factor's derivative
            estimates[node] = 1 + sum(
                whole - sizes.size(a) + estimates[a] for a in node.args if estimates[a]
            )
        else:  # power or function: the chain rule repeats the node and its arguments
            estimates[node] = 2 * whole + sum(estimates[a] for a in node.args)
    return estimates[expr]


_FIELD_NODES = (sympy.Derivative, sympy.core.function.AppliedUndef)


class SizeCounter:
    """Tree sizes of SymPy expressions (shared sub-expressions counted at every use).

    Sizes are memoised by sub-expression, so measuring each new expression costs only
    its new nodes: a chain of ``let`` names that doubles the expanded size at every step
    is caught without ever walking the expanded tree.
    """

    def __init__(self):
        self.sizes: dict[sympy.Basic, int] = {}

    def size(self, expr: sympy.Basic) -> int:
        stack = [(expr, False)]
        while stack:  # iterative post-order: no recursion limit on deep expressions
            node, ready = stack.pop()
            if node in self.sizes:
                continue
            if ready or not node.args:
                self.sizes[node] = 1 + sum(self.sizes[a] for a in node.args)
            else:
                stack.append((node, True))
                stack.extend((a, False) for a in node.args if a not in self.sizes)
        return self.sizes[expr]
