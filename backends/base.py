"""What every backend shares: the layout of a generated module and the emitter.

Input: a :class:`pdecomp.ir.Plan` and a derivative method. Output: the source text of a
standalone Python module that imports only its framework. A backend is a printer table
(`_printer.py`) plus three pieces of framework code, given as source text:

- ``runtime``: argument checks, conversion of params and inputs, the model-output
  normaliser ``_fields``;
- ``methods``: one ``_derivatives(model, coords, wanted, create_graph, field_axis)`` per
  derivative method (``zcs``, ``zcs-fwd``, ``funcloop``, ``datavect``, ``fd2``, ``fd4``;
  JAX also ``zcs-taylor``), plus optional ``method_tables``/``method_imports``;
- ``imports``: the import lines for the module aliases the printer used.

Emitters print text and never import torch or jax.
"""

from __future__ import annotations

import abc
import re
import textwrap

import sympy

from pdecomp.backends._printer import FrameworkPrinter
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
    "zcs-taylor": "Taylor-mode Zero Coordinate Shift (JAX jet): one jet along each direction in\n"
    "the space of the zero scalars gives all orders of directional derivatives at once;\n"
    "mixed derivatives are exact combinations of directions (polarization)",
}

# The framework-independent part of every generated module: keyword handling and the
# public functions, and the normaliser of the model's output. It relies on the backend's
# runtime for _check_coords, _to_value, _is_array, _unstack and _derivatives.
PUBLIC_API = '''
def residuals(model, /, *coords, create_graph=True, field_axis=-1, **values):
    """All residuals at the same points: a dict equation name -> {array}.

    model: callable taking the coordinates positionally ({coords_list}) and returning
        the fields ({fields_list}): one {array} for one field; a tuple/list in field order
        or a dict by field name for several (or one {array} with the fields on
        `field_axis`).
    coords: one {array} per coordinate, of any shapes the model accepts.
    values: params (optional, defaults in PARAMS) and inputs (required by the equations
        that read them), as keywords.
    create_graph: keep the graph of the derivatives (needed to train through them).
    """
    return _evaluate(tuple(EQUATIONS), model, coords, create_graph, field_axis, values)


def residual(name, model, /, *coords, create_graph=True, field_axis=-1, **values):
    """The residual of one equation, computing only the derivatives it reads."""
    if name not in EQUATIONS:
        raise ValueError(
            f"unknown equation {{name!r}}; equations: {{', '.join(EQUATIONS)}}"
        )
    return _evaluate((name,), model, coords, create_graph, field_axis, values)[name]


def _evaluate(names, model, coords, create_graph, field_axis, values):
    coords = _check_coords(coords)
    env = dict(zip(COORDS, coords))
    env.update(_keywords(names, values, coords[0]))
    wanted = []
    for name in names:
        wanted += [a for a in EQUATIONS[name][1] if a in DERIVATIVES and a not in wanted]
    env.update(_derivatives(model, coords, wanted, create_graph, field_axis))
    return {{name: EQUATIONS[name][0](*(env[a] for a in EQUATIONS[name][1])) for name in names}}


def _keywords(names, values, like):
    """Params (file defaults filled in) and the inputs the equations `names` read."""
    for key in values:
        if key not in PARAMS and key not in INPUTS:
            raise TypeError(
                f"unknown keyword argument {{key!r}}; params: {{', '.join(PARAMS) or 'none'}}; "
                f"inputs: {{', '.join(INPUTS) or 'none'}}"
            )
    env = {{}}
    for name in names:
        for arg in EQUATIONS[name][1]:
            if arg in PARAMS:
                env[arg] = _to_value(arg, values.get(arg, PARAMS[arg]), like)
            elif arg in INPUTS:
                if arg not in values:
                    raise TypeError(f"equation {{name!r}} needs the input {{arg!r}} (a keyword)")
                env[arg] = _to_value(arg, values[arg], like)
    return env


def _fields(out, field_axis):
    """The model's output as a tuple of {arrays}, one per field, in FIELDS order."""
    if isinstance(out, dict):
        missing = [f for f in FIELDS if f not in out]
        unknown = [k for k in out if k not in FIELDS]
        if missing or unknown:
            raise ValueError(
                f"the model returned a dict with keys {{sorted(map(str, out))}}; "
                f"expected the fields {{list(FIELDS)}}"
            )
        out = tuple(out[f] for f in FIELDS)
    elif isinstance(out, (tuple, list)):
        if len(out) != len(FIELDS):
            raise ValueError(
                f"the model returned {{len(out)}} outputs; expected {{len(FIELDS)}} "
                f"(fields {{', '.join(FIELDS)}})"
            )
        out = tuple(out)
    elif _is_array(out):
        if len(FIELDS) == 1:
            out = (out,)
        elif out.ndim == 0 or out.shape[field_axis] != len(FIELDS):
            raise ValueError(
                f"the model returned one {array} of shape {{tuple(out.shape)}}; with "
                f"{{len(FIELDS)}} fields ({{', '.join(FIELDS)}}) expected size {{len(FIELDS)}} "
                f"on field_axis={{field_axis}}, or a tuple or dict of fields"
            )
        else:
            out = _unstack(out, field_axis)
    else:
        raise TypeError(
            f"the model must return a {array}, a tuple/list or a dict of {arrays}, "
            f"got {{type(out).__name__}}"
        )
    for name, u in zip(FIELDS, out):
        if not _is_array(u):
            raise TypeError(
                f"field {{name!r}} from the model is a {{type(u).__name__}}, not a {array}"
            )
    if len({{tuple(u.shape) for u in out}}) > 1:
        shapes = ", ".join(f"{{n}} {{tuple(u.shape)}}" for n, u in zip(FIELDS, out))
        raise ValueError(f"the model returned fields of mismatched shapes: {{shapes}}")
    return out


def _links(wanted):
    """The chain suffixes the derivatives `wanted` need, parents first."""
    needed = set()
    for name in wanted:
        suffix = DERIVATIVES[name][1]
        while suffix and suffix not in needed:
            needed.add(suffix)
            suffix = CHAIN[suffix][0]
    return [suffix for suffix in CHAIN if suffix in needed]


def _by_suffix(wanted):
    """The derivatives `wanted`, grouped by chain suffix: [(suffix, [(name, field)])]."""
    groups = {{}}
    for name in wanted:
        field, suffix = DERIVATIVES[name]
        groups.setdefault(suffix, []).append((name, FIELDS.index(field)))
    return [(suffix, groups[suffix]) for suffix in CHAIN if suffix in groups]
'''


