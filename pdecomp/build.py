"""Stage 2: Lark parse tree -> checked :class:`System` with SymPy equations.

Statements are taken in file order, so "declared before use" is the order of the loop.
Expressions are built top-down by a Lark ``Interpreter`` (not a ``Transformer``): the
meaning of a derivative's arguments depends on their position (``d(u, x, 2)``), and each
argument keeps its own span for messages. Nothing here evaluates user text; numbers go
through ``fractions.Fraction`` and names through the scope.
"""

from __future__ import annotations

import re
from fractions import Fraction

import sympy
from lark import Token, Tree
from lark.visitors import Interpreter

from pdecomp import checks, complexes, domains, expand, vectors
from pdecomp.analyze import plain_text as _plain
from pdecomp.errors import PDEError, warn
from pdecomp.ir import (
    Equation,
    EquationGroup,
    Param,
    Span,
    System,
    coord_symbol,
    value_symbol,
)


def build(tree: Tree, text: str, file: str = "<input>") -> System:
    """Check the statements of a parsed file and build its System, or raise PDEError."""
    builder = _Builder(text, file)
    try:
        return builder.run(tree)
    except PDEError as error:
        raise error.with_source(text) from None
    except RecursionError:  # a safety net: _check_depth should refuse such input first
        message = "expression nested too deeply for this Python's recursion limit"
        raise PDEError(message, builder.statement, text) from None


