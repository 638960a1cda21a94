"""Notebook display and LaTeX: System/CompiledPDE reprs, ``show --latex --document``."""

from __future__ import annotations

import re
from pathlib import Path

import pdecomp
from pdecomp.cli import main

ROOT = Path(__file__).resolve().parent.parent
BURGERS = ROOT / "examples" / "burgers.pde"
PLATE = ROOT / "examples" / "problems" / "plate.pde"


def _balanced(tex: str) -> bool:
    depth = 0
    for ch in tex.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def test_system_repr_is_short_and_names_the_parts():
    system = pdecomp.load(BURGERS)
    text = repr(system)
    assert text == "<System 'burgers': coords x, t; fields u; equations burgers, ic>"


def test_system_latex_is_one_aligned_block_with_declarations_and_equations():
    tex = pdecomp.load(PLATE)._repr_latex_()
    assert tex.startswith("$$\n\\begin{aligned}") and tex.endswith("\\end{aligned}\n$$")
    rows = tex.split("\n")[2:-2]
    labels = [re.match(r"\s*&\\text\{([^}]*):\} &&", row).group(1) for row in rows]
    assert labels == ["coords", "fields", "params", "inputs", "plate", "deflection", "moment"]
    assert r"\frac{\partial^{4} w}{\partial x^{4}}" in tex and "D = 1" in tex
    assert _balanced(tex)


def test_compiled_pde_latex_and_html_show_method_and_plan():
    pde = pdecomp.compile(BURGERS, backend="jax", method="zcs-fwd")
    tex = pde._repr_latex_()
    assert r"\text{zcs-fwd (jax)}" in tex
    assert r"\texttt{u\_x, u\_t, u\_xx}" in tex
    assert r"\texttt{xx} \leftarrow \texttt{x}" in tex and _balanced(tex)
    html = pde._repr_html_()
    assert "zcs-fwd (jax)" in html and "u_x, u_t, u_xx" in html
    assert "xx &lt;- x (d/dx)" in html
    assert html.count("<tr>") == 3 + 1 + 2 + 2  # declarations, method, equations, plan


def test_long_coordinate_suffixes_are_escaped(tmp_path):
    src = tmp_path / "s.pde"
    src.write_text("pde heat\ncoords x1, x2\nfields u\neq main: dx1(u) = dx2(dx2(u))\n")
    pde = pdecomp.compile(src)
    tex = pde._repr_latex_()
    assert r"\texttt{u\_x1, u\_x2\_x2}" in tex
    assert r"\texttt{x2\_x2} \leftarrow \texttt{x2}" in tex and _balanced(tex)


def test_show_latex_document(capsys):
    assert main(["show", str(PLATE), "--latex", "--document"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}")
    assert out.rstrip().endswith("\\end{document}")
    for env in ("document", "itemize", "align*"):
        assert out.count(f"\\begin{{{env}}}") == out.count(f"\\end{{{env}}}") == 1
    assert r"\item inputs: $q$" in out
    assert out.count(r"\\") == 2  # three equations, two row breaks
    assert _balanced(out)


def test_document_needs_latex(capsys):
    assert main(["show", str(PLATE), "--document"]) == 2
    assert "--document needs --latex" in capsys.readouterr().err
