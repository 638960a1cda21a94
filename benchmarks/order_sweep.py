"""Cost against derivative order: ``d(u, x, P) + d(u, y, P) = 0`` for P = 1 ... 9.

    python -m benchmarks.order_sweep [--quick] [--cap S] [--out DIR]

Input: the orders, a per-step time cap and the methods of each backend. Output:
``order-sweep.md``, ``order-sweep.json`` and ``order-sweep.png`` in ``--out`` (default
``benchmarks/results``): per backend, method and P the CPU time of one training step
(residual -> mean-square loss -> gradients w.r.t. the weights; median of 3 after one
warm-up step), the memory (torch: bytes autograd saves during a step; JAX: the compiled
step's temp bytes) and, for JAX, the trace + compile time.

The network is the benchmark DeepONet (branch and trunk MLPs 128 wide, tanh) on M=4
functions × N=200 points, float32, one thread. Each (backend, method) runs its orders in
one subprocess, in increasing P (torch's and JAX's methods run side by side, records go
to ``order-sweep.partial.jsonl`` as they come); once a step takes longer than the cap
(``--cap`` seconds) or a JAX compilation longer than 60 s, the higher orders of that
method are marked "over the cap" and not run. A subprocess that runs out of memory or
past its time limit (``--limit``) is marked as such.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
ORDERS = tuple(range(1, 10))
METHODS = {
    "torch": ("zcs", "zcs-fwd", "zcs-taylor", "funcloop", "datavect"),
    "jax": ("zcs", "zcs-fwd", "zcs-taylor", "datavect"),
}
COMPILE_CAP = 60.0  # seconds of JAX trace + compile past which a method stops
TEMPLATE = "pde order{p}\ncoords x, y\nfields u\neq interior: d(u, x, {p}) + d(u, y, {p}) = 0\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.order_sweep", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="orders 1-2, tiny sizes")
    parser.add_argument("--cap", type=float, default=8.0, help="seconds per step")
    parser.add_argument("--limit", type=float, default=420.0, help="seconds per subprocess")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--one", nargs=2, help=argparse.SUPPRESS)  # backend method
    parser.add_argument(
        "--report-only", type=Path, metavar="JSONL", help="tables and plot from saved records"
    )
    args = parser.parse_args(argv)
    sizes, orders = ((2, 16), (1, 2)) if args.quick else ((4, 200), ORDERS)
    if args.report_only:
        lines = args.report_only.read_text(encoding="utf-8").splitlines()
        records = sorted(
            (json.loads(s) for s in lines if s.strip()),
            key=lambda r: (list(METHODS).index(r["backend"]), r["method"], r["P"]),
        )
        machine = {"wall_min": float("nan"), "load": os.getloadavg()[0], "sizes": sizes}
        _write(
            {"records": records, "machine": {**machine, "cap_s": args.cap, "quick": False}},
            args.out,
        )
        return 0
    if args.one:
        for line in run_method(*args.one, sizes, orders, args.cap):
            print(json.dumps(line), flush=True)
        return 0
    start, records = time.perf_counter(), []
    args.out.mkdir(parents=True, exist_ok=True)
    partial = args.out / "order-sweep.partial.jsonl"  # records as they come
    partial.write_text("", encoding="utf-8")

    def backend_group(backend):  # the two backends run side by side, methods in turn
        for method in METHODS[backend]:
            lines = _subprocess(backend, method, args, orders)
            records.extend(lines)
            with partial.open("a", encoding="utf-8") as out:
                out.writelines(json.dumps(r) + "\n" for r in lines)
            print(f"{backend} {method}: done", file=sys.stderr)

    threads = [threading.Thread(target=backend_group, args=(b,)) for b in METHODS]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records.sort(key=lambda r: (list(METHODS).index(r["backend"]), r["method"], r["P"]))
    machine = {
        "wall_min": (time.perf_counter() - start) / 60,
        "load": os.getloadavg()[0],
        "sizes": sizes,
        "cap_s": args.cap,
        "quick": args.quick,
    }
    _write({"records": records, "machine": machine}, args.out)
    return 0


def _write(record: dict, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "order-sweep.json").write_text(json.dumps(record, indent=1) + "\n", "utf-8")
    (out / "order-sweep.md").write_text(report(record), encoding="utf-8")
    plot(record, out / "order-sweep.png")
    print(f"wrote {out / 'order-sweep.md'}")


def _subprocess(backend, method, args, orders) -> list[dict]:
    command = [sys.executable, "-m", "benchmarks.order_sweep", "--one", backend, method]
    command += ["--cap", str(args.cap)] + (["--quick"] if args.quick else [])
    try:
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=args.limit)
        out, status = done.stdout, None if done.returncode == 0 else f"exit {done.returncode}"
    except subprocess.TimeoutExpired as error:
        out, status = (error.stdout or b"").decode(), f"time limit ({args.limit:.0f} s)"
    lines = [json.loads(s) for s in out.splitlines() if s.startswith("{")]
    seen = {r["P"] for r in lines}
    if status and len(seen) < len(orders):  # the order that was running when it stopped
        p = min(set(orders) - seen)
        lines.append({"backend": backend, "method": method, "P": p, "status": status})
        lines += [
            {"backend": backend, "method": method, "P": q, "status": "not run"}
            for q in orders
            if q > p
        ]
    return lines


def run_method(backend, method, sizes, orders, cap):
    """One record per order: measured, or over the cap once a lower order exceeded it."""
    over = False
    for p in orders:
        base = {"backend": backend, "method": method, "P": p}
        if over:
            yield {**base, "status": "over the cap"}
            continue
        try:
            result = _measure(backend, method, p, sizes)
        except Exception as error:  # recorded, not fatal
            result = {"status": f"error: {type(error).__name__}: {error}"[:200]}
        yield {**base, **result}
        slow = result.get("cpu_ms", 0) / 1e3 > cap or result.get("compile_s", 0) > COMPILE_CAP
        over = result.get("status") != "ok" or slow


def _measure(backend, method, p, sizes) -> dict:
    import pdecomp
    from benchmarks import models

    m, n = sizes
    pde = pdecomp.compile(pdecomp.loads(TEMPLATE.format(p=p)), backend=backend, method=method)
    rng = np.random.default_rng(0)
    coords = [rng.uniform(0.0, 1.0, n).astype(np.float32) for _ in range(2)]
    weights = models.deeponet_weights(2, 1, 0)
    sensors = models.branch_inputs(m)
    if backend == "torch":
        import torch

        from benchmarks.measure import saved_tensor_bytes

        torch.set_num_threads(1)
        model = models.torch_deeponet(weights, sensors)
        xs = [torch.from_numpy(c) for c in coords]

        def step():
            model.zero_grad(set_to_none=True)
            (pde.residual("interior", model, *xs) ** 2).mean().backward()

        extra, memory = {}, None
    else:
        os.environ["JAX_PLATFORMS"] = "cpu"
        import jax
        import jax.numpy as jnp

        params = models.jax_params(weights)
        branch, xs = jnp.asarray(sensors), tuple(jnp.asarray(c) for c in coords)

        def loss(params):
            model = models.jax_deeponet(params, branch)
            return jnp.mean(pde.residual("interior", model, *xs) ** 2)

        begin = time.perf_counter()
        compiled = jax.jit(jax.value_and_grad(loss)).lower(params).compile()
        extra = {"compile_s": time.perf_counter() - begin}
        analysis = compiled.memory_analysis()
        memory = int(analysis.temp_size_in_bytes) if analysis is not None else None

        def step():
            jax.block_until_ready(compiled(params))

    step()
    cpu = []
    for _ in range(3):
        clock = time.process_time()
        step()
        cpu.append(time.process_time() - clock)
    if backend == "torch":
        memory = saved_tensor_bytes(step)
    return {"status": "ok", "cpu_ms": 1e3 * statistics.median(cpu), "memory_bytes": memory, **extra}


def _cells(record) -> tuple[str, str]:
    if record.get("status") != "ok":
        return (record.get("status", "?"),) * 2
    return f"{record['cpu_ms']:.4g}", f"{record['memory_bytes'] / 2**20:.4g}"


def report(record: dict) -> str:
    m = record["machine"]
    rows = {}
    for r in record["records"]:
        rows.setdefault((r["backend"], r["method"]), {})[r["P"]] = r
    orders = sorted({r["P"] for r in record["records"]})
    head = "| backend | method | " + " | ".join(f"P={p}" for p in orders) + " |"
    rule = "|---|---|" + "---|" * len(orders)
    lines = [
        "# Cost against derivative order: d(u, x, P) + d(u, y, P) = 0",
        "",
        f"_DeepONet (128 wide) on M={m['sizes'][0]} × N={m['sizes'][1]} points, float32, "
        f"one thread, CPU time of one training step (median of 3); a method stops once a "
        f"step takes more than {m['cap_s']:g} s or a JAX compilation {COMPILE_CAP:g} s. "
        f"Shared 2-core CPU (load average {m['load']:.1f} at the end); "
        f"{m['wall_min']:.1f} min wall._",
    ]
    for title, index in (
        ("CPU ms per step", 0),
        ("memory MiB (torch: saved tensors; JAX: XLA temp)", 1),
    ):
        lines += ["", f"## {title}", "", head, rule]
        for (backend, method), by_p in rows.items():
            cells = [_cells(by_p[p])[index] if p in by_p else "" for p in orders]
            lines.append(f"| {backend} | {method} | " + " | ".join(cells) + " |")
    compile_rows = [(k, v) for k, v in rows.items() if k[0] == "jax"]
    lines += ["", "## JAX trace + compile, s", "", head, rule]
    for (backend, method), by_p in compile_rows:
        cells = [
            f"{by_p[p]['compile_s']:.3g}" if p in by_p and "compile_s" in by_p[p] else ""
            for p in orders
        ]
        lines.append(f"| {backend} | {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(record: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    series = {}
    for r in record["records"]:
        if r.get("status") == "ok":
            series.setdefault(f"{r['backend']} {r['method']}", []).append(r)
    for label, points in series.items():
        points.sort(key=lambda r: r["P"])
        ps = [r["P"] for r in points]
        style = "-o" if label.startswith("torch") else "--s"
        axes[0].plot(ps, [r["cpu_ms"] for r in points], style, label=label)
        axes[1].plot(ps, [r["memory_bytes"] / 2**20 for r in points], style, label=label)
    for ax, ylabel in zip(axes, ("CPU ms per training step", "memory MiB")):
        ax.set(xlabel="derivative order P", ylabel=ylabel, yscale="log")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("d(u, x, P) + d(u, y, P) = 0: cost against order (missing points: over the cap)")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main())