class _Builder:
    def __init__(self, text: str, file: str):
        self.text, self.file = text, file
        self.scope = checks.Scope()
        self.name: str | None = None
        self.time: str | None = None
        self.params: list[Param] = []
        self.lets: dict[str, sympy.Expr] = {}
        self.equations: list[Equation] = []
        self.equation_names = checks.EquationNames()
        self.groups: list[EquationGroup] = []  # vector, tensor and complex equations
        self.complex_fields: list[str] = []
        self.sizes = checks.SizeCounter()
        self.total_size = 0  # nodes of all equations so far (MAX_TOTAL_SIZE)
        self.work = 0  # nodes handed to sympy.diff so far (MAX_DIFFERENTIATION_WORK)
        self.statement = Span(file, 1, 1)  # where the statement being built starts
        self.domain = None  # the Domain of a 'domain' statement, once it is read
        self.faces = ()  # the faces of the equation being built (its `on` clause)

    def span(self, item: Token | Tree) -> Span:
        if isinstance(item, Token):
            return Span(self.file, item.line or 1, item.column or 1)
        return Span(self.file, item.meta.line, item.meta.column)

    def declarations(self, tree: Tree) -> dict[str, Span]:
        """Where each name is first declared anywhere in the file (for 'used before')."""
        found: dict[str, Span] = {}
        for statement in tree.children:
            if statement.data in ("coords", "inputs", "functions"):
                tokens = statement.children[0].children
            elif statement.data == "fields":
                tokens = [item.children[0] for item in statement.children[0].children]
            elif statement.data == "params":
                tokens = [param.children[0] for param in statement.children]
            elif statement.data in ("let", "vector"):
                tokens = [statement.children[0]]
            else:
                continue
            for token in tokens:
                found.setdefault(str(token), self.span(token))
        return found

    def snippet(self, tree: Tree) -> str:
        """The source text of ``tree``, on one line, shortened for messages."""
        text = " ".join(self.text[tree.meta.start_pos : tree.meta.end_pos].split())
        return text if len(text) <= 40 else text[:37] + "..."

    def check_size(self, expr: sympy.Expr, span: Span) -> int:
        """Refuse an expression too large to differentiate, analyse and print quickly."""
        size = self.sizes.size(expr)
        if size > checks.MAX_EXPRESSION_SIZE:
            raise PDEError(
                f"expression too large: {size} nodes once let names and derivatives are "
                f"expanded (at most {checks.MAX_EXPRESSION_SIZE})",
                span,
            )
        return size

    def check_value(self, expr: sympy.Expr, span: Span, what: str) -> None:
        """Refuse a complex, infinite or out-of-range value (``what`` names it)."""
        problem = checks.symbolic_problem(expr)
        if problem:
            raise PDEError(f"{what} {problem}", span)
        power = checks.large_exponent(expr)
        if power is not None:
            raise PDEError(
                f"{what} has a power with exponent {_short(power.exp)} once let names and "
                f"products are expanded (at most {checks.MAX_EXPONENT} in absolute value)",
                span,
            )

    def run(self, tree: Tree) -> System:
        # A field is a function of every coordinate, wherever `coords` stands in the file.
        self.all_coords = tuple(
            coord_symbol(str(t))
            for s in tree.children
            if s.data == "coords"
            for t in s.children[0].children
        )
        self.scope.ahead = self.declarations(tree)
        self.tree = tree
        # `time` marks a coordinate wherever it stands: lap() skips it in every equation.
        self.time_ahead = next(
            (str(s.children[0]) for s in tree.children if s.data == "time"), None
        )
        for statement in tree.children:
            self.statement = self.span(statement)
            _check_depth(statement, self)
            getattr(self, "stmt_" + statement.data)(statement)
        return self.finish(tree)

    # -- declarations -------------------------------------------------------------
    def stmt_system_name(self, tree: Tree) -> None:
        (token,) = tree.children
        if self.name is not None:
            raise PDEError(
                "duplicate 'pde' statement: the system is already named", self.span(token)
            )
        checks.check_identifier(str(token), self.span(token))
        self.name = str(token)

    def _declare_list(self, tree: Tree, kind: str) -> None:
        for token in tree.children[0].children:
            self.scope.declare(str(token), kind, self.span(token))

    def stmt_coords(self, tree: Tree) -> None:
        self._declare_list(tree, "coord")

    def stmt_fields(self, tree: Tree) -> None:
        for token, complex_mark in (item.children for item in tree.children[0].children):
            self.scope.declare(str(token), "field", self.span(token))
            if complex_mark is not None:
                self.complex_fields.append(str(token))

    def stmt_inputs(self, tree: Tree) -> None:
        self._declare_list(tree, "input")

    def stmt_functions(self, tree: Tree) -> None:
        self._declare_list(tree, "function")

    def stmt_time(self, tree: Tree) -> None:
        (token,) = tree.children
        name, span = str(token), self.span(token)
        if self.time is not None:
            raise PDEError(f"duplicate 'time' statement: time is already '{self.time}'", span)
        if self.scope.kind(name) != "coord":
            if self.scope.kind(name) is None:
                raise checks.undeclared(name, span, self.scope, "coordinate")
            raise PDEError(f"'time' must name a coordinate; '{name}' is not one", span)
        self.time = name

    def stmt_params(self, tree: Tree) -> None:
        for param in tree.children:
            token, value = param.children
            default = _Expressions(self, constant=True).visit(value)
            self.check_value(default, self.span(value), f"the default of '{token}'")
            self.scope.declare(str(token), "param", self.span(token))
            self.params.append(Param(str(token), default, self.span(token)))

    def stmt_let(self, tree: Tree) -> None:
        token, value = tree.children
        expr = _Expressions(self).visit(value)
        self.check_shaped(expr, self.span(value), f"'{token}'")
        self.scope.declare(str(token), "let", self.span(token))
        self.lets[str(token)] = expr

    def stmt_domain(self, tree: Tree) -> None:
        self.domain = domains.build_domain(self, tree)

    def stmt_vector(self, tree: Tree) -> None:
        token, value = tree.children
        expr = _Expressions(self).visit(value)
        if not vectors.is_shaped(expr) or expr.rank() != 1:
            raise PDEError(
                f"vector '{token}' must be a list of scalar components, as in "
                f"vector {token} = (u, v); this is {vectors.describe(expr)}",
                self.span(value),
            )
        self.check_shaped(expr, self.span(value), f"'{token}'")
        self.scope.declare(str(token), "vector", self.span(token))
        self.lets[str(token)] = expr

    def check_shaped(self, value, span: Span, what: str) -> None:
        """:meth:`check_value` for every component, real and imaginary parts apart."""
        items = vectors.entries(value) if vectors.is_shaped(value) else [((), value)]
        for _, component in items:
            for part in complexes.split(component):
                self.check_value(part, span, what)

    # -- equations ----------------------------------------------------------------
    def stmt_equation(self, tree: Tree) -> None:
        token, lhs, rhs, where = tree.children
        name, span = str(token), self.span(token)
        checks.check_equation_name(name, span)
        self.equation_names.claim([name], span)
        self._equation(name, span, tree, lhs, rhs, where)

    def stmt_anonymous_equation(self, tree: Tree) -> None:
        lhs, rhs, where = tree.children
        # eqN for its position N among the equation statements (a vector one counts once)
        position = len(self.equations) - sum(len(g.components) - 1 for g in self.groups) + 1
        name, span = self.equation_names.unnamed(position), self.span(tree)
        self.equation_names.claim([name], span, unnamed=True)
        self._equation(name, span, tree, lhs, rhs, where)

    def _equation(
        self, name: str, span: Span, tree: Tree, lhs: Tree, rhs: Tree | None, where=None
    ) -> None:
        left = _Expressions(self).visit(lhs)
        right = _Expressions(self).visit(rhs) if rhs is not None else sympy.Integer(0)
        # The statement as written, comments dropped: only grammar tokens remain.
        text = re.sub(r"#[^\n]*", "", self.text[tree.meta.start_pos : tree.meta.end_pos])
        text = " ".join(text.split()).removeprefix("eq ")
        # Where it holds (`on ...`), for every scalar equation this statement becomes.
        self.faces = domains.build_where(self, where) if where is not None else ()
        if expand.is_group(left, right):
            self.group_equation(name, span, text, left, right)
        else:
            self.scalar_equation(name, span, text, left, right)

    def group_equation(self, name: str, span: Span, text: str, left, right) -> None:
        """A vector, tensor or complex equation: one scalar equation per component."""
        space = [c for c in self.scope.names("coord") if c != self.time_ahead]
        scalars = expand.components(name, left, right, space, span)
        if [c for c, _, _ in scalars] == [name]:  # a complex expression with a real value
            self.scalar_equation(name, span, text, *scalars[0][1:])
            return
        names = [c for c, _, _ in scalars]
        try:  # the components count as names: `momentum` beside `momentum_x` is an error
            self.equation_names.claim(names, span)
        except PDEError as error:
            raise PDEError(f"{error.message}, a component of equation '{name}'", span) from None
        for component, lhs, rhs in scalars:
            plain = f"{component}: {_plain(lhs)} = {_plain(rhs)}"
            self.scalar_equation(component, span, plain, lhs, rhs, part_of=name)
        self.groups.append(EquationGroup(name, left, right, text, span, tuple(names)))

    def scalar_equation(
        self, name: str, span: Span, text: str, left, right, part_of: str | None = None
    ) -> None:
        residual = left - right
        self.check_value(residual, span, f"equation '{name}'")
        self.total_size += self.check_size(residual, span)
        if self.total_size > checks.MAX_TOTAL_SIZE:
            raise PDEError(
                f"the equations are too large together: more than {checks.MAX_TOTAL_SIZE} "
                "nodes once let names and derivatives are expanded",
                span,
            )
        applied = residual.atoms(sympy.core.function.AppliedUndef)
        if not [f for f in applied if self.scope.kind(f.func.__name__) != "function"]:
            if part_of is not None:
                what = "is identically zero" if residual == 0 else "uses no field"
                raise PDEError(
                    f"component '{name}' of equation '{part_of}' {what} "
                    f"({_plain(left)} = {_plain(right)})",
                    span,
                )
            reads = sorted({f.func.__name__ for f in applied})
            detail = f" (it reads only functions: {', '.join(reads)})" if reads else ""
            raise PDEError(f"equation '{name}' uses no field{detail}", span)
        faces = self.faces
        periodic = domains.periodic_coordinate(self, name, residual, faces, span)
        self.equations.append(Equation(name, left, right, residual, text, span, faces, periodic))

    def finish(self, tree: Tree) -> System:
        end = Span(self.file, (tree.meta.end_line if not tree.meta.empty else 1), 1)
        for kind, word in (("coord", "coords"), ("field", "fields")):
            if not self.scope.names(kind):
                raise PDEError(f"no '{word}' declared: a system needs at least one", end)
        if not self.equations:
            raise PDEError("no 'eq' statement: a system needs at least one equation", end)
        return System(
            name=self.name or "pde",
            file=self.file,
            coords=tuple(self.scope.names("coord")),
            time=self.time,
            fields=tuple(
                part
                for f in self.scope.names("field")
                for part in (complexes.parts(f) if f in self.complex_fields else (f,))
            ),
            params=tuple(self.params),
            inputs=tuple(self.scope.names("input")),
            lets=dict(self.lets),
            equations={e.name: e.residual for e in self.equations},
            equation_info=tuple(self.equations),
            groups=tuple(self.groups),
            complex_fields=tuple(self.complex_fields),
            domain=domains.complete_domain(self),
            functions=tuple(self.scope.names("function")),
        )


