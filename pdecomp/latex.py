r"""The equations of a System as LaTeX (``pdecomp show --latex``, notebooks).

Input: a System. Output: one ``name: lhs = rhs`` line per equation, printed by SymPy's
LaTeX printer, fields shown without their arguments (``u`` rather than ``u(x, t)``); an
``aligned`` block with the declarations (what notebooks display) and a standalone
document (``pdecomp show --latex --document``). With a domain, each equation ends with
where it holds (``\quad \text{on } t = 0``) and the declarations list the box.
"""

from __future__ import annotations

from html import escape

import sympy
from sympy.core.function import AppliedUndef

from pdecomp.ir import Domain, Plan, System, coord_symbol


def _plain_fields(expr: sympy.Expr) -> sympy.Expr:
    """``u(x, t)`` -> ``u`` inside derivatives and elsewhere, for display only."""
    return expr.xreplace(
        {f: sympy.Symbol(f.func.__name__, real=True) for f in expr.atoms(AppliedUndef)}
    )


def to_latex(system: System) -> list[tuple[str, str]]:
    """(equation name, LaTeX of ``lhs = rhs``) for every equation, in file order."""
    out = []
    for eq in system.equation_info:
        out.append((eq.name, f"{_latex(eq.lhs)} = {_latex(eq.rhs)}" + _where(system, eq)))
    return out


def domain_latex(domain: Domain) -> str:
    r"""``(x, t) \in [-1, 1] \times [0, 1]``."""
    return _box(domain, [i.coord for i in domain.intervals])


def _box(domain: Domain, coords: list[str]) -> str:
    names = ", ".join(sympy.latex(coord_symbol(c)) for c in coords)
    sides = r" \times ".join(
        rf"[{sympy.latex(domain.interval(c).lo)}, {sympy.latex(domain.interval(c).hi)}]"
        for c in coords
    )
    return rf"({names}) \in {sides}" if len(coords) > 1 else rf"{names} \in {sides}"


def _where(system: System, eq) -> str:
    """Where ``eq`` holds: inside the box, on faces, or for the other coordinates."""
    domain = system.domain
    if domain is None:
        return ""
    if eq.where:
        faces = r" \text{ and } ".join(
            rf"{sympy.latex(coord_symbol(f.coord))} = {sympy.latex(f.value)}" for f in eq.where
        )
        return rf" \quad \text{{on }} {faces}"
    coords = [c for c in system.coords if c != eq.periodic]
    if not coords:
        return ""
    return rf" \quad \text{{for }} {_box(domain, coords)}"


def _latex(expr: sympy.Expr) -> str:
    # Derivative(u(x, t), x) prints as \frac{\partial}{\partial x} u{\left(x,t \right)}:
    # show it as \frac{\partial u}{\partial x} by naming the function without arguments.
    replaced = {}
    for d in expr.atoms(sympy.Derivative):
        name = sympy.latex(sympy.Symbol(d.expr.func.__name__))
        denominator = " ".join(
            rf"\partial {sympy.latex(v)}" + (f"^{{{n}}}" if n > 1 else "")
            for v, n in d.variable_count
        )
        order = sum(n for _, n in d.variable_count)
        top = rf"\partial^{{{order}}} {name}" if order > 1 else rf"\partial {name}"
        replaced[d] = sympy.Symbol(rf"\frac{{{top}}}{{{denominator}}}")
    return sympy.latex(_plain_fields(expr.xreplace(replaced)))


def _names(names) -> str:
    return r",\ ".join(sympy.latex(sympy.Symbol(n)) for n in names)


def _text(name: str) -> str:
    """A name inside LaTeX text mode (underscores escaped)."""
    return name.replace("_", r"\_")


def declarations(system: System) -> list[tuple[str, str]]:
    """(label, LaTeX) for the system's declarations: coords, fields, params, inputs."""
    coords = _names(system.coords)
    if system.time:
        coords += rf"\quad (\text{{time: }} {sympy.latex(sympy.Symbol(system.time))})"
    rows = [("coords", coords), ("fields", _names(system.fields))]
    if system.params:
        rows.append(
            (
                "params",
                r",\ ".join(
                    f"{sympy.latex(sympy.Symbol(p.name))} = {sympy.latex(p.default)}"
                    for p in system.params
                ),
            )
        )
    if system.inputs:
        rows.append(("inputs", _names(system.inputs)))
    if system.domain is not None:
        rows.append(("domain", domain_latex(system.domain)))
    return rows


