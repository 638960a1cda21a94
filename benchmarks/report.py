"""Tables and plots from measured results.

Input: ``{"cases": [...], "paired": [...]}`` (records of :mod:`benchmarks.measure`: the
case's fields plus its metrics), the run's sizes and a line describing the machine.
Output: ``headline.md``, ``problems.md`` and ``taylor.md`` (here), ``sweeps.md`` and
``sweep-*.png`` (:mod:`benchmarks.sweeps`), in the output folder (prefix ``gpu-`` in the
GPU mode). Rows whose case failed show the failure instead of numbers.

Time is the step's CPU time (this process, all threads; one compute thread) on a CPU,
which a shared machine's load barely moves, and wall time on a GPU. Two kinds: *fresh*
(each case alone in a fresh subprocess, median step) and *interleaved* (the methods of
one problem built in one process and stepped in turn, round after round, so that any
drift cancels out of their ratios). Claims comparing close competitors are judged on
the interleaved ratio.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.cases import COMPILED, HEADLINE_METHODS, Sizes
from benchmarks.sweeps import plot_sweeps, sweeps
from benchmarks.tables import (
    fmt,
    fmt_ratio,
    memory_bytes,
    mib,
    ratio,
    status_note,
    step_unit,
    table,
    time_ms,
    wall_ms,
)

PROBLEM_METHODS = COMPILED + ("zcs-taylor", "deepxde", "floor")
METHOD_NAMES = {
    "zcs": "zcs (pdecomp)",
    "zcs-fwd": "zcs-fwd (pdecomp)",
    "zcs-taylor": "zcs-taylor (pdecomp)",
    "funcloop": "funcloop (pdecomp)",
    "datavect": "datavect (pdecomp)",
    "hand": "hand-written ZCS",
    "deepxde": "DeepXDE `deepxde.zcs`",
    "floor": "floor: no derivatives",
    "taylor": "Taylor prototype (jet, 4 directions)",
}


def _key(r: dict) -> tuple:
    return (r["problem"], r["backend"], r["method"], r["M"], r["N"])


class Results:
    """Fresh and interleaved records, indexed by case key."""

    def __init__(self, results: dict):
        self.records = results["cases"]
        self.by_key = {_key(r): r for r in results["cases"]}
        self.paired = {
            _key(r): r.get("paired_ms" if r.get("device") == "cuda" else "paired_cpu_ms")
            for r in results.get("paired", [])
        }

    def get(self, problem, backend, method, m, n) -> dict | None:
        return self.by_key.get((problem, backend, method, m, n))

    def interleaved(self, problem, backend, method, m, n):
        return self.paired.get((problem, backend, method, m, n))


def memory_label(backend: str, device: str) -> str:
    if device == "cuda":
        return "CUDA peak" if backend == "torch" else "XLA temp"
    return "saved tensors" if backend == "torch" else "XLA temp"


def _resolved(record: dict | None, method: str) -> str:
    name = METHOD_NAMES[method]
    resolved = (record or {}).get("resolved_method")
    return name if resolved in (None, method) else f"{name} → {resolved}"


# ---- headline ---------------------------------------------------------------------


def headline_rows(results: Results, sizes: Sizes, device: str) -> list[list[str]]:
    m, n = sizes.headline
    rows = []
    for backend, methods in HEADLINE_METHODS.items():
        zcs = results.get("reaction_diffusion", backend, "zcs", m, n)
        paired_zcs = results.interleaved("reaction_diffusion", backend, "zcs", m, n)
        for method in methods:
            r = results.get("reaction_diffusion", backend, method, m, n)
            paired = results.interleaved("reaction_diffusion", backend, method, m, n)
            ok = r is not None and r.get("status") == "ok"
            compile_s = (r.get("trace_s", 0) + r.get("compile_s", 0)) if ok else None
            rows.append(
                [
                    backend,
                    _resolved(r, method),
                    fmt(time_ms(r)),
                    fmt_ratio(ratio(time_ms(r), time_ms(zcs))),
                    fmt(paired),
                    fmt_ratio(ratio(paired, paired_zcs)),
                    fmt(wall_ms(r)),
                    f"{fmt(mib(memory_bytes(r)))} ({memory_label(backend, device)})",
                    fmt_ratio(ratio(memory_bytes(r), memory_bytes(zcs))),
                    fmt(mib(r.get("peak_rss_bytes"))) if ok else "–",
                    fmt(r.get("codegen_s"), 2) if ok else "–",
                    fmt(compile_s, 2) if ok and backend == "jax" else "–",
                    status_note(r),
                ]
            )
    return rows


TARGETS = [
    # (label, backend, numerator method, denominator method, metric, op, bound)
    ("zcs within 1.1× of hand-written time", "torch", "zcs", "hand", "time", "<=", 1.1),
    ("zcs within 1.1× of hand-written memory", "torch", "zcs", "hand", "memory", "<=", 1.1),
    ("zcs within 1.1× of hand-written time", "jax", "zcs", "hand", "time", "<=", 1.1),
    ("zcs within 1.1× of hand-written memory", "jax", "zcs", "hand", "memory", "<=", 1.1),
    ("zcs no slower than DeepXDE zcs", "torch", "zcs", "deepxde", "time", "<=", 1.0),
    ("funcloop ≥ 25× slower than zcs", "torch", "funcloop", "zcs", "time", ">=", 25),
    ("datavect ≥ 80× slower than zcs", "torch", "datavect", "zcs", "time", ">=", 80),
    ("funcloop ≥ 20× more memory than zcs", "torch", "funcloop", "zcs", "memory", ">=", 20),
    ("datavect ≥ 20× more memory than zcs", "torch", "datavect", "zcs", "memory", ">=", 20),
    ("funcloop ≥ 25× slower than zcs", "jax", "funcloop", "zcs", "time", ">=", 25),
    ("datavect ≥ 80× slower than zcs", "jax", "datavect", "zcs", "time", ">=", 80),
    ("funcloop ≥ 20× more memory than zcs", "jax", "funcloop", "zcs", "memory", ">=", 20),
    ("datavect ≥ 20× more memory than zcs", "jax", "datavect", "zcs", "memory", ">=", 20),
    ("zcs cost over the no-derivative floor", "torch", "zcs", "floor", "time", None, None),
    ("zcs cost over the no-derivative floor", "jax", "zcs", "floor", "time", None, None),
]


def target_rows(results: Results, sizes: Sizes) -> list[list[str]]:
    m, n = sizes.headline
    rows = []
    for label, backend, top, bottom, metric, op, bound in TARGETS:
        pair = [results.get("reaction_diffusion", backend, k, m, n) for k in (top, bottom)]
        fresh = ratio(*(_metric(r, metric) for r in pair))
        interleaved = None
        if metric == "time":
            interleaved = ratio(
                *(
                    results.interleaved("reaction_diffusion", backend, k, m, n)
                    for k in (top, bottom)
                )
            )
        judged = interleaved if interleaved is not None else fresh
        if op is None:
            verdict = "(information)"
        elif judged is None:
            verdict = "–"
        else:
            verdict = "met" if (judged <= bound if op == "<=" else judged >= bound) else "missed"
        rows.append(
            [
                label,
                backend,
                f"{top} / {bottom} ({metric})",
                fmt_ratio(fresh),
                fmt_ratio(interleaved),
                verdict,
            ]
        )
    return rows


def _metric(record, metric: str):
    return time_ms(record) if metric == "time" else memory_bytes(record)


def headline(results: Results, sizes: Sizes, machine: str, device: str) -> str:
    m, n = sizes.headline
    unit = step_unit(device)
    header = [
        "backend", "method", f"{unit} (fresh)", "÷ zcs", f"{unit} (interleaved)", "÷ zcs",
        "wall ms (fresh)", "memory MiB", "memory ÷ zcs", "peak RSS MiB", "codegen s",
        "JAX trace+compile s", "note",
    ]  # fmt: skip
    intro = (
        "One training step = residual → mean-square loss → gradients w.r.t. all network "
        f"parameters; its {unit} (see the wall time for a sense of the machine's load). "
        "*Fresh*: each case alone in a fresh subprocess (median step). "
        "*Interleaved*: the close competitors built in one process and stepped in turn "
        "(median over rounds), which cancels the drift of a shared machine's load out of "
        "their ratios. Memory: torch = bytes of tensors saved by autograd during the step "
        "(one count per storage); JAX = XLA temp buffers of the compiled step. Ratios are "
        "against `zcs` of the same backend."
    )
    return (
        "\n\n".join(
            [
                f"# Headline: reaction-diffusion DeepONet, M={m} functions × N={n} points",
                machine,
                intro,
                table(header, headline_rows(results, sizes, device)),
                "## Claims checked",
                "Time claims are judged on the interleaved ratio where there is one.",
                table(
                    ["claim", "backend", "ratio", "fresh", "interleaved", "verdict"],
                    target_rows(results, sizes),
                ),
            ]
        )
        + "\n"
    )


# ---- problems ---------------------------------------------------------------------


def problems_table(results: Results, sizes: Sizes, machine: str, device: str) -> str:
    m, n = sizes.problems
    wanted = {
        "burgers": (m, n),
        "plate": (m, n),
        "stokes": (m, n),
        "burgers_pinn": (1, sizes.pinn_points),
    }
    rows = []
    for r in results.records:
        if wanted.get(r["problem"]) != (r["M"], r["N"]) or r["method"] not in PROBLEM_METHODS:
            continue
        zcs = results.get(r["problem"], r["backend"], "zcs", r["M"], r["N"])
        size = f"{r['N']} points" if r["problem"] == "burgers_pinn" else f"{r['M']}×{r['N']}"
        rows.append(
            [
                r["problem"],
                r["backend"],
                METHOD_NAMES[r["method"]],
                size,
                fmt(time_ms(r)),
                fmt_ratio(ratio(time_ms(r), time_ms(zcs))),
                f"{fmt(mib(memory_bytes(r)))} ({memory_label(r['backend'], device)})",
                fmt_ratio(ratio(memory_bytes(r), memory_bytes(zcs))),
                status_note(r),
            ]
        )
    header = ["problem", "backend", "method", "size", step_unit(device), "time ÷ zcs",
              "memory MiB", "memory ÷ zcs", "note"]  # fmt: skip
    intro = (
        "DeepONets (Cartesian layout, M functions × N points) for Burgers, the Kirchhoff "
        "plate (`lap(lap(w))`, 4th order) and Stokes (3 fields); `burgers_pinn` is an MLP "
        "PINN on N points (there FuncLoop and DataVect both reduce to per-point leaves). "
        "Each case alone in a fresh subprocess."
    )
    parts = ["# The paper problems, every method", machine, intro, table(header, rows)]
    return "\n\n".join(parts) + "\n"


# ---- fourth order, Taylor mode and the auto table ---------------------------------

TAYLOR_ROWS = (
    ("jax", ("hand", "zcs", "zcs-fwd", "zcs-taylor", "taylor")),
    ("torch", ("hand", "zcs", "zcs-fwd", "zcs-taylor")),
)
AUTO_CANDIDATES = {
    "torch": ("zcs", "zcs-fwd", "zcs-taylor"),
    "jax": ("zcs", "zcs-fwd", "zcs-taylor"),
}
# torch's auto methods decide at call time; on these DeepONets (not pointwise, every
# operation with a Taylor rule) they run as the method named here.
AUTO_RUNS_AS = {"zcs-or-pointwise": "zcs", "taylor-or-zcs": "zcs-taylor"}


def taylor(results: Results, sizes: Sizes, machine: str, device: str) -> str:
    m, n = sizes.taylor
    rows = []
    for backend, methods in TAYLOR_ROWS:
        hand = results.get("plate", backend, "hand", m, n)
        paired_hand = results.interleaved("plate", backend, "hand", m, n)
        for method in methods:
            r = results.get("plate", backend, method, m, n)
            paired = results.interleaved("plate", backend, method, m, n)
            rows.append(
                [
                    backend,
                    METHOD_NAMES[method],
                    fmt(time_ms(r)),
                    fmt_ratio(ratio(time_ms(r), time_ms(hand))),
                    fmt(paired),
                    fmt_ratio(ratio(paired, paired_hand)),
                    fmt(mib(memory_bytes(r))),
                    status_note(r),
                ]
            )
    unit = step_unit(device)
    header = ["backend", "method", f"{unit} (fresh)", "÷ hand", f"{unit} (interleaved)",
              "÷ hand", "memory MiB", "note"]  # fmt: skip
    intro = (
        "Reverse ZCS (`zcs`, hand-written), nested forward ZCS (`zcs-fwd`), pdecomp's "
        "Taylor mode (`zcs-taylor`) and the benchmark's own Taylor prototype "
        "(`jax.experimental.jet`: one 4th-order jet along each of (1,0), (0,1), (1,1), "
        "(1,-1) in z-space; `lap(lap(w)) = (D4(1,1) + D4(1,-1))/6 + 2/3 (D4(1,0) + "
        "D4(0,1))`). Ratios against hand-written reverse ZCS of the same backend."
    )
    auto_header = ["backend", "order", "fastest (interleaved)", "ms", "all (ms)", "auto picks",
                   "auto ÷ fastest", "auto ÷ hand"]  # fmt: skip
    parts = [
        f"# Fourth order: Kirchhoff plate DeepONet, M={m} × N={n}",
        machine,
        intro,
        table(header, rows),
        "## Fastest ZCS variant per backend and highest derivative order (the `auto` table)",
        f"Interleaved timings of `d(u, x, k) = 0` at M={sizes.order[0]} × N={sizes.order[1]} "
        "(fresh-subprocess times where no interleaved one exists), and of the plate above. "
        "`auto picks` is `pdecomp.pipeline.auto_method` as it stands.",
        table(auto_header, auto_rows(results, sizes)),
    ]
    return "\n\n".join(parts) + "\n"


def _auto_method(backend: str, order: int) -> str | None:
    try:
        from pdecomp.pipeline import auto_method
    except ImportError:  # an older pdecomp without `auto`
        return None
    method = auto_method(backend, order)
    return AUTO_RUNS_AS.get(method, method)


def auto_rows(results: Results, sizes: Sizes) -> list[list[str]]:
    rows = []
    for backend, candidates in AUTO_CANDIDATES.items():
        for k in range(1, 5):
            options = _times(results, f"order{k}", backend, candidates, *sizes.order)
            rows.append(_auto_row(backend, str(k), k, options, None))
        options = _times(results, "plate", backend, candidates, *sizes.taylor)
        hand = _times(results, "plate", backend, ("hand",), *sizes.taylor).get("hand")
        rows.append(_auto_row(backend, "4 (plate)", 4, options, hand))
    return [row for row in rows if row]


def _times(results: Results, problem, backend, candidates, m, n) -> dict:
    options = {}
    for method in candidates:
        value = results.interleaved(problem, backend, method, m, n)
        if value is None:
            value = time_ms(results.get(problem, backend, method, m, n))
        if value is not None:
            options[method] = value
    return options


def _auto_row(backend, label, order, options: dict, hand) -> list[str]:
    if not options:
        return []
    best = min(options, key=options.get)
    picked = _auto_method(backend, order)
    return [
        backend,
        label,
        best,
        fmt(options[best]),
        ", ".join(f"{method} {fmt(t)}" for method, t in options.items()),
        picked or "–",
        fmt_ratio(ratio(options.get(picked), options[best])),
        fmt_ratio(ratio(options.get(picked), hand)),
    ]


# ---- everything -------------------------------------------------------------------


def write_all(results: dict, sizes: Sizes, out: Path, machine: str, device: str) -> list[Path]:
    """Write every table and plot into ``out``; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    prefix = "gpu-" if device == "cuda" else ""
    indexed = Results(results)
    texts = {
        "headline.md": headline(indexed, sizes, machine, device),
        "problems.md": problems_table(indexed, sizes, machine, device),
        "sweeps.md": sweeps(indexed.records, sizes, machine, device),
        "taylor.md": taylor(indexed, sizes, machine, device),
    }
    paths = []
    for name, text in texts.items():
        path = out / f"{prefix}{name}"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths + plot_sweeps(indexed.records, sizes, out, device)
