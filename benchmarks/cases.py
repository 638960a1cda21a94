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


# Methods per table and backend. JAX FuncLoop unrolls its loop over the M functions and
# compiles for minutes at M=50, so the sweeps leave it out; the quick mode keeps every
# headline method and a few cheap cases of each other table. `auto` is not measured on
# its own: it resolves at compile time to one of these (pdecomp.pipeline.auto_method).
JAX_COMPILED = TORCH_COMPILED = COMPILED + ("zcs-taylor",)
FULL_METHODS = {
    "problems": {"torch": TORCH_COMPILED + ("floor", "deepxde"), "jax": JAX_COMPILED + ("floor",)},
    "pinn": {"torch": TORCH_COMPILED + ("floor",), "jax": JAX_COMPILED + ("floor",)},
    "sweeps": {"torch": ("zcs", "funcloop", "datavect"), "jax": ("zcs", "zcs-fwd")},
    "order": {"torch": TORCH_COMPILED, "jax": ("zcs", "zcs-fwd", "zcs-taylor")},
    "taylor": {
        "jax": ("hand", "zcs", "zcs-fwd", "zcs-taylor", "taylor"),
        "torch": ("hand", "zcs", "zcs-fwd", "zcs-taylor"),
    },
}
QUICK_METHODS = {
    "problems": {"torch": ("zcs", "deepxde"), "jax": ()},
    "pinn": {"torch": ("zcs",), "jax": ()},
    "sweeps": {"torch": ("zcs", "datavect"), "jax": ()},
    "order": {"torch": ("zcs",), "jax": ()},
    "taylor": {"jax": ("taylor",), "torch": ("zcs",)},
}
HEADLINE_METHODS = {
    "torch": TORCH_COMPILED + ("hand", "deepxde", "floor"),
    "jax": JAX_COMPILED + ("hand", "floor"),
}
# Interleaved timings in one process (benchmarks.measure --paired), for the ratios the
# targets and the `auto` table rest on: (table, backend, methods).
FULL_PAIRS = (
    ("headline", "torch", ("zcs", "hand", "deepxde")),
    ("headline", "jax", ("zcs", "zcs-fwd", "hand")),
    ("taylor", "torch", ("hand", "zcs", "zcs-fwd", "zcs-taylor")),
    ("taylor", "jax", ("hand", "zcs", "zcs-fwd", "zcs-taylor", "taylor")),
    ("order", "torch", ("zcs", "zcs-fwd", "zcs-taylor")),
    ("order", "jax", ("zcs", "zcs-fwd", "zcs-taylor")),
)
QUICK_PAIRS = (("headline", "torch", ("zcs", "hand")),)


@dataclasses.dataclass(frozen=True)
class Sizes:
    """The sizes and methods of one mode; quick mode shrinks them all."""

    headline: tuple[int, int]
    problems: tuple[int, int]
    pinn_points: int
    sweep_m: tuple[int, ...]
    sweep_n: tuple[int, ...]
    sweep_fixed: tuple[int, int]  # (M for the N sweep, N for the M sweep)
    order: tuple[int, int]  # (M, N) of the order sweep
    taylor: tuple[int, int]
    warmup: int
    repeats: int
    budget_s: float  # stop repeating once this much time was spent (after 2 steps)
    pair_rounds: int  # interleaved rounds of a paired group (fewer past pair_budget_s)
    pair_budget_s: float
    methods: dict = dataclasses.field(default_factory=lambda: FULL_METHODS)
    pairs: tuple = FULL_PAIRS


FULL = Sizes(
    headline=(50, 2000),
    problems=(5, 500),
    pinn_points=5000,
    sweep_m=(2, 6, 20),
    sweep_n=(100, 300, 1000),
    sweep_fixed=(6, 500),
    order=(5, 500),
    taylor=(20, 1000),
    warmup=2,
    repeats=5,
    budget_s=1.5,
    pair_rounds=15,
    pair_budget_s=6.0,
)
QUICK = Sizes(
    headline=(4, 64),
    problems=(3, 32),
    pinn_points=64,
    sweep_m=(2, 4),
    sweep_n=(16, 32),
    sweep_fixed=(3, 32),
    order=(3, 32),
    taylor=(3, 32),
    warmup=1,
    repeats=2,
    budget_s=0.5,
    pair_rounds=3,
    pair_budget_s=0.5,
    methods=QUICK_METHODS,
    pairs=QUICK_PAIRS,
)


def suite(sizes: Sizes) -> list[Case]:
    """Every case of one run, in order, each key once (tables share measurements)."""
    methods = sizes.methods
    m, n = sizes.headline
    cases = [
        Case("headline", "reaction_diffusion", backend, method, m, n)
        for backend, chosen in HEADLINE_METHODS.items()
        for method in chosen
    ]
    m, n = sizes.problems
    cases += [
        Case("problems", name, backend, method, m, n)
        for name in ("burgers", "plate", "stokes")
        for backend, chosen in methods["problems"].items()
        for method in chosen
    ]
    cases += [
        Case("problems", "burgers_pinn", backend, method, 1, sizes.pinn_points)
        for backend, chosen in methods["pinn"].items()
        for method in chosen
    ]
    cases += _sweeps(sizes, methods["sweeps"])
    cases += _order_sweep(sizes, methods["order"])
    m, n = sizes.taylor
    cases += [
        Case("taylor", "plate", backend, method, m, n)
        for backend, chosen in methods["taylor"].items()
        for method in chosen
    ]
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
    return cases


def _order_sweep(sizes: Sizes, methods_by_backend: dict) -> list[Case]:
    m, n = sizes.order
    return [
        Case("sweep-order", f"order{k}", backend, method, m, n)
        for backend, methods in methods_by_backend.items()
        for method in methods
        for k in range(1, 5)
    ]


def pair_groups(sizes: Sizes) -> list[list[Case]]:
    """The paired groups of one run: each a list of cases timed in one process."""
    sizes_of = {"headline": sizes.headline, "taylor": sizes.taylor}
    groups = []
    for table, backend, methods in sizes.pairs:
        if table == "order":
            m, n = sizes.order
            groups += [
                [Case("paired", f"order{k}", backend, method, m, n) for method in methods]
                for k in range(1, 5)
            ]
            continue
        problem = "plate" if table == "taylor" else "reaction_diffusion"
        m, n = sizes_of[table]
        groups.append([Case("paired", problem, backend, method, m, n) for method in methods])
    return groups


def _unique(cases: list[Case]) -> list[Case]:
    """The first case of each key: a measurement shared by two tables is taken once."""
    seen, out = set(), []
    for case in cases:
        if case.key not in seen:
            seen.add(case.key)
            out.append(case)
    return out
