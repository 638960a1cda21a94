"""Tables and plots from measured results.

Input: result records (dicts: the case's fields plus the metrics of
:mod:`benchmarks.measure`), the run's sizes and a line describing the machine. Output:
``headline.md``, ``problems.md``, ``sweeps.md``, ``taylor.md`` and ``sweep-*.png`` in
the output folder (``prefix`` ``gpu-`` for the GPU mode). Rows whose case failed show
the failure instead of numbers.
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.cases import COMPILED, HEADLINE_METHODS, Sizes

MIB = 2**20
PROBLEM_METHODS = COMPILED + ("deepxde", "floor")
METHOD_NAMES = {
    "zcs": "zcs (pdecomp)",
    "zcs-fwd": "zcs-fwd (pdecomp)",
    "funcloop": "funcloop (pdecomp)",
    "datavect": "datavect (pdecomp)",
    "hand": "hand-written ZCS",
    "deepxde": "DeepXDE `deepxde.zcs`",
    "floor": "floor: no derivatives",
    "taylor": "Taylor mode (jet), 4 jets",
    "taylor-vmap": "Taylor mode (jet), vmap of 4",
}


class Results:
    """Result records indexed by case key."""

    def __init__(self, records: list[dict]):
        self.by_key = {
            (r["problem"], r["backend"], r["method"], r["M"], r["N"]): r for r in records
        }

    def get(self, problem, backend, method, m, n) -> dict | None:
        return self.by_key.get((problem, backend, method, m, n))


def memory_bytes(record: dict | None):
    """The memory metric of a record: torch saved tensors, JAX temp bytes, CUDA peak."""
    if record is None or record.get("status") != "ok":
        return None
    for key in ("cuda_peak_bytes", "graph_bytes", "temp_bytes"):
        if record.get(key) is not None:
            return record[key]
    return None


def time_ms(record: dict | None):
    ok = record is not None and record.get("status") == "ok"
    return record["time_ms"] if ok else None


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def fmt(value, digits: int = 3) -> str:
    """A number to ``digits`` significant digits, or a dash."""
    if value is None:
        return "–"
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    return f"{float(text):,.0f}" if "e" in text else text


def fmt_ratio(value) -> str:
    return "–" if value is None else (f"{value:.2f}×" if value < 10 else f"{value:.0f}×")


def status_note(record: dict | None) -> str:
    if record is None:
        return "not run"
    status = record.get("status", "missing")
    return "" if status == "ok" else status.replace("|", "/").replace("\n", " ")


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def memory_label(backend: str, device: str) -> str:
    if device == "cuda":
        return "CUDA peak" if backend == "torch" else "XLA temp"
    return "saved tensors" if backend == "torch" else "XLA temp"


# ---- headline ---------------------------------------------------------------------


def headline_rows(results: Results, sizes: Sizes, device: str) -> list[list[str]]:
    m, n = sizes.headline
    rows = []
    for backend, methods in HEADLINE_METHODS.items():
        zcs = results.get("reaction_diffusion", backend, "zcs", m, n)
        for method in methods:
            r = results.get("reaction_diffusion", backend, method, m, n)
            ok = r is not None and r.get("status") == "ok"
            compile_s = (r.get("trace_s", 0) + r.get("compile_s", 0)) if ok else None
            rows.append(
                [
                    backend,
                    METHOD_NAMES[method],
                    fmt(time_ms(r)),
                    fmt_ratio(ratio(time_ms(r), time_ms(zcs))),
                    f"{fmt(_mib(memory_bytes(r)))} ({memory_label(backend, device)})",
                    fmt_ratio(ratio(memory_bytes(r), memory_bytes(zcs))),
                    fmt(_mib(r.get("peak_rss_bytes"))) if ok else "–",
                    fmt(r.get("codegen_s"), 2) if ok else "–",
                    fmt(compile_s, 2) if ok and backend == "jax" else "–",
                    status_note(r),
                ]
            )
    return rows


def _mib(value):
    return None if value is None else value / MIB


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
        value = ratio(
            *(
                _metric(results.get("reaction_diffusion", backend, k, m, n), metric)
                for k in (top, bottom)
            )
        )
        if value is None or op is None:
            verdict = "–" if op is not None else "(information)"
        else:
            verdict = "met" if (value <= bound if op == "<=" else value >= bound) else "missed"
        rows.append([label, backend, f"{top} / {bottom} ({metric})", fmt_ratio(value), verdict])
    return rows


def _metric(record, metric: str):
    return time_ms(record) if metric == "time" else memory_bytes(record)


def headline(results: Results, sizes: Sizes, machine: str, device: str) -> str:
    m, n = sizes.headline
    header = [
        "backend",
        "method",
        "step ms",
        "time ÷ zcs",
        "memory MiB",
        "memory ÷ zcs",
        "peak RSS MiB",
        "codegen s",
        "JAX trace+compile s",
        "note",
    ]
    return (
        "\n\n".join(
            [
                f"# Headline: reaction-diffusion DeepONet, M={m} functions × N={n} points",
                machine,
                "One training step = residual → mean-square loss → gradients w.r.t. all network "
                "parameters. Memory: torch = bytes of tensors saved by autograd during the step "
                "(one count per storage); JAX = XLA temp buffers of the compiled step. "
                "Ratios are against `zcs` of the same backend.",
                table(header, headline_rows(results, sizes, device)),
                "## Targets (issue 7)",
                table(
                    ["target", "backend", "ratio", "measured", "verdict"],
                    target_rows(results, sizes),
                ),
            ]
        )
        + "\n"
    )


# ---- problems ---------------------------------------------------------------------


def problems_table(results: Results, records: list[dict], sizes: Sizes, machine, device) -> str:
    m, n = sizes.problems
    wanted = {
        "burgers": (m, n),
        "plate": (m, n),
        "stokes": (m, n),
        "burgers_pinn": (1, sizes.pinn_points),
    }
    rows = []
    for r in records:
        if wanted.get(r["problem"]) != (r["M"], r["N"]) or r["method"] not in PROBLEM_METHODS:
            continue
        zcs = results.get(r["problem"], r["backend"], "zcs", r["M"], r["N"])
        rows.append(
            [
                r["problem"],
                r["backend"],
                METHOD_NAMES[r["method"]],
                f"{r['M']}×{r['N']}" if r["problem"] != "burgers_pinn" else f"{r['N']} points",
                fmt(time_ms(r)),
                fmt_ratio(ratio(time_ms(r), time_ms(zcs))),
                f"{fmt(_mib(memory_bytes(r)))} ({memory_label(r['backend'], device)})",
                fmt_ratio(ratio(memory_bytes(r), memory_bytes(zcs))),
                status_note(r),
            ]
        )
    header = [
        "problem",
        "backend",
        "method",
        "size",
        "step ms",
        "time ÷ zcs",
        "memory MiB",
        "memory ÷ zcs",
        "note",
    ]
    intro = (
        "DeepONets (Cartesian layout, M functions × N points) for Burgers, the Kirchhoff "
        "plate (`lap(lap(w))`, 4th order) and Stokes (3 fields); `burgers_pinn` is an MLP "
        "PINN on N points (there FuncLoop and DataVect both reduce to per-point leaves)."
    )
    return (
        "\n\n".join(["# The paper problems, every method", machine, intro, table(header, rows)])
        + "\n"
    )


# ---- sweeps -----------------------------------------------------------------------


def sweep_series(records: list[dict], group: str, sizes: Sizes):
    """{(backend, method): [(x, time_ms, memory_bytes)]} for one sweep."""
    m_fixed, n_fixed = sizes.sweep_fixed
    series: dict[tuple, list] = {}
    for r in records:
        point = _sweep_x(r, group, m_fixed, n_fixed, sizes)
        if point is None:
            continue
        series.setdefault((r["backend"], r["method"]), []).append(
            (point, time_ms(r), memory_bytes(r))
        )
    return {k: sorted(v) for k, v in series.items()}


def _sweep_x(r: dict, group: str, m_fixed: int, n_fixed: int, sizes: Sizes):
    if group == "sweep-M" and r["problem"] == "reaction_diffusion" and r["N"] == n_fixed:
        return r["M"] if r["M"] in sizes.sweep_m else None
    if group == "sweep-N" and r["problem"] == "reaction_diffusion" and r["M"] == m_fixed:
        return r["N"] if r["N"] in sizes.sweep_n else None
    if group == "sweep-order" and r["problem"].startswith("order"):
        return int(r["problem"][5:]) if (r["M"], r["N"]) == sizes.order else None
    return None


SWEEP_TITLES = {
    "sweep-M": ("M (functions)", "reaction-diffusion, N={n} points"),
    "sweep-N": ("N (points)", "reaction-diffusion, M={m} functions"),
    "sweep-order": ("derivative order k", "`d(u, x, k) = 0`, M={om} × N={on}"),
}


def _setting(text: str, sizes: Sizes) -> str:
    (m, n), (om, on) = sizes.sweep_fixed, sizes.order
    return text.format(m=m, n=n, om=om, on=on).replace("`", "")


def sweeps(records: list[dict], sizes: Sizes, machine: str, device: str) -> str:
    parts = ["# Scaling sweeps", machine]
    for group, (axis, setting) in SWEEP_TITLES.items():
        series = sweep_series(records, group, sizes)
        xs = sorted({x for points in series.values() for x, _, _ in points})
        names = [f"{b} {meth}" for b, meth in series]
        parts.append(f"## {axis}: {_setting(setting, sizes)}")
        for label, index, unit in (("step time, ms", 1, 1.0), ("memory, MiB", 2, MIB)):
            rows = []
            for x in xs:
                row = [str(x)]
                for points in series.values():
                    value = next((p[index] for p in points if p[0] == x), None)
                    row.append(fmt(None if value is None else value / unit))
                rows.append(row)
            parts.append(f"{label} ({group}.png)")
            parts.append(table([axis] + names, rows))
    parts.append(
        "Memory: torch = autograd saved tensors, JAX = XLA temp bytes (not the same "
        "quantity; compare within a backend)."
    )
    return "\n\n".join(parts) + "\n"


def plot_sweeps(records: list[dict], sizes: Sizes, out: Path, prefix: str) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    paths = []
    for group, (axis, setting) in SWEEP_TITLES.items():
        series = sweep_series(records, group, sizes)
        figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
        for (backend, method), points in series.items():
            style = "-" if backend == "torch" else "--"
            for ax, index, unit in ((left, 1, 1.0), (right, 2, MIB)):
                good = [(p[0], p[index] / unit) for p in points if p[index] is not None]
                if good:
                    ax.plot(*zip(*good), style, marker="o", label=f"{backend} {method}")
        for ax, ylabel in ((left, "step time (ms)"), (right, "memory (MiB)")):
            ax.set_xlabel(axis)
            ax.set_ylabel(ylabel)
            ax.set_yscale("log")
            if group != "sweep-order":
                ax.set_xscale("log")
            ax.grid(True, which="both", alpha=0.3)
        right.legend(fontsize=8)
        figure.suptitle(f"{_setting(setting, sizes)} (memory: torch saved tensors, JAX temp)")
        figure.tight_layout()
        path = out / f"{prefix}{group}.png"
        figure.savefig(path, dpi=110)
        plt.close(figure)
        paths.append(path)
    return paths


# ---- Taylor mode and the auto table -----------------------------------------------


def taylor(results: Results, records: list[dict], sizes: Sizes, machine: str) -> str:
    m, n = sizes.taylor
    rows = []
    for backend, methods in (
        ("jax", ("hand", "zcs", "zcs-fwd", "taylor", "taylor-vmap")),
        ("torch", ("hand", "zcs", "zcs-fwd")),
    ):
        hand = results.get("plate", backend, "hand", m, n)
        for method in methods:
            r = results.get("plate", backend, method, m, n)
            rows.append(
                [
                    backend,
                    METHOD_NAMES[method],
                    fmt(time_ms(r)),
                    fmt_ratio(ratio(time_ms(r), time_ms(hand))),
                    fmt(_mib(memory_bytes(r))),
                    status_note(r),
                ]
            )
    parts = [
        f"# Fourth order: Kirchhoff plate DeepONet, M={m} × N={n}",
        machine,
        "Reverse ZCS (`zcs`, hand-written), nested forward ZCS (`zcs-fwd`) and a Taylor-mode "
        "prototype (`jax.experimental.jet`: one 4th-order jet along each of (1,0), (0,1), "
        "(1,1), (1,-1) in z-space; `lap(lap(w)) = (D4(1,1) + D4(1,-1))/6 + 2/3 (D4(1,0) + "
        "D4(0,1))`). Time ratio against hand-written reverse ZCS of the same backend.",
        table(["backend", "method", "step ms", "time ÷ hand", "memory MiB", "note"], rows),
        "## Fastest method per backend and highest derivative order (an `auto` table)",
        "From the order sweep (`d(u, x, k) = 0`); for order 4 the plate's result is used "
        "too, where Taylor mode was measured.",
        table(["backend", "order", "fastest", "step ms", "others (ms)"], auto_rows(records, sizes)),
    ]
    return "\n\n".join(parts) + "\n"


def auto_rows(records: list[dict], sizes: Sizes) -> list[list[str]]:
    series = sweep_series(records, "sweep-order", sizes)
    rows = []
    for backend in ("torch", "jax"):
        for k in range(1, 5):
            options = {
                method: t
                for (b, method), points in series.items()
                if b == backend and method in ("zcs", "zcs-fwd")
                for x, t, _ in points
                if x == k and t is not None
            }
            if options:
                best = min(options, key=options.get)
                others = ", ".join(
                    f"{meth} {fmt(t)}" for meth, t in options.items() if meth != best
                )
                rows.append([backend, str(k), best, fmt(options[best]), others])
        rows.append(_plate_row(records, sizes, backend))
    return [row for row in rows if row]


def _plate_row(records: list[dict], sizes: Sizes, backend: str) -> list[str]:
    m, n = sizes.taylor
    options = {
        r["method"]: r["time_ms"]
        for r in records
        if r["problem"] == "plate"
        and r["backend"] == backend
        and (r["M"], r["N"]) == (m, n)
        and r.get("status") == "ok"
        and r["method"] in ("zcs", "zcs-fwd", "taylor", "taylor-vmap")
    }
    if not options:
        return []
    best = min(options, key=options.get)
    others = ", ".join(f"{meth} {fmt(t)}" for meth, t in options.items() if meth != best)
    return [backend, "4 (plate)", best, fmt(options[best]), others]


# ---- everything -------------------------------------------------------------------


def write_all(
    records: list[dict], sizes: Sizes, out: Path, machine: str, device: str
) -> list[Path]:
    """Write every table and plot into ``out``; returns the paths written."""
    out.mkdir(parents=True, exist_ok=True)
    prefix = "gpu-" if device == "cuda" else ""
    results = Results(records)
    texts = {
        "headline.md": headline(results, sizes, machine, device),
        "problems.md": problems_table(results, records, sizes, machine, device),
        "sweeps.md": sweeps(records, sizes, machine, device),
        "taylor.md": taylor(results, records, sizes, machine),
    }
    paths = []
    for name, text in texts.items():
        path = out / f"{prefix}{name}"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths + plot_sweeps(records, sizes, out, prefix)
