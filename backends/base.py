"""What every backend shares: the layout of a generated module and the emitter.

Input: a :class:`pdecomp.ir.Plan` and a derivative method. Output: the source text of a
standalone Python module that imports only its framework. The module has two parts, each
under a banner:

1. this system: the header, the tables (``COORDS``, ``FIELDS``, ``CHAIN``, ...) and one
   ``eq_<name>`` function per equation, printed here from the plan by the backend's SymPy
   printer (``_printer.py``);
2. the engine, the same for every system: the text of real modules in
   :mod:`pdecomp.backends.engines` (the public functions ``api``, the framework's runtime,
   the method's engine files), copied below their splice line.

A backend is a printer table plus the names of its engine modules. Emitters read engine
source as text and never import torch or jax.
"""

from __future__ import annotations

import abc
import re

import sympy

from pdecomp.backends import engines, taylor
from pdecomp.backends._printer import FrameworkPrinter
from pdecomp.domains import describe_domain
from pdecomp.expand import declared_fields, statements
from pdecomp.ir import Plan, PlannedEquation

# How each derivative method is described in the generated module's header.
METHOD_DOCS = {
    "zcs": "reverse-mode Zero Coordinate Shift: one zero scalar per coordinate is added to\n"
    "that coordinate before the model runs; each derivative is a scalar backward pass of\n"
    "the a-weighted sum omega = sum(a * u), then one pass w.r.t. a returns the field",
    "zcs-fwd": "forward-mode Zero Coordinate Shift: nested jvp with one-hot tangents on the\n"
    "same zero scalars (an all-ones tangent on each coordinate)",
    "funcloop": "FuncLoop baseline: coordinates are leaves, one backward pass per output\n"
    "function (row of the output) and derivative",
    "datavect": "DataVect baseline: coordinates are repeated to the output's shape and made\n"
    "leaves; the model must accept coordinates of its output's shape",
    "fd2": "central finite differences on the output grid, 2nd order (one-sided 2nd-order\n"
    "stencils at the edges); each coordinate grid varies along one axis, uniformly; each\n"
    "link of CHAIN is one first-derivative stencil, so higher orders compose",
    "fd4": "central finite differences on the output grid, 4th order (one-sided 4th-order\n"
    "stencils at the edges); each coordinate grid varies along one axis, uniformly; each\n"
    "link of CHAIN is one first-derivative stencil, so higher orders compose",
    "pointwise": "per-point leaves: the coordinates (each of the output's shape) are the\n"
    "differentiated tensors; one backward pass per parent in CHAIN gives all its children;\n"
    "exact only for a pointwise model (each output depends on its own point alone)",
    "zcs-or-pointwise": "per-point leaves where the layout allows, reverse-mode ZCS elsewhere:\n"
    "every coordinate of the output's shape and each output independent of the other\n"
    "points' coordinates (checked once per model and shapes, by perturbing half of the\n"
    "points) -> one backward pass per parent in CHAIN w.r.t. the shifted coordinates;\n"
    "otherwise zero scalars z added to the coordinates, scalar passes of omega = sum(a * u)\n"
    "and one pass w.r.t. a per derivative field or linear operator",
    "spectral": "spectral differentiation on a periodic output grid (PINO-style): each\n"
    "coordinate grid is uniform along one axis, one period without its endpoint; each link\n"
    "of CHAIN is one FFT first derivative (Nyquist mode's derivative zero)",
    "zcs-taylor": "Taylor-mode Zero Coordinate Shift: one jet along each direction in the space\n"
    "of the zero scalars gives all orders of directional derivatives at once; mixed\n"
    "derivatives are exact combinations of directions (polarization); torch propagates\n"
    "all directions in one model call and only the combinations read at the top order",
    "taylor-or-zcs": "zcs-taylor where every operation the model calls has a Taylor rule;\n"
    "otherwise (a model found without one is remembered) zcs-or-pointwise",
}


