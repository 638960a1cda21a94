"""Vectors and tensors in expressions: shaped values, their operators and shape checks.

Input: the values the expression builder makes (a scalar is a SymPy expression; a vector
or tensor is a ``sympy.ImmutableDenseNDimArray`` of scalar expressions) and the span of
each operand. Output: shaped or scalar values, or a located :class:`PDEError` for every
mismatch. Index convention (as in Dedalus): ``grad(V)[i, j] = d_i V_j``; ``dot``
contracts the last index of its first argument with the first index of its second;
``div(T)[j] = sum_i d_i T[i, j]``. Derivatives come from the builder (``diff``), so its
limits and checks hold for every component.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import sympy
from sympy.tensor.array import NDimArray

from pdecomp import complexes
from pdecomp.errors import PDEError
from pdecomp.ir import Span

Array = sympy.ImmutableDenseNDimArray
# name -> number of arguments; `Id` is a name (the identity tensor), not a call.
OPERATORS = {
    "grad": 1,
    "div": 1,
    "curl": 1,
    "dot": 2,
    "cross": 2,
    "outer": 2,
    "transpose": 1,
    "tr": 1,
    "sym": 1,
    "norm": 1,
}
IDENTITY = "Id"


def is_shaped(value) -> bool:
    """A vector or tensor (an array of rank 1 or more), not a scalar."""
    return isinstance(value, NDimArray) and value.rank() > 0


def describe(value) -> str:
    """``a scalar``, ``a vector of 2 components``, ``a 2x3 tensor``: for messages."""
    if not is_shaped(value):
        return "a scalar"
    if value.rank() == 1:
        return f"a vector of {value.shape[0]} components"
    return f"a {'x'.join(map(str, value.shape))} tensor"


def entries(value) -> list[tuple[tuple[int, ...], sympy.Expr]]:
    """(index, component) for every component, in row-major order."""
    return [(i, value[i]) for i in itertools.product(*(range(n) for n in value.shape))]


def componentwise(value, function: Callable[[sympy.Expr], sympy.Expr]):
    """``function`` applied to each component of a shaped value (or to a scalar)."""
    if not is_shaped(value):
        return function(value)
    return Array([function(c) for _, c in entries(value)], value.shape)


def stack(values: list, spans: list[Span]):
    """``(e1, ..., en)``: a vector of scalars, or a tensor whose rows share one shape."""
    first = values[0]
    for value, span in zip(values[1:], spans[1:]):
        if describe(value) != describe(first):
            raise PDEError(
                f"the components of (...) must share one shape: the first is "
                f"{describe(first)}, this one {describe(value)}",
                span,
            )
    if not is_shaped(first):
        return Array(values)
    return Array([v.tolist() for v in values])


def add(terms: list, spans: list[Span]):
    """The sum of ``terms``: all of one shape, except scalar zeros beside a shaped value."""
    shaped = [(t, s) for t, s in zip(terms, spans) if is_shaped(t)]
    if not shaped:
        return sympy.Add(*terms)
    model, _ = shaped[0]
    total = None
    for term, span in zip(terms, spans):
        if not is_shaped(term):
            if term != 0:
                raise PDEError(
                    f"{describe(model)} plus a scalar: add a vector or tensor of the same "
                    "shape (only 0 may stand for one)",
                    span,
                )
            continue
        if term.shape != model.shape:
            raise PDEError(f"{describe(model)} plus {describe(term)}: shapes differ", span)
        total = term if total is None else total + term
    return total


def multiply(factors: list, spans: list[Span], divide: list[bool]):
    """A product ``a * b / c``: scalars times at most one vector or tensor."""
    shaped = None
    scalars = []  # multiplied at once: a product of n factors costs O(n), not O(n^2)
    for value, span, division in zip(factors, spans, divide):
        if is_shaped(value):
            if division:
                raise PDEError(f"division by {describe(value)}", span)
            if shaped is not None:
                raise PDEError(
                    f"{describe(shaped)} times {describe(value)}: use dot(A, B), "
                    "outer(A, B) or cross(A, B)",
                    span,
                )
            shaped = value
        else:
            scalars.append(1 / value if division else value)
    scalar = sympy.Mul(*scalars)
    if shaped is None:
        return scalar
    return componentwise(shaped, lambda c: scalar * c)


def scalar_only(value, span: Span, what: str) -> None:
    """Refuse a vector or tensor where only a scalar makes sense (``what`` says where)."""
    if is_shaped(value):
        raise PDEError(f"{what} needs a scalar, got {describe(value)}", span)


def index(value, positions: list, spans: list[Span], span: Span):
    """``V[k]``, ``T[i, j]``, ``T[i]`` (a row): positions count from 1."""
    if not is_shaped(value):
        raise PDEError("only a vector or tensor can be indexed, this is a scalar", span)
    if len(positions) > value.rank():
        raise PDEError(f"{len(positions)} indices for {describe(value)}", spans[value.rank()])
    picked = []
    for k, (position, where, size) in enumerate(zip(positions, spans, value.shape)):
        if not (isinstance(position, sympy.Integer) and 1 <= int(position) <= size):
            which = "the index" if len(positions) == 1 else f"index {k + 1}"
            raise PDEError(
                f"{which} must be a whole number from 1 to {size} "
                f"({describe(value)}; indices count from 1)",
                where,
            )
        picked.append(int(position) - 1)
    return value[tuple(picked)]  # a component, or an array for a partial index


class Operators:
    """The vector operators over the spatial coordinates ``space`` (names, in order).

    ``diff(expr, coord)`` is the builder's checked derivative of a scalar; ``lap`` its
    Laplacian of a scalar.
    """

    def __init__(self, space: list[str], diff, span: Span):
        self.space, self.diff, self.span = space, diff, span

    def identity(self):
        n = self.dimension("Id")
        return Array([[int(i == j) for j in range(n)] for i in range(n)])

    def dimension(self, what: str) -> int:
        if not self.space:
            raise PDEError(f"{what} needs a coordinate that is not time", self.span)
        return len(self.space)

    def spatial(self, value, what: str, axis: int = 0) -> None:
        """Refuse a shaped value whose ``axis`` is not one per spatial coordinate."""
        n = self.dimension(what)
        if value.shape[axis] != n:
            raise PDEError(
                f"{what} of {describe(value)}, but there are {n} spatial coordinates "
                f"({', '.join(self.space)}): a vector needs one component per spatial "
                "coordinate",
                self.span,
            )

    def call(self, name: str, args: list):
        return getattr(self, "op_" + name)(*args)

    def op_grad(self, value):
        """``grad(s)_i = d_i s``; ``grad(A)[i, ...] = d_i A[...]``."""
        self.dimension("grad")
        if is_shaped(value):
            self.spatial(value, "grad", axis=0)
            rows = [
                componentwise(value, lambda c, x=x: self.diff(c, x)).tolist() for x in self.space
            ]
        else:
            rows = [self.diff(value, x) for x in self.space]
        return Array(rows)

    def op_div(self, value):
        """``div(V) = sum_i d_i V_i``; ``div(T)[j] = sum_i d_i T[i, j]``."""
        if not is_shaped(value):
            raise PDEError(
                "div of a scalar: div needs a vector or tensor (grad(s) for a scalar)", self.span
            )
        self.spatial(value, "div", axis=0)
        parts = [
            componentwise(_row(value, i), lambda c, x=x: self.diff(c, x))
            for i, x in enumerate(self.space)
        ]
        return add(parts, [self.span] * len(parts))

    def op_curl(self, value):
        """3-D: ``curl(V)``, a vector; 2-D: the scalar ``d_x V_2 - d_y V_1``."""
        n = self.dimension("curl")
        if n not in (2, 3):
            raise PDEError(
                f"curl needs 2 or 3 spatial coordinates; there {'is' if n == 1 else 'are'} "
                f"{n} ({', '.join(self.space)})",
                self.span,
            )
        if not is_shaped(value) or value.rank() != 1:
            raise PDEError(f"curl needs a vector, got {describe(value)}", self.span)
        self.spatial(value, "curl")
        d, v = self.diff, value
        if n == 2:
            x, y = self.space
            return d(v[1], x) - d(v[0], y)
        x, y, z = self.space
        return Array([d(v[2], y) - d(v[1], z), d(v[0], z) - d(v[2], x), d(v[1], x) - d(v[0], y)])

    def op_dot(self, a, b):
        """The last index of ``a`` contracted with the first of ``b``."""
        for value in (a, b):
            if not is_shaped(value):
                raise PDEError(
                    f"dot needs vectors or tensors, got {describe(value)} (use *)", self.span
                )
        if a.shape[-1] != b.shape[0]:
            raise PDEError(f"dot of {describe(a)} and {describe(b)}: lengths differ", self.span)
        product = sympy.tensorcontraction(sympy.tensorproduct(a, b), (a.rank() - 1, a.rank()))
        return product

    def op_cross(self, a, b):
        for value in (a, b):
            if not is_shaped(value) or value.shape != (3,):
                raise PDEError(
                    f"cross needs two vectors of 3 components, got {describe(value)}", self.span
                )
        return Array(
            [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]]
        )

    def op_outer(self, a, b):
        for value in (a, b):
            if not is_shaped(value):
                raise PDEError(
                    f"outer needs vectors or tensors, got {describe(value)} (use *)", self.span
                )
        return sympy.tensorproduct(a, b)

    def _matrix(self, value, what: str, square: bool):
        if not is_shaped(value) or value.rank() != 2:
            raise PDEError(f"{what} needs a tensor of rank 2, got {describe(value)}", self.span)
        if square and value.shape[0] != value.shape[1]:
            raise PDEError(f"{what} needs a square tensor, got {describe(value)}", self.span)

    def op_transpose(self, value):
        self._matrix(value, "transpose", square=False)
        return sympy.permutedims(value, (1, 0))

    def op_tr(self, value):
        self._matrix(value, "tr", square=True)
        return sympy.Add(*(value[i, i] for i in range(value.shape[0])))

    def op_sym(self, value):
        self._matrix(value, "sym", square=True)
        return (value + sympy.permutedims(value, (1, 0))) / 2

    def op_norm(self, value):
        """The Euclidean (for a tensor, Frobenius) norm; complex components by modulus."""
        if not is_shaped(value):
            raise PDEError("norm needs a vector or tensor (abs for a scalar)", self.span)
        return sympy.sqrt(sympy.Add(*(complexes.abs_squared(c) for _, c in entries(value))))


def _row(value, i: int):
    """``value[i, ...]``: a scalar for a vector, an array for a tensor."""
    return value[i]
