"""What the suite measures: the problems, and the list of cases for a full or quick run.

Input: the mode (full or quick). Output: :class:`Case` records, one per measurement, each
run in a fresh subprocess by :mod:`benchmarks.run` (quick mode shares one per backend).

Problems are the ZCS paper's four (as DeepONets in the Cartesian layout) plus a PINN
(Burgers on an MLP), and ``order1``..``order4`` (``d(u, x, k) = 0``) for the order sweep.
Methods: ``zcs``, ``zcs-fwd``, ``funcloop``, ``datavect`` (compiled by pdecomp), ``hand``
(hand-written reverse ZCS, :mod:`benchmarks.handwritten`), ``deepxde`` (DeepXDE's
``deepxde.zcs``), ``floor`` (forward + backward of the fields, no derivatives), and for
the plate in JAX ``taylor`` / ``taylor-vmap`` (``jax.experimental.jet``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

PROBLEM_DIR = Path(__file__).parent / "problems"

COMPILED = ("zcs", "zcs-fwd", "funcloop", "datavect")
ORDER_TEMPLATE = """# The order sweep: one derivative of order {k} in x
pde order{k}

coords x, t
fields u

eq interior: d(u, x, {k}) = 0
"""


@dataclasses.dataclass(frozen=True)
class Problem:
    """A benchmark problem: its `.pde` text, network kind and input data."""

    name: str
    text: str
    network: str  # "deeponet" or "pinn"
    n_coords: int
    n_fields: int
    inputs: tuple[str, ...] = ()


def _file(name: str) -> str:
    return (PROBLEM_DIR / f"{name}.pde").read_text(encoding="utf-8")


def problems() -> dict[str, Problem]:
    """Every problem the suite knows, by name."""
    table = [
        Problem("reaction_diffusion", _file("reaction_diffusion"), "deeponet", 2, 1, ("f",)),
        Problem("burgers", _file("burgers"), "deeponet", 2, 1),
        Problem("plate", _file("plate"), "deeponet", 2, 1, ("q",)),
        Problem("stokes", _file("stokes"), "deeponet", 2, 3),
        Problem("burgers_pinn", _file("burgers"), "pinn", 2, 1),
    ]
    table += [
        Problem(f"order{k}", ORDER_TEMPLATE.format(k=k), "deeponet", 2, 1) for k in range(1, 5)
    ]
    return {p.name: p for p in table}


@dataclasses.dataclass(frozen=True)
class Case:
    """One measurement: a problem, backend and method at sizes M (functions), N (points)."""

    group: str
    problem: str
    backend: str
    method: str
    M: int
    N: int

    @property
    def key(self) -> tuple:
        return (self.problem, self.backend, self.method, self.M, self.N)


@dataclasses.dataclass(frozen=True)
class Sizes:
    """The sizes of one mode; quick mode shrinks them all."""

    headline: tuple[int, int]
    problems: tuple[int, int]
    pinn_points: int
    sweep_m: tuple[int, ...]
    sweep_n: tuple[int, ...]
    sweep_fixed: tuple[int, int]  # (M for the N sweep, N for the M and order sweeps)
    taylor: tuple[int, int]
    warmup: int
    repeats: int
    budget_s: float  # stop repeating once this much time was spent (after 2 steps)


FULL = Sizes(
    headline=(50, 2000),
    problems=(20, 1000),
    pinn_points=20000,
    sweep_m=(5, 10, 20, 50, 100),
    sweep_n=(200, 500, 1000, 2000, 5000),
    sweep_fixed=(20, 1000),
    taylor=(50, 2000),
    warmup=2,
    repeats=7,
    budget_s=4.0,
)
QUICK = Sizes(
    headline=(4, 64),
    problems=(3, 32),
    pinn_points=64,
    sweep_m=(2, 4),
    sweep_n=(16, 32),
    sweep_fixed=(3, 32),
    taylor=(3, 32),
    warmup=1,
    repeats=2,
    budget_s=0.5,
)

# Methods per backend in the sweeps (JAX FuncLoop unrolls M loops and compiles slowly).
SWEEP_METHODS = {"torch": COMPILED + ("floor",), "jax": ("zcs", "zcs-fwd", "datavect")}
QUICK_SWEEP_METHODS = {"torch": ("zcs", "datavect"), "jax": ("zcs",)}
TAYLOR_METHODS = {
    "jax": ("zcs", "zcs-fwd", "hand", "taylor", "taylor-vmap"),
    "torch": ("zcs", "zcs-fwd", "hand"),
}


def suite(sizes: Sizes, quick: bool = False) -> list[Case]:
    """Every case of one run, in order, each key once (tables share measurements).

    Quick mode keeps every headline method but only ``zcs`` (and DeepXDE) for the other
    problems, fewer sweep series and ``zcs``/``taylor`` for the plate.
    """
    cases: list[Case] = []
    m, n = sizes.headline
    for backend, extra in (("torch", ("hand", "deepxde")), ("jax", ("hand",))):
        for method in COMPILED + extra + ("floor",):
            cases.append(Case("headline", "reaction_diffusion", backend, method, m, n))
    m, n = sizes.problems
    methods = ("zcs",) if quick else COMPILED + ("floor",)
    for name in ("burgers", "plate", "stokes"):
        for backend in ("torch", "jax"):
            extra = ("deepxde",) if backend == "torch" else ()
            cases += [Case("problems", name, backend, k, m, n) for k in methods + extra]
    for backend in ("torch", "jax"):
        cases += [
            Case("problems", "burgers_pinn", backend, k, 1, sizes.pinn_points) for k in methods
        ]
    cases += _sweeps(sizes, QUICK_SWEEP_METHODS if quick else SWEEP_METHODS)
    m, n = sizes.taylor
    for backend, methods in TAYLOR_METHODS.items():
        if quick:
            methods = tuple(k for k in methods if k in ("zcs", "taylor"))
        cases += [Case("taylor", "plate", backend, k, m, n) for k in methods]
    return _unique(cases)


def _sweeps(sizes: Sizes, methods_by_backend: dict) -> list[Case]:
    cases = []
    m_fixed, n_fixed = sizes.sweep_fixed
    for backend, methods in methods_by_backend.items():
        for method in methods:
            cases += [
                Case("sweep-M", "reaction_diffusion", backend, method, m, n_fixed)
                for m in sizes.sweep_m
            ]
            cases += [
                Case("sweep-N", "reaction_diffusion", backend, method, m_fixed, n)
                for n in sizes.sweep_n
            ]
            cases += [
                Case("sweep-order", f"order{k}", backend, method, m_fixed, n_fixed)
                for k in range(1, 5)
            ]
    return cases


def _unique(cases: list[Case]) -> list[Case]:
    """The first case of each key: a measurement shared by two tables is taken once."""
    seen, out = set(), []
    for case in cases:
        if case.key not in seen:
            seen.add(case.key)
            out.append(case)
    return out