class Backend(abc.ABC):
    """A target framework: a printer table, array names, and its engine modules."""

    name: str
    printer: type[FrameworkPrinter]
    imports: dict[str, str]  # module alias the printer may use -> import line
    runtime: str  # engine module of the framework's runtime
    methods: dict[str, tuple[str, ...]]  # method -> engine modules, in splice order
    given: str  # engine module of residuals_from's derivatives (fields already evaluated)
    fused: tuple[str, ...] = ()  # methods that sum linear operators (pdecomp.fusion)

    def emit(self, plan: Plan, method: str, source_name: str, version: str) -> str:
        """The generated module, as text: this system's part, then the engine."""
        if method not in self.methods:
            raise ValueError(
                f"backend {self.name!r} has no method {method!r}; "
                f"methods: {', '.join(self.methods)}"
            )
        printer = self.printer()
        tables = self._tables(plan, printer)
        extra = self.method_tables(plan, method, printer)
        if extra:
            tables += "\n\n" + extra
        functions = function_names([e.name for e in plan.equations])
        equations = [self._equation(e, functions[e.name], printer) for e in plan.equations]
        engine = ["api", self.runtime, *self.methods[method], "given", self.given]
        if plan.system.functions:  # the model wrapped to return the functions too
            engine[2:2] = ["functions"]
        if plan.system.domain is not None:  # sample, loss; periodic equations read faces
            engine[2:2] = ["domain", f"{self.name}_domain"]
            tables += "\n\n" + _domain_tables(plan, printer)
        used = set(printer.module_imports) & set(self.imports)
        imports = {self.imports[m] for m in used}.union(*(engines.imports(e) for e in engine))
        system_part = [
            SYSTEM_BANNER.format(name=plan.system.name),
            tables,
            "\n\n\n".join(equations),
            "EQUATIONS = {\n"
            + "".join(
                f'    "{e.name}": ({functions[e.name]}, {_tuple(e.args)}),\n'
                for e in plan.equations
            )
            + "}",
        ]
        engine_part = [ENGINE_BANNER.format(backend=self.name, method=method)]
        engine_part += [
            f"# ---- {engines.title(e)}\n\n\n{self._engine_source(e, plan)}" for e in engine
        ]
        parts = [
            self._header(plan, method, source_name, version),
            "\n".join(sorted(imports, key=_import_order)),
            *system_part,
            *engine_part,
        ]
        return "\n\n\n".join(p.strip("\n") for p in parts) + "\n"

    def _engine_source(self, name: str, plan: Plan) -> str:
        """An engine module's text; with a domain, ``api`` evaluates periodic faces too."""
        text = engines.source(name)
        if name == "api" and plan.system.domain is not None:
            text = engines.replace_function(text, "_evaluate", engines.source("domain_evaluate"))
        return text

    def method_tables(self, plan: Plan, method: str, printer: FrameworkPrinter) -> str:
        """Module-level tables a method needs: fd2/fd4's stencil order, zcs-taylor's directions."""
        if method in ("fd2", "fd4"):
            comment = f"# Method {method}: the stencils' order, and the method named in messages."
            return f'{comment}\nFD_ORDER = {method[2:]}\nGRID_METHOD = "{method}"'
        if method == "spectral":
            return (
                '# Method spectral: FFT derivatives on the output grid.\nGRID_METHOD = "spectral"'
            )
        if method in ("zcs-taylor", "taylor-or-zcs"):
            return taylor.tables_source(plan, printer)
        return ""

    def _header(self, plan: Plan, method: str, source_name: str, version: str) -> str:
        system = plan.system
        lines = [
            f'"""Residuals of the PDE system \'{system.name}\' from {_safe(source_name)}.',
            "",
            f"Compiled by pdecomp {version} for {self.name}. Derivatives by method '{method}':",
            *METHOD_DOCS[method].split("\n"),
        ]
        lines += [
            "",
            f"Coordinates (model arguments, in order): {', '.join(system.coords)}"
            + (f"; time: {system.time}" if system.time else ""),
            f"Fields (model outputs, in order): {', '.join(declared_fields(system))}",
        ]
        if system.params:
            lines.append(
                "Params (keywords, with defaults): " + ", ".join(p.name for p in system.params)
            )
        if system.inputs:
            lines.append("Inputs (keywords, data at the points): " + ", ".join(system.inputs))
        if system.functions:
            lines.append(
                "Functions (keywords, callables of the coordinates): " + ", ".join(system.functions)
            )
        if system.domain is not None:
            lines.append(f"Domain: {describe_domain(system.domain)}")
        lines += ["", "Equations (residual = lhs - rhs):"]
        lines += _equation_lines(plan)
        lines += [
            "",
            f"Derivatives computed (highest order {plan.max_order}): "
            + (", ".join(plan.derivatives) or "none"),
            "",
            "Use: residuals(model, "
            + ", ".join(system.coords)
            + ", **params_and_inputs) -> {equation: residual}; residual(name, model, ...)"
            + (
                " (a tuple of components for " + ", ".join(g.name for g in system.groups) + ")."
                if system.groups
                else "."
            ),
            *(
                [
                    "sample(name, n, seed=0) -> the points where equation name holds;",
                    "loss(model, {name: points}, weights) -> sum of weighted mean squares.",
                ]
                if system.domain is not None
                else []
            ),
            "Fields already evaluated (the model not called again): residuals_from(fields,",
            "coords, zeros=... or leaf=...).",
            "This file is generated: edit the .pde file and compile again.",
            '"""',
        ]
        return "\n".join(lines)

    def _tables(self, plan: Plan, printer: FrameworkPrinter) -> str:
        system = plan.system
        params = "".join(f'    "{p.name}": {printer.doprint(p.default)},\n' for p in system.params)
        chain = "".join(
            f'    "{n.suffix}": ("{_parent_suffix(plan, n)}", {n.coord}),\n' for n in plan.chain
        )
        derivatives = "".join(
            f'    "{k}": ("{f}", "{s}"),\n' for k, (f, s) in plan.derivatives.items()
        )
        groups = "".join(f'    "{g.name}": {_tuple(g.components)},\n' for g in system.groups)
        return "\n".join(
            [
                f"COORDS = {_tuple(system.coords)}",
                f"FIELDS = {_tuple(system.fields)}",
                f"FUNCTIONS = {_tuple(system.functions)}",
                "OUTPUTS = FIELDS + FUNCTIONS  # what the engines differentiate",
                f"PARAMS = {{\n{params}}}" if params else "PARAMS = {}",
                f"INPUTS = {_tuple(system.inputs)}",
                "",
                "# The derivative chain, parents first: suffix -> (parent suffix, coordinate",
                "# position). Each link is one derivative of the previous one in one coordinate,",
                "# so every shared lower-order derivative is computed once.",
                f"CHAIN = {{\n{chain}}}" if chain else "CHAIN = {}",
                "# Derivatives the equations read: name -> (field, chain suffix).",
                f"DERIVATIVES = {{\n{derivatives}}}" if derivatives else "DERIVATIVES = {}",
                *_combinations(plan, printer),
                "# Vector, tensor and complex equations: name -> its scalar equations, in order.",
                f"GROUPS = {{\n{groups}}}" if groups else "GROUPS = {}",
            ]
        )

    def _equation(self, equation: PlannedEquation, function: str, printer: FrameworkPrinter) -> str:
        """``def eq_<name>(args): return <expr>``, shared subexpressions hoisted once."""
        temporaries, (expr,) = sympy.cse(
            equation.expr, symbols=sympy.numbered_symbols("_c"), optimizations=None
        )
        temporaries, expr = _inline_constants(temporaries, expr)
        body = [f"    {printer.doprint(s)} = {printer.doprint(e)}" for s, e in temporaries]
        body.append(f"    return {printer.doprint(expr)}")
        return "\n".join(
            [
                f"def {function}({', '.join(equation.args)}):",
                f'    """{equation.text}"""',
                *body,
            ]
        )


