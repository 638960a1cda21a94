"""The scaling sweeps: tables and plots of step time and memory against M, N and order.

Input: result records (:mod:`benchmarks.measure`) and the run's sizes. Output: the
``sweeps.md`` text and ``sweep-M.png``, ``sweep-N.png``, ``sweep-order.png``
(matplotlib, Agg).
"""

from __future__ import annotations

from pathlib import Path

from benchmarks.cases import Sizes
from benchmarks.tables import MIB, fmt, memory_bytes, step_unit, table, time_ms

SWEEP_TITLES = {
    "sweep-M": ("M (functions)", "reaction-diffusion, N={n} points"),
    "sweep-N": ("N (points)", "reaction-diffusion, M={m} functions"),
    "sweep-order": ("derivative order k", "d(u, x, k) = 0, M={om} × N={on}"),
}


def sweep_series(records: list[dict], group: str, sizes: Sizes) -> dict:
    """{(backend, method): [(x, time_ms, memory_bytes)]} for one sweep."""
    series: dict[tuple, list] = {}
    for r in records:
        x = _sweep_x(r, group, sizes)
        if x is not None:
            series.setdefault((r["backend"], r["method"]), []).append(
                (x, time_ms(r), memory_bytes(r))
            )
    return {k: sorted(v) for k, v in series.items()}


def _sweep_x(r: dict, group: str, sizes: Sizes):
    m_fixed, n_fixed = sizes.sweep_fixed
    if group == "sweep-M" and r["problem"] == "reaction_diffusion" and r["N"] == n_fixed:
        return r["M"] if r["M"] in sizes.sweep_m else None
    if group == "sweep-N" and r["problem"] == "reaction_diffusion" and r["M"] == m_fixed:
        return r["N"] if r["N"] in sizes.sweep_n else None
    if group == "sweep-order" and r["problem"].startswith("order"):
        return int(r["problem"][5:]) if (r["M"], r["N"]) == sizes.order else None
    return None


def _setting(text: str, sizes: Sizes) -> str:
    (m, n), (om, on) = sizes.sweep_fixed, sizes.order
    return text.format(m=m, n=n, om=om, on=on)


def sweeps(records: list[dict], sizes: Sizes, machine: str, device: str) -> str:
    parts = ["# Scaling sweeps", machine, "Each case alone in a fresh subprocess."]
    for group, (axis, setting) in SWEEP_TITLES.items():
        series = sweep_series(records, group, sizes)
        xs = sorted({x for points in series.values() for x, _, _ in points})
        names = [f"{b} {method}" for b, method in series]
        parts.append(f"## {axis}: {_setting(setting, sizes)} ({group}.png)")
        for label, index, unit in ((f"step, {step_unit(device)}", 1, 1.0), ("memory, MiB", 2, MIB)):
            rows = []
            for x in xs:
                row = [str(x)]
                for points in series.values():
                    value = next((p[index] for p in points if p[0] == x), None)
                    row.append(fmt(None if value is None else value / unit))
                rows.append(row)
            parts += [label, table([axis] + names, rows)]
    parts.append(
        "Memory: torch = autograd saved tensors, JAX = XLA temp bytes (not the same "
        "quantity; compare within a backend)."
    )
    return "\n\n".join(parts) + "\n"


def plot_sweeps(records: list[dict], sizes: Sizes, out: Path, device: str) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    paths = []
    for group, (axis, setting) in SWEEP_TITLES.items():
        figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
        series = sweep_series(records, group, sizes)
        ticks = sorted({p[0] for points in series.values() for p in points})
        for (backend, method), points in series.items():
            style = "-" if backend == "torch" else "--"
            for ax, index, unit in ((left, 1, 1.0), (right, 2, MIB)):
                good = [(p[0], p[index] / unit) for p in points if p[index] is not None]
                if good:
                    ax.plot(*zip(*good), style, marker="o", label=f"{backend} {method}")
        for ax, ylabel in ((left, f"step ({step_unit(device)})"), (right, "memory (MiB)")):
            ax.set_xlabel(axis)
            ax.set_ylabel(ylabel)
            ax.set_yscale("log")
            if group != "sweep-order":
                ax.set_xscale("log")
            ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
            ax.set_xticks(ticks, [str(x) for x in ticks])
            ax.grid(True, which="both", alpha=0.3)
        right.legend(fontsize=8)
        figure.suptitle(f"{_setting(setting, sizes)} (memory: torch saved tensors, JAX temp)")
        figure.tight_layout()
        path = out / f"{'gpu-' if device == 'cuda' else ''}{group}.png"
        figure.savefig(path, dpi=110)
        plt.close(figure)
        paths.append(path)
    return paths
