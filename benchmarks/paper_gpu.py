"""The ZCS paper's four problems at the paper's sizes, as one prepared GPU run.

    python -m benchmarks.paper_gpu [--device cuda|cpu] [--quick] [--budget S] [--out DIR]

Input: the four physics-informed DeepONets of the paper (reaction-diffusion M=50 ×
N=1000, Burgers 50 × 12800, plate 36 × 10000, Stokes 50 × 9000: its 5000 + 4000 points
as one set), the benchmark networks (branch and trunk MLPs 128 wide, tanh, float32) and
the methods below. Output: ``gpu-paper.md`` and ``gpu-paper.json`` in ``--out`` (default
``benchmarks/results``; ``paper-cpu.*`` with ``--device cpu``): per problem and method
the wall time of 1000 training steps (residual -> mean-square loss -> gradients; from
the median step), the peak GPU memory (``torch.cuda.max_memory_allocated``), and the
paper's figures for ZCS beside them.

Each case runs in its own subprocess (``benchmarks.measure``), the fastest methods
first; once ``--budget`` seconds (default 420: the run fits an 8-minute device slot) are
spent, the remaining cases are reported as not run. ``--quick`` shrinks every size for
a check on any machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

from benchmarks.cases import FULL, Case
from benchmarks.run import _measure

ROOT = Path(__file__).resolve().parent.parent
# problem -> (M, N, the paper's ZCS seconds per 1000 batches, its ZCS memory in GB)
PAPER = {
    "reaction_diffusion": (50, 1000, 10, 0.05),
    "burgers": (50, 12800, 15, 0.36),
    "plate": (36, 10000, 144, 3.30),
    "stokes": (50, 9000, 147, 3.3),
}
# In the order they run: what a user gets and its references, then the paper's baselines.
METHODS = ("auto", "zcs", "hand", "deepxde", "zcs-taylor", "funcloop", "datavect")
LABELS = {"hand": "hand-written ZCS", "deepxde": "DeepXDE `deepxde.zcs`"}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.paper_gpu", description=__doc__)
    parser.add_argument("--device", choices=("cuda", "cpu"), default="cuda")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a check")
    parser.add_argument("--budget", type=float, default=420.0, help="seconds for all cases")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds per case")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    sizes = dataclasses.replace(FULL, warmup=1, repeats=3, budget_s=3.0)
    start, records = time.perf_counter(), []
    for method in METHODS:
        for problem, (m, n, _, _) in PAPER.items():
            if args.quick:
                m, n = 2, 64
            case = Case("paper", problem, "torch", method, m, n)
            if time.perf_counter() - start > args.budget:
                records.append({**_key(case), "status": "not run: past the budget"})
                continue
            (record,) = _measure([case], sizes, args.device, args.timeout)
            records.append(record)
            print(f"{problem} {method} M={m} N={n}: {_shown(record)}", flush=True)
    wall = time.perf_counter() - start
    stem = "gpu-paper" if args.device == "cuda" else "paper-cpu"
    args.out.mkdir(parents=True, exist_ok=True)
    result = {"records": records, "wall_s": wall, "device": args.device, "quick": args.quick}
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=1) + "\n", "utf-8")
    (args.out / f"{stem}.md").write_text(report(result), encoding="utf-8")
    print(f"wrote {args.out / f'{stem}.md'}")
    return 0


def _key(case: Case) -> dict:
    return {"problem": case.problem, "method": case.method, "M": case.M, "N": case.N}


def _shown(record: dict) -> str:
    if record.get("status") != "ok":
        return record.get("status", "?")
    return f"{record['time_ms']:.1f} ms per step"


def report(result: dict) -> str:
    """The table: seconds per 1000 steps and peak memory per problem and method."""
    records = result["records"]
    device = next((r["device_name"] for r in records if r.get("device_name")), result["device"])
    lines = [
        "# The ZCS paper's four problems at the paper's sizes",
        "",
        f"_{device}; float32; one training step = residual -> mean-square loss -> "
        "gradients w.r.t. the weights; seconds per 1000 steps from the median of 3 steps "
        f"after one warm-up; {result['wall_s'] / 60:.1f} min in all"
        + ("; quick sizes" if result["quick"] else "")
        + "._",
        "",
        "| problem | M × N | method | s per 1000 steps | ÷ zcs | peak GPU memory GB "
        "| paper ZCS s / 1000 | paper ZCS GB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    by = {(r["problem"], r["method"]): r for r in records}
    for problem, (_, _, paper_s, paper_gb) in PAPER.items():
        zcs = _seconds(by.get((problem, "zcs")))
        for method in METHODS:
            record = by.get((problem, method))
            if record is None:
                continue
            seconds = _seconds(record)
            peak = record.get("cuda_peak_bytes")
            label = LABELS.get(method, method)
            if record.get("resolved_method") and method == "auto":
                label = f"auto (= {record['resolved_method']})"
            lines.append(
                f"| {problem} | {record['M']} × {record['N']} | {label} | "
                + (f"{seconds:.2f}" if seconds is not None else record.get("status", "–"))
                + " | "
                + (f"{seconds / zcs:.2f}×" if seconds is not None and zcs else "–")
                + " | "
                + (f"{peak / 1e9:.3f}" if peak else "–")
                + f" | {paper_s} | {paper_gb} |"
            )
    return "\n".join(lines) + "\n"


def _seconds(record: dict | None) -> float | None:
    """Seconds per 1000 steps: the median step's milliseconds."""
    if not record or record.get("status") != "ok":
        return None
    return record["time_ms"]


if __name__ == "__main__":
    raise SystemExit(main())
