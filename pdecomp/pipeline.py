"""The driver: one line per stage, each commented with its type change.

``load``/``loads`` stop after checking (a :class:`System`); ``compile`` runs the whole
pipeline and keeps every intermediate on the returned :class:`CompiledPDE`.
"""

from __future__ import annotations

import os
from pathlib import Path

from pdecomp.analyze import analyze
from pdecomp.backends.taylor import taylor_tables
from pdecomp.build import build
from pdecomp.errors import PDEError
from pdecomp.files import normalise, read_source
from pdecomp.fusion import fuse
from pdecomp.ir import System
from pdecomp.parser import parse
from pdecomp.runtime import CompiledPDE
from pdecomp.version import __version__

METHODS = (
    "zcs",
    "zcs-fwd",
    "zcs-taylor",
    "funcloop",
    "datavect",
    "pointwise",
    "zcs-or-pointwise",
    "taylor-or-zcs",
    "fd2",
    "fd4",
    "spectral",
    "auto",
)

# What `method="auto"` picks, per backend and highest derivative order of the system:
# the fastest method measured at that order (docs/methods.md, benchmarks/results/
# order-sweep.md and exact.md; orders past 5 use the order-5 choice). torch's decides at
# call time: the layout (per-point leaves for a pointwise model, else reverse ZCS) and,
# from order 3, Taylor mode unless the model calls an operation without a Taylor rule.
AUTO = {
    "torch": {
        1: "zcs-or-pointwise",
        2: "zcs-or-pointwise",
        3: "taylor-or-zcs",
        4: "taylor-or-zcs",
        5: "taylor-or-zcs",
    },
    "jax": {1: "zcs-fwd", 2: "zcs-fwd", 3: "zcs-taylor", 4: "zcs-fwd", 5: "zcs-taylor"},
}
# Where Taylor mode's basis is too large for a system, auto takes the method beside it.
TAYLOR_FALLBACK = {"zcs-taylor": "zcs-fwd", "taylor-or-zcs": "zcs-or-pointwise"}


def auto_method(backend: str, max_order: int) -> str:
    """The method ``auto`` stands for with ``backend`` at derivative order ``max_order``."""
    table = AUTO.get(backend, {})
    return table.get(min(max(max_order, 1), max(table, default=1)), "zcs")


def loads(text: str, file: str = "<input>") -> System:
    """Parse and check `.pde` source text."""
    if not isinstance(text, str):
        raise TypeError(f"pdecomp.loads takes the text of a .pde file, got {type(text).__name__}")
    text = normalise(text)  # one line end, no byte-order mark: as load reads a file
    tree = parse(text, file)  # str -> lark.Tree
    return build(tree, text, file)  # lark.Tree -> System


def load(path: str | os.PathLike) -> System:
    """Parse and check a `.pde` file (read only up to the size limit)."""
    return loads(read_source(path), str(path))


def check_method(backend: str, method: str) -> None:
    """A ``ValueError`` unless ``backend`` exists and has ``method`` (or it is ``auto``)."""
    from pdecomp.backends import get

    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; methods: {', '.join(METHODS)}")
    target = get(backend)  # name -> Backend (raises, listing the backends)
    if method != "auto" and method not in target.methods:
        raise ValueError(
            f"backend {backend!r} has no method {method!r}; its methods: "
            f"{', '.join(target.methods)}, auto"
        )


def compile(  # noqa: A001 - the public name users expect: pdecomp.compile(...)
    system: System | str | os.PathLike,
    backend: str = "torch",
    method: str = "zcs",
) -> CompiledPDE:
    """Compile a System (or a `.pde` path) to residual functions for ``backend``."""
    from pdecomp.backends import get

    check_method(backend, method)  # before any work: a bad pair is a ValueError
    target = get(backend)
    if not isinstance(system, System):
        if not isinstance(system, str | os.PathLike):
            raise TypeError(
                "pdecomp.compile takes a System (from pdecomp.load or pdecomp.loads) or a "
                f"path to a .pde file, got {type(system).__name__}"
            )
        system = loads(read_source(system, "pdecomp.compile"), str(system))  # path -> System
    plan = analyze(system)  # System -> Plan: plain symbols and the derivative chain
    auto = method == "auto"
    if auto:
        method = auto_method(backend, plan.max_order)
    if auto and method in TAYLOR_FALLBACK:
        try:
            taylor_tables(plan)  # too many unknown derivatives of one order for Taylor mode
        except PDEError:
            method = TAYLOR_FALLBACK[method]
    if method in target.fused:
        plan = fuse(plan)  # Plan -> Plan: linear operators read as one value each
    source = target.emit(plan, method, Path(system.file).name, __version__)  # Plan -> str
    return CompiledPDE(system, plan, source, backend, method)  # str -> loaded module