class Backend(abc.ABC):
    """A target framework: a printer, an array name for docs, runtime and engines."""

    name: str
    array: str  # "torch.Tensor", "jax.Array": in docstrings and messages of generated code
    arrays: str  # "tensors", "arrays"
    printer: type[FrameworkPrinter]
    imports: dict[str, str]  # module alias used by the printer -> import line
    runtime: str
    methods: dict[str, str]

    def emit(self, plan: Plan, method: str, source_name: str, version: str) -> str:
        """The generated module, as text."""
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
        used = (set(printer.module_imports) & set(self.imports)) | set(self.base_modules)
        imports = {self.imports[m] for m in used} | set(self.method_imports.get(method, ()))
        imports = sorted(imports, key=_import_order)
        api = PUBLIC_API.format(
            array=self.array,
            arrays=self.arrays,
            coords_list=", ".join(plan.system.coords),
            fields_list=", ".join(plan.system.fields),
        )
        parts = [
            self._header(plan, method, source_name, version),
            "\n".join(imports),
            tables,
            "\n\n\n".join(equations),
            "EQUATIONS = {\n"
            + "".join(
                f'    "{e.name}": ({functions[e.name]}, {_tuple(e.args)}),\n'
                for e in plan.equations
            )
            + "}",
            PUBLIC_API_BANNER + api.strip(),
            RUNTIME_BANNER + textwrap.dedent(self.runtime).strip(),
            ENGINE_BANNER.format(method=method) + textwrap.dedent(self.methods[method]).strip(),
        ]
        return "\n\n\n".join(p.strip("\n") for p in parts) + "\n"

    base_modules: tuple[str, ...] = ()  # always imported (the runtime uses them)
    method_imports: dict[str, tuple[str, ...]] = {}  # extra import lines of one method

    def method_tables(self, plan: Plan, method: str, printer: FrameworkPrinter) -> str:
        """Extra module-level tables a method needs (none by default)."""
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
            f"Fields (model outputs, in order): {', '.join(system.fields)}",
        ]
        if system.params:
            lines.append(
                "Params (keywords, with defaults): " + ", ".join(p.name for p in system.params)
            )
        if system.inputs:
            lines.append("Inputs (keywords, data at the points): " + ", ".join(system.inputs))
        lines += ["", "Equations (residual = lhs - rhs):"]
        lines += [f"    {e.text}" for e in plan.equations]
        lines += [
            "",
            f"Derivatives computed (highest order {plan.max_order}): "
            + (", ".join(plan.derivatives) or "none"),
            "",
            "Use: residuals(model, "
            + ", ".join(system.coords)
            + ", **params_and_inputs) -> {equation: residual}; residual(name, model, ...).",
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
        return "\n".join(
            [
                f"COORDS = {_tuple(system.coords)}",
                f"FIELDS = {_tuple(system.fields)}",
                f"PARAMS = {{\n{params}}}" if params else "PARAMS = {}",
                f"INPUTS = {_tuple(system.inputs)}",
                "",
                "# The derivative chain, parents first: suffix -> (parent suffix, coordinate",
                "# position). Each link is one derivative of the previous one in one coordinate,",
                "# so every shared lower-order derivative is computed once.",
                f"CHAIN = {{\n{chain}}}" if chain else "CHAIN = {}",
                "# Derivatives the equations read: name -> (field, chain suffix).",
                f"DERIVATIVES = {{\n{derivatives}}}" if derivatives else "DERIVATIVES = {}",
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


PUBLIC_API_BANNER = "# ---- public functions " + "-" * 58 + "\n\n\n"
RUNTIME_BANNER = (
    "# ---- runtime: argument checks, params and inputs, the model's output " + "-" * 10 + "\n\n\n"
)
ENGINE_BANNER = "# ---- derivatives by method '{method}' " + "-" * 40 + "\n\n\n"


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


def _safe(file_name: str) -> str:
    """A file name as it may appear in the generated module's docstring.

    Characters outside a plain set (quotes, backslashes, newlines could end the
    docstring) become '?'.
    """
    return re.sub(r"[^A-Za-z0-9_.+ -]", "?", file_name) or "?"


def _parent_suffix(plan: Plan, node) -> str:
    return next((n.suffix for n in plan.chain if n.index == node.parent), "")


def _tuple(names) -> str:
    names = list(names)
    if len(names) == 1:
        return f'("{names[0]}",)'
    return "(" + ", ".join(f'"{n}"' for n in names) + ")"


def _import_order(line: str) -> tuple[int, str]:
    """``import math`` (standard library) first, then ``import ...``, then ``from ...``."""
    return (0 if line == "import math" else 1 if line.startswith("import ") else 2, line)