def _domain_tables(plan: Plan, printer: FrameworkPrinter) -> str:
    """DOMAIN, WHERE and PERIODIC: the box, and where each equation holds."""
    system = plan.system
    box = "".join(
        f'    "{i.coord}": ({printer.doprint(i.lo)}, {printer.doprint(i.hi)}),\n'
        for i in system.domain.intervals
    )
    where = "".join(f'    "{e.name}": {_faces(e.where)},\n' for e in system.equation_info)
    periodic = "".join(
        f'    "{e.name}": "{e.periodic}",\n' for e in system.equation_info if e.periodic
    )
    return "\n".join(
        [
            "# The domain: coordinate -> (lower bound, upper bound) of its closed interval.",
            f"DOMAIN = {{\n{box}}}",
            "# Where each equation holds: the faces (coordinate, side) whose union it holds",
            "# on; () for the whole box.",
            f"WHERE = {{\n{where}}}",
            "# Periodic equations -> their coordinate: sampled on its lower face, their",
            "# residual reads the model at both faces (arguments u__lo_x, u__hi_x).",
            f"PERIODIC = {{\n{periodic}}}" if periodic else "PERIODIC = {}",
        ]
    )


def _faces(faces) -> str:
    items = [f'("{f.coord}", "{("lower", "upper")[f.side]}")' for f in faces]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


