"""The code every generated module shares, as ordinary Python modules.

Each module here is real, linted, importable Python: the runtime of one framework
(``torch_runtime``, ``jax_runtime``), the framework-independent public functions
(``api``), and one derivative engine per method and framework (``torch_zcs``,
``jax_zcs_fwd``, ...; the grid engine ``grid`` and its finite differences ``fd`` are
shared, with a small framework part ``torch_grid``/``jax_grid``). A generated module is
the per-system part (header, tables, ``eq_*`` functions) followed by the text of some of
these modules below their :data:`SPLICE` line, in the order the backend lists them.
Above that line a module holds only what makes it importable on its own: its docstring,
imports, and placeholders for the tables and helpers that the generated module defines
elsewhere.

:func:`source` reads that text without importing the module (emitting code never
imports torch or jax). Tests import the modules directly and bind the tables they read
(``COORDS``, ``FIELDS``, ``CHAIN``, ...) with :func:`bind`.
"""

from __future__ import annotations

import ast
import functools
import importlib.resources

SPLICE = "# ---- generated modules copy everything below this line ----"


@functools.cache
def _text(name: str) -> str:
    return importlib.resources.files(__name__).joinpath(f"{name}.py").read_text("utf-8")


def source(name: str) -> str:
    """The text of engine module ``name`` below its splice line, stripped."""
    head, marker, body = _text(name).partition(SPLICE + "\n")
    if not marker:
        raise ValueError(f"engine module {name!r} has no splice line")
    return body.strip("\n")


def replace_function(text: str, name: str, new: str) -> str:
    """``text`` (spliced source) with its top-level function ``name`` replaced by ``new``."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            lines = text.split("\n")
            start = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
            return "\n".join([*lines[:start], new.strip("\n"), *lines[node.end_lineno :]])
    raise ValueError(f"no top-level function {name!r} to replace")


def imports(name: str) -> set[str]:
    """The framework import lines of engine module ``name`` (not ``pdecomp``, not future)."""
    lines = set()
    for node in ast.parse(_text(name)).body:
        if isinstance(node, ast.Import):
            lines.add(ast.unparse(node))
        elif isinstance(node, ast.ImportFrom):
            if node.module != "__future__" and not node.module.startswith("pdecomp"):
                lines.add(ast.unparse(node))
    return lines


def title(name: str) -> str:
    """The first line of engine module ``name``'s docstring, for its banner."""
    doc = ast.get_docstring(ast.parse(_text(name))) or name
    return doc.split("\n", 1)[0].replace("``", "").rstrip(".")


def bind(modules, **names) -> dict:
    """Set module-level ``names`` (tables, helpers) on every module of ``modules``.

    Returns the previous values, ``{(module, name): value}``, for :func:`unbind`. This is
    what a generated module does by holding everything in one namespace; tests use it to
    run an engine with a system's tables.
    """
    previous = {}
    for module in modules:
        for key, value in names.items():
            previous[(module, key)] = getattr(module, key, None)
            setattr(module, key, value)
    return previous


def unbind(previous: dict) -> None:
    """Undo :func:`bind`."""
    for (module, key), value in previous.items():
        setattr(module, key, value)
