"""The equations of a System as LaTeX (``pdecomp show --latex``, notebooks).

Input: a System. Output: one ``name: lhs = rhs`` line per equation, printed by SymPy's
LaTeX printer, fields shown without their arguments (``u`` rather than ``u(x, t)``); an
``aligned`` block with the declarations (what notebooks display) and a standalone
document (``pdecomp show --latex --document``).
"""

from __future__ import annotations

from html import escape

import sympy
from sympy.core.function import AppliedUndef

from pdecomp.ir import Plan, System


def _plain_fields(expr: sympy.Expr) -> sympy.Expr:
    """``u(x, t)`` -> ``u`` inside derivatives and elsewhere, for display only."""
    return expr.xreplace(
        {f: sympy.Symbol(f.func.__name__, real=True) for f in expr.atoms(AppliedUndef)}
    )


def to_latex(system: System) -> list[tuple[str, str]]:
    """(equation name, LaTeX of ``lhs = rhs``) for every equation, in file order."""
    out = []
    for eq in system.equation_info:
        out.append((eq.name, f"{_latex(eq.lhs)} = {_latex(eq.rhs)}"))
    return out


def _latex(expr: sympy.Expr) -> str:
    # Derivative(u(x, t), x) prints as \frac{\partial}{\partial x} u{\left(x,t \right)}:
    # show it as \frac{\partial u}{\partial x} by naming the function without arguments.
    replaced = {}
    for d in expr.atoms(sympy.Derivative):
        name = d.expr.func.__name__
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
    return rows


def aligned(system: System, extra: list[tuple[str, str]] = ()) -> str:
    """The declarations, ``extra`` rows and equations as one ``aligned`` block."""
    rows = [(rf"\text{{{label}:}}", tex) for label, tex in declarations(system)]
    rows += [(rf"\text{{{_text(label)}:}}", tex) for label, tex in extra]
    rows += [(rf"\text{{{_text(name)}:}}", tex) for name, tex in to_latex(system)]
    body = " \\\\\n".join(f"  &{label} && {tex}" for label, tex in rows)
    return f"\\begin{{aligned}}\n{body}\n\\end{{aligned}}"


def document(system: System) -> str:
    """A standalone LaTeX document (article, amsmath): declarations and equations."""
    items = "\n".join(rf"  \item {label}: ${tex}$" for label, tex in declarations(system))
    equations = " \\\\\n".join(
        rf"  &\text{{{_text(name)}:}} && {tex}" for name, tex in to_latex(system)
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
    rows += [(name, f"\\({tex}\\)") for name, tex in to_latex(system)]
    rows.append(("derivatives", escape(", ".join(plan.derivatives) or "none")))
    rows.append(("chain", "<br>".join(escape(line) for line in _chain_text(plan)) or "none"))
    body = "".join(
        f"<tr><th style='text-align:left'>{escape(label)}</th><td style='text-align:left'>"
        f"{cell}</td></tr>"
        for label, cell in rows
    )
    return f"<div><b>CompiledPDE</b> <code>{escape(system.name)}</code><table>{body}</table></div>"