def aligned(system: System, extra: list[tuple[str, str]] = ()) -> str:
    """The declarations, ``extra`` rows and equations as one ``aligned`` block."""
    rows = [(rf"\text{{{label}:}}", tex) for label, tex in declarations(system)]
    rows += [(rf"\text{{{_text(label)}:}}", tex) for label, tex in extra]
    rows += [(rf"\text{{{_text(name)}:}}", tex) for _, name, tex in equation_rows(system)]
    body = " \\\\\n".join(f"  &{label} && {tex}" for label, tex in rows)
    return f"\\begin{{aligned}}\n{body}\n\\end{{aligned}}"


def document(system: System) -> str:
    """A standalone LaTeX document (article, amsmath): declarations and equations."""
    items = "\n".join(rf"  \item {label}: ${tex}$" for label, tex in declarations(system))
    equations = " \\\\\n".join(
        rf"  &\text{{{_text(name)}:}} && {tex}" for _, name, tex in equation_rows(system)
    )
    return "\n".join(
        [
            r"\documentclass{article}",
            r"\usepackage{amsmath}",
            r"\begin{document}",
            rf"\section*{{PDE system \texttt{{{_text(system.name)}}}}}",
            r"\begin{itemize}",
            items,
            r"\end{itemize}",
            r"\begin{align*}",
            equations,
            r"\end{align*}",
            r"\end{document}",
            "",
        ]
    )


def _chain_text(plan: Plan) -> list[str]:
    """The derivative chain as ``u_xx <- u_x (d/dx)`` lines, parents first."""
    suffixes = {n.index: n.suffix for n in plan.chain}
    coords = plan.system.coords
    out = []
    for node in plan.chain:
        parent = suffixes.get(node.parent, "")
        out.append(f"{node.suffix or '.'} <- {parent or '.'} (d/d{coords[node.coord]})")
    return out


def plan_rows(plan: Plan, backend: str, method: str) -> list[tuple[str, str]]:
    """Rows for :func:`aligned`: the method and the derivative plan of a compiled system."""
    derivatives = ", ".join(plan.derivatives) or "none"
    suffixes = {n.index: n.suffix for n in plan.chain}
    links = [
        rf"\texttt{{{_text(n.suffix)}}} \leftarrow "
        + (rf"\texttt{{{_text(suffixes[n.parent])}}}" if suffixes.get(n.parent) else r"\cdot")
        for n in plan.chain
    ]
    chain = r",\ ".join(links) or r"\text{none}"
    return [
        ("method", rf"\text{{{_text(method)} ({backend})}}"),
        ("derivatives", rf"\texttt{{{_text(derivatives)}}}"),
        ("chain", chain),
    ]


def html(system: System, plan: Plan, backend: str, method: str) -> str:
    """A CompiledPDE in a notebook: a table of declarations, equations and the plan."""
    rows = [(label, f"\\({tex}\\)") for label, tex in declarations(system)]
    rows.append(("method", escape(f"{method} ({backend})")))
    rows += [(name, f"\\({tex}\\)") for _, name, tex in equation_rows(system)]
    rows.append(("derivatives", escape(", ".join(plan.derivatives) or "none")))
    rows.append(("chain", "<br>".join(escape(line) for line in _chain_text(plan)) or "none"))
    body = "".join(
        f"<tr><th style='text-align:left'>{escape(label)}</th><td style='text-align:left'>"
        f"{cell}</td></tr>"
        for label, cell in rows
    )
    return f"<div><b>CompiledPDE</b> <code>{escape(system.name)}</code><table>{body}</table></div>"


def latex_lines(system: System) -> list[str]:
    """``name: lhs = rhs`` lines, for every equation in file order.

    A vector, tensor or complex equation comes as written first (its operators in vector
    notation), then its components, indented.
    """
    return [f"{'  ' * level}{name}: {tex}" for level, name, tex in equation_rows(system)]


def equation_rows(system: System) -> list[tuple[int, str, str]]:
    """(level, name, LaTeX) per equation, in file order.

    A vector, tensor or complex equation comes as written (level 0), then its components
    (level 1); a scalar one at level 0.
    """
    from pdecomp.expand import statements

    tex = dict(to_latex(system))
    rows = []
    for group, equations in statements(system):
        if group is not None:
            rows.append((0, group.name, written(group.text, system)))
        rows += [(int(group is not None), eq.name, tex[eq.name]) for eq in equations]
    return rows


