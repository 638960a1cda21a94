"""pdecomp against the residual a user would write by hand, in paired rounds.

    python -m benchmarks.exact [--quick] [--rows NAME,...] [--out DIR]

Input: the rows below (a problem, a network and sizes, pdecomp's methods and the
hand-written reference). Output: ``exact.md`` and ``exact.json`` in ``--out`` (default
``benchmarks/results``): per row and method the CPU time of one training step (residual
-> mean-square loss -> gradients w.r.t. the weights), its ratio to the reference, and the
memory (torch: bytes autograd saves during a step; JAX: the compiled step's temp bytes).

Each row runs in its own subprocess; its methods are built there and stepped in turn,
round after round, reversing the order each round, one thread, float32. The ratio is the
median over rounds of (method / reference) in the same round, so load from other jobs on
the machine cancels out of it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "benchmarks" / "problems"


@dataclasses.dataclass(frozen=True)
class Row:
    """One comparison: pdecomp's methods and the hand-written reference on one problem."""

    name: str
    title: str
    backend: str
    problem: str  # a .pde file in benchmarks/problems
    network: str  # "deeponet" or "pinn"
    sizes: tuple  # (M, N) for a DeepONet, (N,) for a PINN
    methods: tuple
    reference: str  # a function of benchmarks.handwritten
    reference_label: str
    width: int = 64