def _short(value: sympy.Expr) -> str:
    text = str(value)
    return text if len(text) <= 24 else text[:21] + "..."


_CALLABLE = (*vectors.OPERATORS, *complexes.FUNCTIONS)

# A left-leaning chain a + b - c + ... (or a * b / c ...) is built in one step, so it
# counts as one level of nesting however long it is.
_CHAINS = {"add": "sum", "sub": "sum", "mul": "product", "div": "product"}


def _check_depth(tree: Tree, builder: _Builder) -> None:
    """Refuse expressions nested deeper than the builder's recursion can take."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > checks.MAX_NESTING:
            raise PDEError(
                f"expression nested too deeply (more than {checks.MAX_NESTING} levels)",
                builder.span(node),
            )
        chain = _CHAINS.get(node.data)
        for i, child in enumerate(node.children):
            if isinstance(child, Tree):
                same = i == 0 and chain is not None and _CHAINS.get(child.data) == chain
                stack.append((child, depth if same else depth + 1))


def _spine(tree: Tree) -> tuple[Tree, list[tuple[str, Tree]]]:
    """``a + b - c`` -> ``(a, [("add", b), ("sub", c)])``, in source order."""
    chain, rest = _CHAINS[tree.data], []
    while isinstance(tree, Tree) and _CHAINS.get(tree.data) == chain:
        rest.append((tree.data, tree.children[1]))
        tree = tree.children[0]
    return tree, rest[::-1]


_EXPONENT = re.compile(r"[eE]([+-]?\d+)$")


def _diff(expr: sympy.Expr, coord: sympy.Symbol) -> sympy.Expr:
    """``d expr / d coord``, with the fields' derivatives known to be real.

    SymPy knows that a field ``u(x, t)`` is real (it is declared so) but not that
    ``Derivative(u(x, t), t)`` is: differentiating ``abs(u_t)`` in ``x`` would leave
    ``re()``, ``im()`` and an unevaluated ``Derivative(sign(u_t), x)`` that no backend can
    compute. So each derivative of a field stands in, while SymPy differentiates, as a
    real function of the coordinates (named ``_0``, ``_1``: no user name starts with
    '_'), and is put back after.
    """
    found = sorted(expr.atoms(sympy.Derivative), key=sympy.default_sort_key)
    if not found:
        return _keep_powers(sympy.diff(expr, coord))
    stand_ins = {d: sympy.Function(f"_{i}", real=True)(*d.expr.args) for i, d in enumerate(found)}
    result = sympy.diff(expr.xreplace(stand_ins), coord)
    back = {f: d for d, f in stand_ins.items()}
    for d in result.atoms(sympy.Derivative):  # d/dx of a stand-in: one more derivative
        if d.expr in back:
            back[d] = sympy.diff(back[d.expr], *d.variable_count)  # merged, canonical
    return _keep_powers(result.xreplace(back))


def _keep_powers(expr: sympy.Expr) -> sympy.Expr:
    """``m*u**m*u_x/u`` -> ``m*u**(m - 1)*u_x``: no division the equation did not have.

    SymPy differentiates a power with a symbolic exponent as ``u**m * m/u * u_x``, which
    is NaN where ``u = 0`` although ``m*u**(m - 1)*u_x`` (and plain autograd) is finite
    there. Merging the powers of each base keeps the written form (``powsimp``, exponents
    only); expressions without such a power are left exactly as they are.
    """
    symbolic = any(not p.exp.is_number for p in expr.atoms(sympy.Pow) if not p.base.is_number)
    if not symbolic:
        return expr
    return sympy.powsimp(expr, combine="exp", deep=True)


class _Expressions(Interpreter):
    """Builds the SymPy expression of one parse subtree, resolving names in the scope."""

    def __init__(self, builder: _Builder, constant: bool = False):
        self.b = builder
        self.constant = constant  # a parameter default: numbers, pi, E and functions only

    def visit(self, tree: Tree) -> sympy.Expr:
        """Every sub-expression, once built, is checked for size and for runaway digits."""
        result = super().visit(tree)
        if self.b.sizes.size(result) > checks.MAX_EXPRESSION_SIZE:
            self.b.check_size(result, self.b.span(tree))
        if result.is_Rational and checks.constant_problem(result) == "has too many digits":
            raise PDEError(f"'{self.b.snippet(tree)}' has too many digits", self.b.span(tree))
        return result

    # -- leaves ---------------------------------------------------------------------
    def number(self, tree: Tree) -> sympy.Expr:
        token = tree.children[0]
        if not token.isascii():  # the lexer's \d matches any script's digits
            raise PDEError(f"number {str(token)!r} has non-ASCII digits", self.b.span(token))
        digits = sum(c.isdigit() for c in _EXPONENT.sub("", token))
        if digits > checks.MAX_NUMBER_DIGITS:
            raise PDEError(
                f"number '{token[:20]}...' has {digits} digits "
                f"(at most {checks.MAX_NUMBER_DIGITS})",
                self.b.span(token),
            )
        exponent = _EXPONENT.search(token)
        if exponent and abs(int(exponent.group(1))) > 300:
            raise PDEError(f"number '{token}' is out of range", self.b.span(token))
        value = Fraction(str(token))
        if value.denominator == 1:
            return sympy.Integer(value.numerator)
        return sympy.Rational(value.numerator, value.denominator)

    def name(self, tree: Tree) -> sympy.Expr:
        token = tree.children[0]
        name, span = str(token), self.b.span(token)
        if name in checks.CONSTANTS:
            return checks.CONSTANTS[name]
        if name == vectors.IDENTITY:
            if self.constant:
                raise PDEError(
                    "a parameter default must be a scalar constant; 'Id' is a tensor", span
                )
            return self._vector_ops(span).identity()
        kind = self.b.scope.kind(name)
        if kind is None:
            if name in checks.FUNCTIONS or name in checks.OPERATORS or name in _CALLABLE:
                raise PDEError(f"'{name}' is a function; call it as {name}(...)", span)
            raise checks.undeclared(name, span, self.b.scope)
        if self.constant:
            raise PDEError(
                f"a parameter default must be a constant expression; '{name}' is a "
                f"{checks.KINDS[kind]}",
                span,
            )
        if kind == "coord":
            return coord_symbol(name)
        if kind == "field" and name in self.b.complex_fields:
            return complexes.field(name, self._coord_symbols())
        if kind in ("field", "function"):  # a function of the coordinates, differentiable
            return sympy.Function(name, real=True)(*self._coord_symbols())
        if kind in ("let", "vector"):
            return self.b.lets[name]
        return value_symbol(name)  # param or input

    def subscript(self, tree: Tree) -> sympy.Expr:
        token = tree.children[0]
        span = self.b.span(token)
        base, _, suffix = str(token).partition("_")
        if not suffix:
            raise PDEError(
                f"'{token}': a subscript derivative needs coordinates after '_', as in "
                f"{base}_{self.b.scope.names('coord')[0] if self.b.scope.names('coord') else 'x'}",
                span,
            )
        if self.constant:
            raise PDEError("a parameter default must be a constant expression", span)
        if self.b.scope.kind(base) is None:
            raise checks.undeclared(base, span, self.b.scope)
        coords = checks.split_coordinates(suffix, self.b.scope.names("coord"), span, f"'{token}'")
        if coords is None:
            raise PDEError(
                f"'{token}': '{suffix}' is not a sequence of coordinates "
                f"(coordinates: {', '.join(self.b.scope.names('coord'))})",
                span,
            )
        base_expr = self.name(
            Tree("name", [Token("NAME", base, line=token.line, column=token.column)])
        )
        return self._differentiate(base_expr, [(c, 1) for c in coords], span)

    # -- operators ------------------------------------------------------------------
    def add(self, tree: Tree) -> sympy.Expr:  # and sub: the whole chain a + b - c at once
        first, rest = _spine(tree)
        terms, spans = [self.visit(first)], [self.b.span(first)]
        for op, operand in rest:
            value = self.visit(operand)
            terms.append(value if op == "add" else -value)
            spans.append(self.b.span(operand))
        return vectors.add(terms, spans)

    sub = add

    def mul(self, tree: Tree) -> sympy.Expr:  # and div: the whole chain a * b / c at once
        first, rest = _spine(tree)
        factors, spans, divide = [self.visit(first)], [self.b.span(first)], [False]
        for op, operand in rest:
            value = self.visit(operand)
            if op == "div" and not vectors.is_shaped(value) and value == 0:
                raise PDEError("division by zero", self.b.span(operand))
            factors.append(value)
            spans.append(self.b.span(operand))
            divide.append(op == "div")
        return vectors.multiply(factors, spans, divide)

    div = mul

    def neg(self, tree: Tree) -> sympy.Expr:
        (a,) = self.visit_children(tree)
        return -a

    def unary(self, tree: Tree) -> sympy.Expr:  # unary plus (the grammar keeps no alias)
        return self.visit(tree.children[-1])

    def pow(self, tree: Tree) -> sympy.Expr:
        base, _, exponent = tree.children
        a, b = self.visit(base), self.visit(exponent)
        vectors.scalar_only(a, self.b.span(base), "a power")
        vectors.scalar_only(b, self.b.span(exponent), "an exponent")
        if b.is_number and (not b.is_finite or abs(b) > checks.MAX_EXPONENT):
            raise PDEError(
                f"exponent too large (at most {checks.MAX_EXPONENT} in absolute value)",
                self.b.span(exponent),
            )
        if a == 0 and b.is_number and b.is_negative:
            raise PDEError("division by zero", self.b.span(base))
        if a.is_Rational and b.is_Integer:  # refuse before computing a huge exact power
            bits = max(a.p.bit_length(), a.q.bit_length()) * abs(int(b))
            if bits > checks.MAX_CONSTANT_BITS:
                raise PDEError(f"'{self.b.snippet(tree)}' has too many digits", self.b.span(tree))
        if complexes.is_complex(a) or complexes.is_complex(b):
            complexes.check_power(a, b, self.b.span(tree))
            return a**b
        result = a**b
        self.b.check_value(result, self.b.span(tree), f"'{self.b.snippet(tree)}'")
        return result

    def call(self, tree: Tree) -> sympy.Expr:
        token, *args = tree.children
        args = [a for a in args if a is not None]
        name, span = str(token), self.b.span(token)
        if name in checks.FUNCTIONS or name in complexes.FUNCTIONS:
            function, arity = checks.FUNCTIONS.get(name) or (None, complexes.FUNCTIONS[name])
            checks.check_arity(name, len(args), arity, span)
            values = [self.visit(a) for a in args]
            if function is None and vectors.is_shaped(values[0]):  # re, im, conj: componentwise
                return vectors.componentwise(values[0], lambda c: complexes.call(name, c, span))
            for value, arg in zip(values, args):
                if vectors.is_shaped(value):
                    hint = " (norm(V) for the length of a vector)" if name == "abs" else ""
                    raise PDEError(
                        f"{name}() of {vectors.describe(value)}: it applies to scalars, "
                        f"as in {name}(V[1]){hint}",
                        self.b.span(arg),
                    )
            if function is None or any(complexes.is_complex(v) for v in values):
                if arity != 1:
                    raise PDEError(f"{name}() of a complex value is not supported", span)
                return complexes.call(name, values[0], span)
            result = function(*values)
            self.b.check_value(result, span, f"'{self.b.snippet(tree)}'")
            return result
        if name in vectors.OPERATORS:
            if self.constant:
                raise PDEError(
                    f"a parameter default must be a constant expression; '{name}' is a "
                    "vector operator",
                    span,
                )
            checks.check_arity(name, len(args), vectors.OPERATORS[name], span)
            return self._vector_ops(span).call(name, [self.visit(a) for a in args])
        if self.constant:
            raise PDEError(
                f"a parameter default must be a constant expression; '{name}' is a derivative", span
            )
        if name == "d":
            return self._d(args, span)
        if name == "periodic":
            return domains.build_periodic(self, args, span)
        if self.b.scope.kind(name) == "function":
            raise PDEError(
                f"'{name}' is a function of the coordinates: write '{name}' without arguments "
                "(it is called with the model's coordinates)",
                span,
            )
        if name == "lap":
            checks.check_arity("lap", len(args), 1, span)
            coords = self.b.scope.names("coord")
            space = [c for c in coords if c != self.b.time_ahead]
            if not space:
                raise PDEError("lap() needs at least one coordinate that is not time", span)
            looks_like_time = [c for c in coords if c in ("t", "time")]
            if looks_like_time and self.b.time_ahead is None:
                t = looks_like_time[0]
                warn(
                    f"lap() sums second derivatives over every coordinate, '{t}' included, "
                    f"since no coordinate is declared time; add 'time {t}' if '{t}' is time",
                    span,
                )
            inner = self.visit(args[0])
            return vectors.componentwise(
                inner,
                lambda c: sympy.Add(*(self._differentiate(c, [(x, 2)], span) for x in space)),
            )
        if name.startswith("d") and len(name) > 1 and self.b.scope.kind(name) is None:
            coords = checks.split_coordinates(
                name[1:], self.b.scope.names("coord"), span, f"'{name}(...)'"
            )
            if coords is not None:
                checks.check_arity(name, len(args), 1, span)
                return self._differentiate(self.visit(args[0]), [(c, 1) for c in coords], span)
        raise checks.unknown_function(name, span, self.b.scope)

    # -- derivatives ----------------------------------------------------------------
    def _d(self, args: list[Tree], span: Span) -> sympy.Expr:
        if len(args) < 2:
            raise PDEError("d() needs an expression and at least one coordinate: d(u, x)", span)
        spec: list[tuple[str, int]] = []
        for arg in args[1:]:
            if arg.data == "number":
                token = arg.children[0]
                if not spec:
                    raise PDEError(
                        "a derivative count must follow a coordinate", self.b.span(token)
                    )
                if not re.fullmatch(r"\d+", token) or int(token) < 1:
                    raise PDEError(
                        f"derivative count must be a positive integer, got '{token}'",
                        self.b.span(token),
                    )
                coord, count = spec[-1]
                spec[-1] = (coord, count - 1 + int(token))
                continue
            if arg.data != "name":
                raise PDEError(
                    "expected a coordinate name or a count in d(expr, ...)", self.b.span(arg)
                )
            token = arg.children[0]
            kind = self.b.scope.kind(str(token))
            if kind != "coord":
                what = f"a {checks.KINDS[kind]}" if kind else "not declared"
                raise PDEError(
                    f"derivative with respect to '{token}', which is not a coordinate "
                    f"({what}; coordinates: {', '.join(self.b.scope.names('coord'))})",
                    self.b.span(token),
                )
            spec.append((str(token), 1))
        return self._differentiate(self.visit(args[0]), spec, span)

    def _differentiate(
        self, expr: sympy.Expr, spec: list[tuple[str, int]], span: Span
    ) -> sympy.Expr:
        if vectors.is_shaped(expr):  # componentwise
            return vectors.componentwise(expr, lambda c: self._differentiate(c, spec, span))
        inputs = sorted(s.name for s in expr.free_symbols if self.b.scope.kind(s.name) == "input")
        if inputs:
            raise PDEError(
                f"derivative of input '{inputs[0]}': inputs are data sampled at the points, "
                "not functions, and cannot be differentiated",
                span,
            )
        params = sorted(s.name for s in expr.free_symbols if self.b.scope.kind(s.name) == "param")
        if params and not expr.atoms(sympy.core.function.AppliedUndef):
            if not any(self.b.scope.kind(s.name) == "coord" for s in expr.free_symbols):
                names = ", ".join(f"'{p}'" for p in params)
                word = "parameter" if len(params) == 1 else "parameters"
                warn(
                    f"derivative of the {word} {names}: parameters are constants, so "
                    "this derivative is 0 and its term vanishes from the equation",
                    span,
                )
        order = sum(n for _, n in spec) + max(
            (sum(n for _, n in d.variable_count) for d in expr.atoms(sympy.Derivative)), default=0
        )
        if order > checks.MAX_DERIVATIVE_ORDER:
            raise PDEError(
                f"derivative of order {order} is beyond the supported maximum of "
                f"{checks.MAX_DERIVATIVE_ORDER}",
                span,
            )
        # One order at a time, measuring each result: the product and chain rules can
        # multiply an expression's size at every order.
        for coord, count in spec:
            for _ in range(count):
                self.b.work += self.b.check_size(expr, span)
                if self.b.work > checks.MAX_DIFFERENTIATION_WORK:
                    raise PDEError(
                        "too much to differentiate: the derivatives in this file expand to "
                        f"more than {checks.MAX_DIFFERENTIATION_WORK} nodes",
                        span,
                    )
                estimate = checks.derivative_size(expr, coord_symbol(coord), self.b.sizes)
                if estimate > checks.MAX_DERIVATIVE_ESTIMATE:
                    raise PDEError(
                        f"expression too large to differentiate: its derivative in '{coord}' "
                        f"would have about {estimate} nodes (at most "
                        f"{checks.MAX_EXPRESSION_SIZE})",
                        span,
                    )
                expr = _diff(expr, coord_symbol(coord))
        self.b.check_size(expr, span)
        return expr

    def _coord_symbols(self) -> tuple[sympy.Symbol, ...]:
        return self.b.all_coords

    # -- vectors, tensors and complex values -----------------------------------------
    def _vector_ops(self, span: Span) -> vectors.Operators:
        space = [c for c in self.b.scope.names("coord") if c != self.b.time_ahead]
        return vectors.Operators(space, lambda e, x: self._differentiate(e, [(x, 1)], span), span)

    def tuple(self, tree: Tree):
        if self.constant:
            raise PDEError("a parameter default must be a scalar constant", self.b.span(tree))
        values = [self.visit(c) for c in tree.children]
        return vectors.stack(values, [self.b.span(c) for c in tree.children])

    def index(self, tree: Tree):
        base, *positions = tree.children
        value = self.visit(base)
        spans = [self.b.span(p) for p in positions]
        return vectors.index(value, [self.visit(p) for p in positions], spans, self.b.span(tree))

    def __default__(self, tree: Tree):  # pragma: no cover - every grammar rule has a method
        raise PDEError(f"internal error: no rule for '{tree.data}'", self.b.span(tree))
