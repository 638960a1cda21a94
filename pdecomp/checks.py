"""The rules a `.pde` file must satisfy, as small functions the builder calls in file order.

Each check takes what it needs (a name, a span, the scope) and raises :class:`PDEError`
or returns a value. Kept apart from `build.py` so that the list of rules can be read in
one place; `docs/errors.md` lists the messages they produce.
"""

from __future__ import annotations

import keyword
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
CONSTANTS: dict[str, sympy.Expr] = {"pi": sympy.pi, "E": sympy.E}
OPERATORS = ("d", "lap")
KEYWORDS = ("pde", "coords", "time", "fields", "params", "inputs", "let", "eq")
# Names the generated modules use for themselves; a user name must not shadow them.
GENERATED_NAMES = ("math", "torch", "jax", "jnp", "model", "functools")
MAX_DERIVATIVE_ORDER = 10
MAX_EXPONENT = 1000
MAX_NESTING = 150

KINDS = {
    "coord": "coordinate",
    "field": "field",
    "param": "parameter",
    "input": "input",
    "let": "let name",
}


@dataclass
class Scope:
    """What has been declared so far, in file order: name -> (kind, span)."""

    declared: dict[str, tuple[str, Span]] = field(default_factory=dict)

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
        raise PDEError(
            f"'{name}': names may not contain '_' (it is reserved for subscript "
            "derivatives such as u_x)",
            span,
        )
    builtin = _builtin_kind(name)
    if builtin:
        raise PDEError(f"'{name}' is a reserved name ({builtin}); choose another name", span)


def _builtin_kind(name: str) -> str | None:
    if name in CONSTANTS:
        return "a built-in constant"
    if name in FUNCTIONS:
        return "a built-in function"
    if name in OPERATORS:
        return "a derivative operator"
    if name in KEYWORDS:
        return "a keyword of the language"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in ("None", "True", "False"):
        return "a Python keyword"
    if name in GENERATED_NAMES:
        return "used by the generated code"
    return None


def undeclared(name: str, span: Span, scope: Scope, what: str = "name") -> PDEError:
    """The error for a name that is not declared (yet), with the closest suggestion."""
    candidates = scope.names() + list(CONSTANTS)
    return PDEError(f"undeclared {what} '{name}'" + did_you_mean(name, candidates), span)


def unknown_function(name: str, span: Span, scope: Scope) -> PDEError:
    candidates = list(FUNCTIONS) + list(OPERATORS)
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