ROWS = (
    Row(
        "rd",
        "DeepONet RD, M=50 × N=2000",
        "torch",
        "reaction_diffusion",
        "deeponet",
        (50, 2000),
        ("auto", "zcs", "zcs-taylor", "deepxde"),
        "torch_reaction_diffusion",
        "hand reverse ZCS",
        128,
    ),
    Row(
        "pinn",
        "pointwise PINN, Burgers, MLP 2-64-64-64-1, N=5000",
        "torch",
        "burgers",
        "pinn",
        (5000,),
        ("auto", "zcs", "pointwise", "funcloop", "zcs-fwd", "zcs-taylor"),
        "torch_burgers_pinn",
        "per-point autograd",
    ),
    Row(
        "pinn-jax",
        "same PINN, JAX, jit(value_and_grad)",
        "jax",
        "burgers",
        "pinn",
        (5000,),
        ("auto", "zcs", "zcs-fwd"),
        "jax_burgers_pinn",
        "vmap of per-point grad",
    ),
    Row(
        "plate",
        "plate D lap(lap(w)), DeepONet M=20 × N=1000",
        "torch",
        "plate",
        "deeponet",
        (20, 1000),
        ("auto", "zcs", "zcs-taylor", "zcs-unfused"),
        "torch_plate",
        "hand reverse ZCS",
        128,
    ),
    Row(
        "plate-jax",
        "same plate, JAX, jit(value_and_grad)",
        "jax",
        "plate",
        "deeponet",
        (20, 1000),
        ("auto", "zcs", "zcs-fwd", "zcs-taylor"),
        "jax_plate",
        "hand reverse ZCS",
        128,
    ),
    Row(
        "ks",
        "Kuramoto-Sivashinsky PINN, MLP 2-64-64-64-1, N=2000",
        "torch",
        "ks",
        "pinn",
        (2000,),
        ("auto", "zcs", "pointwise", "zcs-taylor"),
        "torch_ks_zcs",
        "hand reverse ZCS",
    ),
    Row(
        "beam",
        "Euler-beam PINN, MLP 1-64-64-64-1, N=2000",
        "torch",
        "beam",
        "pinn",
        (2000,),
        ("auto", "zcs", "pointwise", "zcs-taylor"),
        "torch_beam_zcs",
        "hand reverse ZCS",
    ),
)
QUICK_SIZES = {"deeponet": (3, 40), "pinn": (40,)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.exact", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a few rounds")
    parser.add_argument("--rows", default="", help="comma-separated row names (default all)")
    parser.add_argument("--rounds", type=int, default=0, help="paired rounds (default 15)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a row, in this process
    args = parser.parse_args(argv)
    rounds = args.rounds or (2 if args.quick else 15)
    if args.one:
        row = next(r for r in ROWS if r.name == args.one)
        print(json.dumps(measure_row(row, args.quick, rounds)))
        return 0
    chosen = [r for r in ROWS if not args.rows or r.name in args.rows.split(",")]
    start, results = time.perf_counter(), []
    for row in chosen:
        command = [sys.executable, "-m", "benchmarks.exact", "--one", row.name]
        command += ["--rounds", str(rounds)] + (["--quick"] if args.quick else [])
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
        if done.returncode:
            results.append({"row": row.name, "error": done.stderr.strip()[-400:]})
        else:
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"{row.name}: done", file=sys.stderr)
    machine = {
        "python": platform.python_version(),
        "wall_min": (time.perf_counter() - start) / 60,
        "quick": args.quick,
        "rounds": rounds,
        "load": os.getloadavg()[0],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    record = {"rows": results, "machine": machine}
    (args.out / "exact.json").write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    (args.out / "exact.md").write_text(report(record), encoding="utf-8")
    print(f"wrote {args.out / 'exact.md'}")
    return 0


def measure_row(row: Row, quick: bool, rounds: int) -> dict:
    """Paired step times and memory of a row's methods and its reference (this process)."""
    sizes = QUICK_SIZES[row.network] if quick else row.sizes
    steps, info = build_steps(row, sizes)
    for step in steps.values():
        step()
        step()
    times = {k: [] for k in steps}
    order = list(steps)
    for r in range(rounds):
        for key in order if r % 2 == 0 else order[::-1]:
            clock = time.process_time()
            steps[key]()
            times[key].append(time.process_time() - clock)
    ref = times["reference"]
    out = {"row": row.name, "sizes": list(sizes), "methods": {}}
    for key, values in times.items():
        out["methods"][key] = {
            "cpu_ms": 1e3 * statistics.median(values),
            "ratio": statistics.median(v / r for v, r in zip(values, ref)),
            "memory_bytes": info[key]["memory"](steps[key]),
            "resolved": info[key].get("resolved"),
        }
    return out


def build_steps(row: Row, sizes: tuple):
    if row.backend == "torch":
        return _torch_steps(row, sizes)
    return _jax_steps(row, sizes)


def _data(row: Row, sizes: tuple, n_coords: int):
    rng = np.random.default_rng(0)
    n = sizes[-1]
    coords = [rng.uniform(0.0, 1.0, n).astype(np.float32) for _ in range(n_coords)]
    inputs = {
        name: rng.standard_normal(_shape(row, sizes)).astype(np.float32) for name in _inputs(row)
    }
    return coords, inputs


def _shape(row: Row, sizes: tuple) -> tuple:
    return tuple(sizes) if row.network == "deeponet" else (sizes[0],)


def _system(row: Row):
    import pdecomp

    return pdecomp.load(PROBLEMS / f"{row.problem}.pde")


def _inputs(row: Row) -> tuple:
    return _system(row).inputs


def _compiled(row: Row, backend: str, method: str):
    import pdecomp

    if method == "zcs-unfused":  # zcs with one pass w.r.t. a per derivative field
        from pdecomp import fusion

        saved, fusion.ENABLED = fusion.ENABLED, False
        try:
            return pdecomp.compile(_system(row), backend=backend, method="zcs")
        finally:
            fusion.ENABLED = saved
    return pdecomp.compile(_system(row), backend=backend, method=method)


def _torch_steps(row: Row, sizes: tuple):
    import torch

    from benchmarks import handwritten, models
    from benchmarks.measure import saved_tensor_bytes

    torch.set_num_threads(1)
    system = _system(row)
    n_coords = len(system.coords)
    coords, inputs = _data(row, sizes, n_coords)
    coords = [torch.from_numpy(c) for c in coords]
    inputs = {k: torch.from_numpy(v) for k, v in inputs.items()}
    if row.network == "deeponet":
        weights = models.deeponet_weights(n_coords, 1, 0)
        model = models.torch_deeponet(weights, models.branch_inputs(sizes[0]))
    else:
        weights = {
            "mlp": models.init_weights([n_coords] + [row.width] * 3 + [1], np.random.default_rng(0))
        }
        model = models.torch_pinn(weights)
    parameters = list(model.parameters())
    hand = getattr(handwritten, row.reference)
    residuals = {"reference": lambda: hand(model, *coords, *inputs.values())}
    info = {"reference": {}}
    for method in row.methods:
        if method == "deepxde":  # DeepXDE's own ZCS on its DeepONet with the same weights
            residuals[method], parameters_of = _deepxde(row, weights, sizes, coords, inputs)
            parameters += parameters_of
            info[method] = {"resolved": "deepxde.zcs"}
            continue
        pde = _compiled(row, "torch", method)
        residuals[method] = lambda pde=pde: pde.residual("interior", model, *coords, **inputs)
        info[method] = {"resolved": pde.method}

    def stepper(residual):
        def step():
            for p in parameters:
                p.grad = None
            (residual() ** 2).mean().backward()

        return step

    for key in info:
        info[key]["memory"] = saved_tensor_bytes
    return {k: stepper(f) for k, f in residuals.items()}, info


def _deepxde(row: Row, weights, sizes, coords, inputs):
    """DeepXDE's ``deepxde.zcs`` residual (pytorch backend) and its network's parameters."""
    os.environ["DDE_BACKEND"] = "pytorch"
    import torch

    from benchmarks import deepxde_zcs, models

    net = models.deepxde_deeponet(weights)
    sensors = torch.from_numpy(models.branch_inputs(sizes[0]))
    fn = deepxde_zcs.RESIDUALS[row.problem]
    return (lambda: fn(net, sensors, coords, inputs)[0]), list(net.parameters())


def _jax_steps(row: Row, sizes: tuple):
    os.environ["JAX_PLATFORMS"] = "cpu"
    os.environ.setdefault(
        "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    )
    import jax
    import jax.numpy as jnp

    from benchmarks import handwritten, models

    system = _system(row)
    n_coords = len(system.coords)
    coords, inputs = _data(row, sizes, n_coords)
    coords = tuple(jnp.asarray(c) for c in coords)
    inputs = {k: jnp.asarray(v) for k, v in inputs.items()}
    if row.network == "deeponet":
        params = models.jax_params(models.deeponet_weights(n_coords, 1, 0))
        sensors = jnp.asarray(models.branch_inputs(sizes[0]))

        def make(p):
            return models.jax_deeponet(p, sensors)
    else:
        weights = {
            "mlp": models.init_weights([n_coords] + [row.width] * 3 + [1], np.random.default_rng(0))
        }
        params = models.jax_params(weights)
        make = models.jax_pinn
    hand = getattr(handwritten, row.reference)
    residuals = {"reference": lambda model: hand(model, *coords, *inputs.values())}
    info = {"reference": {}}
    for method in row.methods:
        pde = _compiled(row, "jax", method)
        residuals[method] = lambda model, pde=pde: pde.residual(
            "interior", model, *coords, **inputs
        )
        info[method] = {"resolved": pde.method}
    steps = {}
    for key, residual in residuals.items():

        def loss(p, residual=residual):
            return jnp.mean(residual(make(p)) ** 2)

        compiled = jax.jit(jax.value_and_grad(loss)).lower(params).compile()
        analysis = compiled.memory_analysis()
        temp = int(analysis.temp_size_in_bytes) if analysis is not None else None
        info[key]["memory"] = lambda step, temp=temp: temp
        steps[key] = lambda compiled=compiled: jax.block_until_ready(compiled(params))
    return steps, info


def report(record: dict) -> str:
    """The markdown table of one run."""
    rows = {r.name: r for r in ROWS}
    m = record["machine"]
    lines = [
        "# pdecomp against hand-written residuals (paired rounds)",
        "",
        f"_CPU time of one training step, one thread, float32, median over {m['rounds']} "
        "paired rounds of the ratio to the reference in the same round; measured on a "
        "2-core CPU shared with other jobs (load average "
        f"{m['load']:.1f} at the end; CPU time and pairing keep the ratios, not the "
        f"absolute times, trustworthy); {m['wall_min']:.1f} min wall, Python "
        f"{m['python']}{', quick mode (tiny sizes)' if m['quick'] else ''}._",
        "",
        "| case | method | resolves to | CPU ms | ÷ reference | memory MiB | reference |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in record["rows"]:
        row = rows[result["row"]]
        if "error" in result:
            lines.append(f"| {row.title} | error | | | | | {result['error'][:80]} |")
            continue
        for key, value in result["methods"].items():
            label = row.reference_label if key == "reference" else key
            memory = value["memory_bytes"]
            mem = f"{memory / 2**20:.1f}" if memory is not None else "–"
            lines.append(
                f"| {row.title} ({row.backend}) | {label} | {value['resolved'] or '–'} | "
                f"{value['cpu_ms']:.1f} | {value['ratio']:.2f}× | {mem} | "
                f"{row.reference_label} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
