"""Run the benchmark suite: ``python -m benchmarks.run [--quick] [--device cpu|cuda] [--out DIR]``.

Input: the mode. Output: ``results.json`` (every record) and the tables and plots of
:mod:`benchmarks.report` in ``--out`` (default ``benchmarks/results``).

Every case runs in a fresh subprocess (``python -m benchmarks.measure``), one at a time,
with a time limit; a case that fails, runs out of memory or time is recorded as such
and the suite goes on. ``--quick`` runs tiny sizes, few repeats and fewer methods, and
measures all cases of one backend in one subprocess, to finish in under a minute (its
numbers only show that everything runs).
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import report
from benchmarks.cases import FULL, QUICK, Case, Sizes, pair_groups, suite

ROOT = Path(__file__).resolve().parent.parent
CASE_TIMEOUT_S = 300  # one case (full mode)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, under a minute")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--timeout", type=float, default=CASE_TIMEOUT_S, help="seconds per case")
    parser.add_argument(
        "--report-only",
        type=Path,
        metavar="JSON",
        help="only redraw the tables from a results.json",
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    if args.report_only:
        results = json.loads(args.report_only.read_text(encoding="utf-8"))
        for path in report.write_all(results, sizes, args.out, results["machine"], args.device):
            print(f"wrote {path}")
        return 0
    cases = suite(sizes)
    start = time.perf_counter()
    if args.quick:
        records = run_grouped(cases, sizes, args.device, args.timeout)
    else:
        records = [
            run_one(case, sizes, args.device, args.timeout, i, len(cases))
            for i, case in enumerate(cases, 1)
        ]
    paired = run_pairs(pair_groups(sizes), sizes, args.device, args.timeout)
    elapsed = time.perf_counter() - start
    args.out.mkdir(parents=True, exist_ok=True)
    prefix = "gpu-" if args.device == "cuda" else ""
    machine = describe_machine(args.device, args.quick, elapsed, len(cases), len(paired))
    results = {"cases": records, "paired": paired, "machine": machine}
    (args.out / f"{prefix}results.json").write_text(
        json.dumps(results, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    for path in report.write_all(results, sizes, args.out, machine, args.device):
        print(f"wrote {path}")
    return 0


def _payload(cases: list[Case], sizes: Sizes, device: str, paired: bool = False) -> str:
    return json.dumps(
        [
            {
                "problem": c.problem,
                "backend": c.backend,
                "method": c.method,
                "M": c.M,
                "N": c.N,
                "device": device,
                "warmup": sizes.warmup,
                "repeats": sizes.pair_rounds if paired else sizes.repeats,
                "budget_s": sizes.pair_budget_s if paired else sizes.budget_s,
            }
            for c in cases
        ]
    )


def _measure(
    cases: list[Case], sizes: Sizes, device: str, timeout: float, paired: bool = False
) -> list[dict]:
    """Run ``cases`` in one fresh subprocess; a record per case, failures included."""
    command = [sys.executable, "-m", "benchmarks.measure"]
    command += ["--paired"] if paired else []
    command += [_payload(cases, sizes, device, paired)]
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
        stdout, failure = (
            done.stdout,
            (None if done.returncode == 0 else _failure(done.returncode, done.stderr)),
        )
    except subprocess.TimeoutExpired as error:
        stdout = error.stdout.decode() if isinstance(error.stdout, bytes) else (error.stdout or "")
        failure = f"timeout: over {timeout:.0f} s (compile + warm-up + steps)"
    records = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    done_keys = {(r["problem"], r["backend"], r["method"], r["M"], r["N"]) for r in records}
    for case in cases:
        if case.key not in done_keys:
            records.append(
                {**json.loads(_payload([case], sizes, device))[0], "status": failure or "no result"}
            )
    return records


def _failure(code: int, stderr: str) -> str:
    tail = stderr.strip().splitlines()[-1:] or [""]
    reason = "killed (out of memory?)" if code < 0 else f"exit {code}"
    return f"failed: {reason} {tail[0]}"[:300]


def run_one(case: Case, sizes: Sizes, device: str, timeout: float, i: int, total: int) -> dict:
    start = time.perf_counter()
    (record,) = _measure([case], sizes, device, timeout)
    ok = record.get("status") == "ok"
    shown = (
        f"{record['cpu_ms']:.1f} ms CPU, {record['time_ms']:.1f} ms wall"
        if ok
        else record["status"]
    )
    print(
        f"[{i}/{total}] {case.problem} {case.backend} {case.method} M={case.M} N={case.N}: "
        f"{shown} ({time.perf_counter() - start:.0f} s)",
        flush=True,
    )
    return record


def run_pairs(groups: list[list[Case]], sizes: Sizes, device: str, timeout: float) -> list:
    """Each paired group in one fresh subprocess: interleaved step times."""
    records = []
    for group in groups:
        start = time.perf_counter()
        mine = _measure(group, sizes, device, timeout * 2, paired=True)
        shown = ", ".join(
            f"{r['method']} {r['paired_cpu_ms']:.1f} ms CPU"
            if "paired_ms" in r
            else f"{r['method']} {r['status']}"
            for r in mine
        )
        print(
            f"[paired] {group[0].problem} {group[0].backend}: {shown} "
            f"({time.perf_counter() - start:.0f} s)",
            flush=True,
        )
        records += mine
    return records


def run_grouped(cases: list[Case], sizes: Sizes, device: str, timeout: float) -> list[dict]:
    """Quick mode: one subprocess per backend."""
    records = []
    for backend in ("torch", "jax"):
        mine = [c for c in cases if c.backend == backend]
        records += _measure(mine, sizes, device, timeout * len(mine))
        print(f"{backend}: {len(mine)} cases", flush=True)
    return records


def describe_machine(device: str, quick: bool, elapsed: float, count: int, pairs: int) -> str:
    """One line for every table: where and how the numbers were taken."""
    import importlib.metadata as metadata

    versions = []
    for name in ("torch", "jax", "deepxde"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} not installed")
    where = (
        "a CUDA GPU (see gpu-results.json)"
        if device == "cuda"
        else "a shared 2-core CPU (other jobs were running; 1 thread per framework)"
    )
    mode = "quick mode: tiny sizes, numbers only show that it runs" if quick else "full mode"
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (children.ru_utime + children.ru_stime) / 60
    return (
        f"_Measured on {where}, float32, {platform.python_implementation()} "
        f"{platform.python_version()}, {', '.join(versions)}; {mode}; {count} cases, each in "
        f"a fresh subprocess{' per backend' if quick else ''}, and {pairs} interleaved "
        f"timings; {elapsed / 60:.1f} min wall, {cpu:.1f} min CPU._"
    )


if __name__ == "__main__":
    sys.exit(main())