# Precedence of a parse-tree node, to put back the parentheses the tree dropped.
_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_NABLA = {
    "grad": r"\nabla {}",
    "div": r"\nabla \cdot {}",
    "curl": r"\nabla \times {}",
    "lap": r"\nabla^{{2}} {}",
    "tr": r"\operatorname{{tr}} {}",
    "sym": r"\operatorname{{sym}} {}",
    "transpose": r"{}^{{\mathsf{{T}}}}",
    "norm": r"\left\lVert {} \right\rVert",
    "abs": r"\left\lvert {} \right\rvert",
    "conj": r"\overline{{{}}}",
    "re": r"\operatorname{{Re}} {}",
    "im": r"\operatorname{{Im}} {}",
}
_BINARY = {"dot": r"\cdot", "cross": r"\times", "outer": r"\otimes"}


def written(text: str, system: System) -> str:
    """An equation as written (``name: lhs = rhs``, already checked) in LaTeX.

    ``grad``, ``div``, ``curl``, ``dot``, ... are shown in vector notation, vectors and
    tensors in bold.
    """
    from pdecomp.parser import parse

    statement = parse("eq " + text).children[0]
    named = statement.data == "equation"
    children = statement.children[1 if named else 0 :]
    sides = [s for s in children if s is not None and s.data != "where"]
    shaped = {n for n, v in system.lets.items() if isinstance(v, sympy.NDimArray)}
    return " = ".join(_Written(shaped).tex(s) for s in sides) + (" = 0" if len(sides) == 1 else "")


class _Written:
    def __init__(self, shaped: set[str]):
        self.shaped = shaped

    def tex(self, node, least: int = 0) -> str:
        if not hasattr(node, "data"):  # a token
            return str(node)
        text = getattr(self, "t_" + node.data, self.t_call)(node)
        return rf"\left({text}\right)" if _PRECEDENCE.get(node.data, 9) < least else text

    def t_number(self, node) -> str:
        return str(node.children[0])

    def t_name(self, node) -> str:
        name = str(node.children[0])
        if name in self.shaped or name == "Id":
            return rf"\mathbf{{{'I' if name == 'Id' else sympy.latex(sympy.Symbol(name))}}}"
        return {"I": "i", "E": "e"}.get(name) or sympy.latex(sympy.Symbol(name))

    def t_subscript(self, node) -> str:
        base, _, suffix = str(node.children[0]).partition("_")
        return f"{self.t_name(_Leaf(base))}_{{{suffix}}}"

    def t_add(self, node) -> str:
        a, b = node.children
        sign = " + " if node.data == "add" else " - "
        return self.tex(a, 1) + sign + self.tex(b, 2 if node.data == "sub" else 1)

    t_sub = t_add

    def t_mul(self, node) -> str:
        a, b = node.children
        if node.data == "div":
            return rf"\frac{{{self.tex(a)}}}{{{self.tex(b)}}}"
        return self.tex(a, 2) + r" \, " + self.tex(b, 3)

    t_div = t_mul

    def t_neg(self, node) -> str:
        return "-" + self.tex(node.children[0], 3)

    def t_unary(self, node) -> str:
        return self.tex(node.children[-1], 3)

    def t_pow(self, node) -> str:
        base, _, exponent = node.children
        return f"{{{self.tex(base, 5)}}}^{{{self.tex(exponent)}}}"

    def t_tuple(self, node) -> str:
        rows = r" \\ ".join(self.tex(c) for c in node.children)
        return rf"\begin{{pmatrix}} {rows} \end{{pmatrix}}"

    def t_index(self, node) -> str:
        base, *positions = node.children
        return f"{self.tex(base, 5)}_{{{', '.join(self.tex(p) for p in positions)}}}"

    def t_call(self, node) -> str:
        name, *args = (c for c in node.children if c is not None)
        name = str(name)
        if name in _NABLA and len(args) == 1:
            return _NABLA[name].format(self.tex(args[0], 5 if name != "norm" else 0))
        if name in _BINARY and len(args) == 2:
            return f"{self.tex(args[0], 3)} {_BINARY[name]} {self.tex(args[1], 3)}"
        if name == "d":
            spec = " ".join(rf"\partial {self.tex(a)}" for a in args[1:])
            return rf"\frac{{\partial}}{{{spec}}} {self.tex(args[0], 5)}"
        if name.startswith("d") and len(name) > 1 and len(args) == 1 and name[1:] not in _FN:
            return rf"\partial_{{{name[1:]}}} {self.tex(args[0], 5)}"
        inner = ", ".join(self.tex(a) for a in args)
        head = rf"\{name}" if name in _FN else rf"\operatorname{{{name}}}"
        return rf"{head}\left({inner}\right)"


_FN = {"sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log", "min", "max", "sqrt"}


class _Leaf:
    """A stand-in name node (``u`` of ``u_x``)."""

    def __init__(self, name: str):
        self.children = [name]
