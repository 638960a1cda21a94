"""The driver: one line per stage, each commented with its type change.

``load``/``loads`` stop after checking (a :class:`System`); ``compile`` runs the whole
pipeline and keeps every intermediate on the returned :class:`CompiledPDE`.
"""

from __future__ import annotations

import os
from pathlib import Path

from pdecomp.analyze import analyze
from pdecomp.build import build
from pdecomp.errors import PDEError
from pdecomp.ir import Span, System
from pdecomp.parser import parse
from pdecomp.runtime import CompiledPDE
from pdecomp.version import __version__

METHODS = ("zcs", "zcs-fwd", "zcs-taylor", "funcloop", "datavect", "fd2", "fd4", "auto")

# What `method="auto"` picks, per backend and highest derivative order of the system:
# the fastest method measured at that order (docs/methods.md; orders past 4 use the
# order-4 choice).
AUTO = {
    "torch": {1: "zcs", 2: "zcs", 3: "zcs", 4: "zcs"},
    "jax": {1: "zcs-fwd", 2: "zcs-fwd", 3: "zcs-taylor", 4: "zcs-fwd"},
}


def auto_method(backend: str, max_order: int) -> str:
    """The method ``auto`` stands for with ``backend`` at derivative order ``max_order``."""
    table = AUTO.get(backend, {})
    return table.get(min(max(max_order, 1), max(table, default=1)), "zcs")


def loads(text: str, file: str = "<input>") -> System:
    """Parse and check `.pde` source text."""
    tree = parse(text, file)  # str -> lark.Tree
    return build(tree, text, file)  # lark.Tree -> System


def load(path: str | os.PathLike) -> System:
    """Parse and check a `.pde` file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        where = Span(str(path), 1, 1)
        raise PDEError(f"file is not UTF-8 text ({error.reason})", where) from None
    return loads(text, str(path))


def compile(  # noqa: A001 - the public name users expect: pdecomp.compile(...)
    system: System | str | os.PathLike,
    backend: str = "torch",
    method: str = "zcs",
) -> CompiledPDE:
    """Compile a System (or a `.pde` path) to residual functions for ``backend``."""
    from pdecomp.backends import get

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; methods: {', '.join(METHODS)}")
    target = get(backend)  # name -> Backend (raises, listing the backends)
    if not isinstance(system, System):
        system = load(system)  # path -> System
    plan = analyze(system)  # System -> Plan: plain symbols and the derivative chain
    if method == "auto":
        method = auto_method(backend, plan.max_order)
    source = target.emit(plan, method, Path(system.file).name, __version__)  # Plan -> str
    return CompiledPDE(system, plan, source, backend, method)  # str -> loaded module