_RULE = "# " + "=" * 77
SYSTEM_BANNER = _RULE + "\n# This system, {name!r}: its tables and equations.\n" + _RULE
ENGINE_BANNER = (
    _RULE + "\n# The engine ({backend}, method {method!r}): the same for every system.\n" + _RULE
)


def _inline_constants(temporaries, expr):
    """Put constant temporaries back in place; number the others ``_s0``, ``_s1``, ...

    A hoisted constant would be a Python float where the printer expects an array
    (``torch.log(_s0)`` with ``_s0 = math.pi**2``); in place, it prints as plain
    ``math`` arithmetic.
    """
    constants, kept = {}, []
    for symbol, value in temporaries:
        value = value.xreplace(constants)
        if value.is_number:
            constants[symbol] = value
        else:
            kept.append((symbol, value))
    names = dict(zip((s for s, _ in kept), sympy.numbered_symbols("_s")))
    names.update(constants)
    kept = [(names[s], v.xreplace(names)) for s, v in kept]
    return kept, expr.xreplace(names)


def function_names(names: list[str]) -> dict[str, str]:
    """Equation name -> the name of its function in the generated module.

    ``eq_`` and the name, any character outside ``[A-Za-z0-9_]`` replaced by ``_``; a
    name already given gets a number (``eq_a_2``), so distinct equations never share a
    function whatever their names.
    """
    given: dict[str, str] = {}
    used: set[str] = set()
    for name in names:
        base = "eq_" + re.sub(r"[^A-Za-z0-9_]", "_", name)
        function, n = base, 1
        while function in used:
            n += 1
            function = f"{base}_{n}"
        given[name] = function
        used.add(function)
    return given


def _equation_lines(plan: Plan) -> list[str]:
    """The header's equations, each as written.

    A vector, tensor or complex equation is followed by its components, indented.
    """
    text = {e.name: e.text for e in plan.equations}
    lines = []
    for group, equations in statements(plan.system):
        if group is not None:
            lines.append(f"    {group.text}")
        indent = "        " if group is not None else "    "
        lines += [f"{indent}{text[e.name]}" for e in equations]
    return lines


def _safe(file_name: str) -> str:
    """A file name as it may appear in the generated module's docstring.

    Characters outside a plain set (quotes, backslashes, newlines could end the
    docstring) become '?'.
    """
    return re.sub(r"[^A-Za-z0-9_.+ -]", "?", file_name) or "?"


def _combinations(plan: Plan, printer: FrameworkPrinter) -> list[str]:
    """The COMBINATIONS table: linear operators read as one value (pdecomp.fusion)."""
    rows = "".join(
        f'    "{name}": ("{field}", ('
        + "".join(f'("{member}", {printer.doprint(c)}), ' for member, c in terms).rstrip(" ")
        + ")),\n"
        for name, (field, terms) in plan.combinations.items()
    )
    return [
        "# Linear operators read as one value: name -> (field, ((derivative, coefficient),",
        "# ...)). Reverse ZCS sums the members' omega-derivatives first: one pass w.r.t. a.",
        f"COMBINATIONS = {{\n{rows}}}" if rows else "COMBINATIONS = {}",
    ]


def _parent_suffix(plan: Plan, node) -> str:
    return next((n.suffix for n in plan.chain if n.index == node.parent), "")


def _tuple(names) -> str:
    names = list(names)
    if len(names) == 1:
        return f'("{names[0]}",)'
    return "(" + ", ".join(f'"{n}"' for n in names) + ")"


def _import_order(line: str) -> tuple[int, str]:
    """The standard library first (``math``, ``weakref``), then ``import ...``, ``from ...``."""
    standard = line in ("import math", "import weakref")
    return (0 if standard else 1 if line.startswith("import ") else 2, line)
