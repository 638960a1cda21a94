"""The data passed between pipeline stages: frozen dataclasses, SymPy inside.

``parse -> Tree``, ``build(Tree) -> System``, ``analyze(System) -> Plan``,
``emit(Plan) -> str``. Every user-facing object keeps the source span it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy


@dataclass(frozen=True)
class Span:
    """Where something starts in a `.pde` file (line and column count from 1)."""

    file: str
    line: int
    column: int


@dataclass(frozen=True)
class Param:
    name: str
    default: sympy.Expr  # a constant expression (numbers, pi, E, functions)
    span: Span


@dataclass(frozen=True)
class Interval:
    """One side of the domain's box: ``coord in [lo, hi]``, constant bounds, lo < hi."""

    coord: str
    lo: sympy.Expr
    hi: sympy.Expr
    span: Span


@dataclass(frozen=True)
class Domain:
    """The box of a ``domain`` statement: one interval per coordinate, in `coords` order."""

    intervals: tuple[Interval, ...]
    span: Span

    def interval(self, coord: str) -> Interval:
        return next(i for i in self.intervals if i.coord == coord)


@dataclass(frozen=True)
class Face:
    """The face ``coord = value`` of the box, ``value`` its lower (side 0) or upper bound."""

    coord: str
    side: int
    value: sympy.Expr


@dataclass(frozen=True)
class Equation:
    """One equation ``lhs = rhs``; ``residual`` is ``lhs - rhs`` with `let` names expanded.

    Fields appear as applied functions ``u(x, t)`` and derivatives as ``sympy.Derivative``.
    """

    name: str
    lhs: sympy.Expr
    rhs: sympy.Expr
    residual: sympy.Expr
    text: str  # the equation as written, for headers and messages
    span: Span
    where: tuple[Face, ...] = ()  # the faces it holds on (their union); () inside the box
    periodic: str | None = None  # the coordinate of its periodic(...) terms, if any


@dataclass(frozen=True)
class EquationGroup:
    """A vector, tensor or complex equation as written, and the scalar equations it became.

    ``lhs`` and ``rhs`` are SymPy arrays (a vector or tensor side, a scalar side as a
    rank-0 array) or expressions, complex ones with ``I``; ``components`` name the scalar
    equations in order (``momentum_x``, ``momentum_y``; ``nls_re``, ``nls_im``).
    """

    name: str
    lhs: object
    rhs: object
    text: str
    span: Span
    components: tuple[str, ...]


@dataclass(frozen=True)
class System:
    """A checked `.pde` file: declarations in file order, equations as SymPy."""

    name: str
    file: str
    coords: tuple[str, ...]
    time: str | None
    fields: tuple[str, ...]
    params: tuple[Param, ...]
    inputs: tuple[str, ...]
    lets: dict[str, sympy.Expr]
    equations: dict[str, sympy.Expr]  # equation name -> residual (lhs - rhs)
    equation_info: tuple[Equation, ...] = field(repr=False, default=())
    # Vector, tensor and complex equations: each names its scalar equations above.
    groups: tuple[EquationGroup, ...] = field(repr=False, default=())
    # Complex fields as declared (``h``); ``fields`` holds their parts ``h_re``, ``h_im``.
    complex_fields: tuple[str, ...] = ()
    domain: Domain | None = None  # the box the equations hold in, if the file gives one
    # `functions`: known functions of the coordinates, passed per call as callables and
    # evaluated at the model's (shifted) coordinates; applied functions like the fields.
    functions: tuple[str, ...] = ()

    @property
    def coord_symbols(self) -> tuple[sympy.Symbol, ...]:
        return tuple(coord_symbol(c) for c in self.coords)

    def __repr__(self) -> str:
        return (
            f"<System {self.name!r}: coords {', '.join(self.coords)}; "
            f"fields {', '.join(self.fields)}; equations {', '.join(self.equations)}>"
        )

    def _repr_latex_(self) -> str:
        """Notebooks: the declarations and equations as one aligned LaTeX block."""
        from pdecomp.latex import aligned

        return f"$$\n{aligned(self)}\n$$"

    def field_function(self, name: str) -> sympy.Expr:
        """The field ``name`` as the SymPy function of all coordinates it stands for."""
        return sympy.Function(name, real=True)(*self.coord_symbols)


def coord_symbol(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def value_symbol(name: str) -> sympy.Symbol:
    """The symbol for a param, an input, a field value or a derivative value."""
    return sympy.Symbol(name, real=True)


@dataclass(frozen=True)
class DerivativeNode:
    """One derivative of the ZCS chain, computed from ``parent`` by one more derivative.

    ``index`` and ``parent`` are multi-indices: derivative counts per coordinate, in
    `coords` order (the empty derivative is all zeros). ``fields`` are the fields whose
    derivative at this index some equation reads; it may be empty for a pure link of the
    chain.
    """

    index: tuple[int, ...]
    parent: tuple[int, ...]
    coord: int  # position of the coordinate differentiated from parent to index
    suffix: str  # "xx", "xt": how the index is spelled in names such as u_xx
    fields: tuple[str, ...]


@dataclass(frozen=True)
class PlannedEquation:
    """An equation in plain symbols: ``expr`` reads the names in ``args``, nothing else."""

    name: str
    expr: sympy.Expr
    args: tuple[str, ...]  # in order: coords, fields and derivatives, params, inputs
    derivatives: tuple[str, ...]  # the field values and derivatives it reads (u, u_x, ...)
    params: tuple[str, ...]
    inputs: tuple[str, ...]
    text: str
    functions: tuple[str, ...] = ()  # the `functions` whose values or derivatives it reads


@dataclass(frozen=True)
class Plan:
    """What a backend needs: the equations in plain symbols and the derivative chain."""

    system: System
    equations: tuple[PlannedEquation, ...]
    chain: tuple[DerivativeNode, ...]  # topologically ordered: parents first
    derivatives: dict[str, tuple[str, str]]  # u_xx -> ("u", "xx"), in chain order
    # Fused linear operators (pdecomp.fusion): name -> (field, ((derivative, coefficient), ...))
    combinations: dict[str, tuple[str, tuple]] = field(default_factory=dict)

    @property
    def max_order(self) -> int:
        return max((sum(n.index) for n in self.chain), default=0)
