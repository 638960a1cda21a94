"""Time per training step of DeepXDE's own examples: DeepXDE's residual code against
pdecomp's residuals through ``pdecomp.deepxde``, side by side.

Input: none (examples/deepxde_problems.py builds the Burgers PINN, the Euler beam with
its two OperatorBCs and the ZCS diffusion-reaction DeepONet, at the examples' sizes).
Output: ``benchmarks/results/deepxde_adapter.md``.

Both routes of a problem are built from one seed and trained in turn through
``dde.Model.train`` (Adam, float64, CPU, one compute thread), ``steps`` steps per call,
alternating which goes first each round (paired, interleaved rounds); the time per step
is the median over rounds of the process CPU time per step (wall time alongside).

    python -m benchmarks.deepxde_adapter [--quick] [--rounds 12] [--steps 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from benchmarks.tables import table

OUT = Path(__file__).resolve().parent / "results"
SIZES = {  # the examples' own sizes; quick: tiny
    "burgers": ({}, dict(domain=96, width=12)),
    "beam": ({}, {}),
    "diffusion_reaction": ({}, dict(functions=8, batch=4, width=16)),
}
LABELS = {
    "burgers": "Burgers PINN (TimePDE, 2540+80+160 points, FNN 2-20-20-20-1)",
    "beam": "Euler beam (PDE, 10+2 points, 2 OperatorBCs, FNN 1-20-20-20-1)",
    "diffusion_reaction": "diffusion-reaction ZCS DeepONet (50 functions x 260 points, width 128)",
}


def run(quick: bool, rounds: int, steps: int) -> list[list[str]]:
    import torch

    torch.set_num_threads(1)
    from examples import deepxde_problems as problems

    rows = []
    for name, build in problems.PROBLEMS.items():
        sizes = SIZES[name][1 if quick else 0]
        models = {route: build(route, seed=0, **sizes) for route in problems.ROUTES}
        cpu = {route: [] for route in models}
        wall = {route: [] for route in models}
        for model in models.values():  # warm-up
            model.train(iterations=2, display_every=2, verbose=0)
        for r in range(rounds):
            order = list(models) if r % 2 == 0 else list(models)[::-1]
            for route in order:
                c0, w0 = time.process_time(), time.perf_counter()
                models[route].train(iterations=steps, display_every=steps, verbose=0)
                cpu[route].append((time.process_time() - c0) / steps)
                wall[route].append((time.perf_counter() - w0) / steps)
        ratios = [a / b for a, b in zip(cpu["pdecomp"], cpu["deepxde"])]
        theirs, ours = (statistics.median(cpu[r]) * 1e3 for r in ("deepxde", "pdecomp"))
        rows.append(
            [
                LABELS[name] if not quick else name,
                f"{theirs:.2f}",
                f"{ours:.2f}",
                f"{statistics.median(ratios):.3f}x",
                f"{min(ratios):.3f}-{max(ratios):.3f}",
                f"{statistics.median(wall['deepxde']) * 1e3:.2f}",
                f"{statistics.median(wall['pdecomp']) * 1e3:.2f}",
            ]
        )
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    rows = run(args.quick, args.rounds, args.steps)
    text = "\n".join(
        [
            "# DeepXDE's examples: DeepXDE's residual code vs pdecomp.deepxde",
            "",
            f"Time per `dde.Model.train` step (Adam, float64, CPU, 1 thread): median of "
            f"{args.rounds} paired, interleaved rounds of {args.steps} steps each, under "
            "shared load (read the ratios). `ratio`: pdecomp / DeepXDE, per round.",
            "",
            table(
                [
                    "problem",
                    "DeepXDE CPU ms",
                    "pdecomp CPU ms",
                    "ratio (median)",
                    "ratio (range)",
                    "DeepXDE wall ms",
                    "pdecomp wall ms",
                ],
                rows,
            ),
            "",
        ]
    )
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "deepxde_adapter.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
