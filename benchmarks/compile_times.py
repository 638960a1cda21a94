"""What ``torch.compile`` and ``jax.jit`` cost and give on pdecomp's residuals.

Input: none (a Burgers PINN for torch; generated systems of derivative order 1-6 and
1-4 fields for JAX). Output: ``benchmarks/results/compile_times.md``, two tables.

torch: one residual evaluation (``create_graph=False``) and one training step (loss,
backward, Adam) of a Burgers PINN, eager against ``torch.compile`` (inductor), for the
methods ``zcs`` (reverse mode) and ``zcs-fwd`` (forward mode, ``torch.func.jvp``). The
variants are built in one process and stepped in turn, reversing the order each round
(paired, interleaved rounds); times are medians. A variant that fails reports torch's
own error. JAX: tracing + XLA compilation of ``jax.jit(jax.value_and_grad(loss))``
(``.lower().compile()``), for each derivative order and number of fields.

    python -m benchmarks.compile_times [--quick] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pdecomp
from benchmarks.tables import table

ROOT = Path(__file__).resolve().parent
BURGERS = ROOT.parent / "examples" / "burgers.pde"


def _mlp(torch, width, depth, inputs=2):
    layers, size = [], inputs
    for _ in range(depth):
        layers += [torch.nn.Linear(size, width), torch.nn.Tanh()]
        size = width
    return torch.nn.Sequential(*layers, torch.nn.Linear(size, 1))


def torch_variants(points: int, width: int):
    """name -> (kind, setup() -> call); each call is one residual or one training step."""
    import torch

    torch.set_default_dtype(torch.float64)
    g = torch.Generator().manual_seed(0)
    x = torch.rand(points, generator=g) * 2 - 1
    t = torch.rand(points, generator=g)
    variants = {}
    for method in ("zcs", "zcs-fwd"):
        pde = pdecomp.compile(BURGERS, method=method)
        for compiled in ("eager", "whole function", "model only"):
            for kind in ("residual", "train step"):
                variants[(method, compiled, kind)] = _torch_case(
                    torch, pde, method, compiled, kind, x, t, width
                )
    return variants


def _torch_case(torch, pde, method, compiled, kind, x, t, width):
    torch.manual_seed(0)
    net = _mlp(torch, width, 3)
    body = torch.compile(net) if compiled == "model only" else net

    def model(x, t):
        return body(torch.stack([x, t], -1)).squeeze(-1)

    if kind == "residual":

        def fn():
            return pde.residual("burgers", model, x, t, create_graph=False)

        fn = torch.compile(fn) if compiled == "whole function" else fn
        return lambda: fn()
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)

    def loss():
        return pde.residual("burgers", model, x, t).pow(2).mean()

    loss = torch.compile(loss) if compiled == "whole function" else loss

    def step():
        optimizer.zero_grad()
        value = loss()
        value.backward()
        optimizer.step()
        return value

    return step


def run_torch(points: int, width: int, rounds: int) -> list[list[str]]:
    variants = torch_variants(points, width)
    first, errors, times = {}, {}, {k: [] for k in variants}
    for key, call in variants.items():  # the first call compiles
        start = time.perf_counter()
        try:
            call()
            first[key] = time.perf_counter() - start
        except RuntimeError as error:
            errors[key] = str(error).splitlines()[0]
    alive = [k for k in variants if k not in errors]
    for r in range(rounds):
        for key in alive if r % 2 == 0 else alive[::-1]:
            start = time.perf_counter()
            variants[key]()
            times[key].append(time.perf_counter() - start)
    rows = []
    for key in variants:
        method, compiled, kind = key
        if key in errors:
            rows.append([method, kind, compiled, "fails", "-", "-", "-", f"`{errors[key]}`"])
            continue
        ms = statistics.median(times[key]) * 1e3
        base = statistics.median(times[(method, "eager", kind)]) * 1e3
        default = statistics.median(times[("zcs", "eager", kind)]) * 1e3
        rows.append(
            [
                method,
                kind,
                compiled,
                f"{ms:.2f}",
                f"{ms / base:.2f}x",
                f"{ms / default:.2f}x",
                f"{first[key]:.1f}",
                "",
            ]
        )
    return rows


def _system(order: int, fields: int) -> str:
    """Fields u1..uF in (x, t); each equation reads d^order/dx^order and a coupling."""
    lines = ["pde bench", "coords x, t", "fields " + ", ".join(f"u{i}" for i in range(fields))]
    for i in range(fields):
        dx = f"u{i}"
        for _ in range(order):
            dx = f"dx({dx})"
        lines.append(f"eq e{i}: dt(u{i}) = {dx} + u{(i + 1) % fields}*u{i}")
    return "\n".join(lines) + "\n"


def run_jax(orders, field_counts, methods, points: int, width: int) -> list[list[str]]:
    import jax
    import jax.numpy as jnp

    jax.config.update("jax_enable_x64", True)
    rows = []
    for method in methods:
        for fields in field_counts:
            row = [method, str(fields)]
            for order in orders:
                pde = pdecomp.compile(pdecomp.loads(_system(order, fields)), "jax", method)
                key = jax.random.PRNGKey(0)
                sizes = [2, width, width, width, fields]
                params = []
                for a, b in zip(sizes[:-1], sizes[1:]):
                    key, sub = jax.random.split(key)
                    params.append((jax.random.normal(sub, (a, b)) / a**0.5, jnp.zeros(b)))

                def model(params, x, t):
                    h = jnp.stack([x, t], -1)
                    for w, b in params[:-1]:
                        h = jnp.tanh(h @ w + b)
                    w, b = params[-1]
                    return h @ w + b  # (N, fields): field_axis=-1

                def loss(params, x, t, pde=pde, model=model):
                    out = pde.residuals(lambda x, t: model(params, x, t), x, t)
                    return sum(jnp.mean(r**2) for r in out.values())

                x = jnp.linspace(-1, 1, points)
                t = jnp.linspace(0, 1, points)
                start = time.perf_counter()
                jax.jit(jax.value_and_grad(loss)).lower(params, x, t).compile()
                row.append(f"{time.perf_counter() - start:.2f}")
            rows.append(row)
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (seconds)")
    parser.add_argument("--out", type=Path, default=ROOT / "results")
    args = parser.parse_args(argv)
    if args.quick:
        points, width, rounds, orders, field_counts = 64, 8, 3, (1, 2), (1,)
    else:
        points, width, rounds, orders, field_counts = 2000, 64, 30, range(1, 7), (1, 2, 4)
    torch_rows = run_torch(points, width, rounds)
    jax_rows = run_jax(orders, field_counts, ("zcs-fwd", "zcs-taylor"), points, width)
    text = "\n".join(
        [
            "# torch.compile and jax.jit on pdecomp residuals",
            "",
            f"Burgers PINN, MLP 2-{width}-{width}-{width}-1 (tanh), {points} points, float64, "
            f"CPU; median of {rounds} paired, interleaved rounds (under shared load: read "
            "the ratios). `first call` includes compilation.",
            "",
            table(
                [
                    "method",
                    "what",
                    "torch.compile",
                    "ms",
                    "vs eager",
                    "vs zcs eager",
                    "first call (s)",
                    "error",
                ],
                torch_rows,
            ),
            "",
            f"JAX: seconds to trace and compile `jit(value_and_grad(loss))`, MLP 2-{width}-"
            f"{width}-{width}-F, {points} points; columns: highest derivative order.",
            "",
            table(["method", "fields"] + [f"order {o}" for o in orders], jax_rows),
            "",
        ]
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "compile_times.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
