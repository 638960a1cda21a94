"""The cost of a training step with ``sample`` and ``loss`` against points drawn by hand.

Run: ``python -m benchmarks.sampling_step [--rounds 4] [--steps 50]`` (about a minute
on 2 CPU cores). Writes ``benchmarks/results/sampling_step.md``.

Two loops of the main example (``examples/pinn_burgers.py``, hard form: the PINN with
the initial and boundary values built in), one thread, float32, 2000 interior points:

- *by hand*: ``torch.rand`` points and ``residual("burgers")`` of Burgers without a
  domain (``tests/golden/burgers.pde``), plus the ``ic`` check at 256 points;
- *sample + loss*: ``sample`` of each equation of ``examples/burgers.pde`` (with its
  domain) and ``loss`` of ``burgers``, plus the ``ic`` and ``bc`` checks at 256 points.

They run in the same process in interleaved rounds (ABBA order), so a machine shared
with other jobs slows both alike; the table gives each round and the ratio.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

import pdecomp
from examples.pinn_burgers import PINN

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "sampling_step.md"


def by_hand(pde, model, optimizer, steps, start):
    for _ in range(start, start + steps):
        x, t, x0 = torch.rand(2000) * 2 - 1, torch.rand(2000), torch.rand(256) * 2 - 1
        loss = pde.residual("burgers", model, x, t).pow(2).mean()
        pde.residual("ic", model, x0, torch.zeros_like(x0), create_graph=False)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def sampled(pde, model, optimizer, steps, start):
    for step in range(start, start + steps):
        points = {"burgers": pde.sample("burgers", 2000, seed=step)}
        loss = pde.loss(model, points)
        for name in ("ic", "bc"):
            pde.residual(name, model, *pde.sample(name, 256, seed=step), create_graph=False)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def main(argv: list[str] | None = None) -> list[tuple[float, float]]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--steps", type=int, default=50)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    loops = {
        "by hand": (by_hand, pdecomp.compile(ROOT / "tests" / "golden" / "burgers.pde")),
        "sample + loss": (sampled, pdecomp.compile(ROOT / "examples" / "burgers.pde")),
    }
    models = {name: PINN() for name in loops}
    optimizers = {name: torch.optim.Adam(models[name].parameters(), 1e-3) for name in loops}
    rows = []
    for r in range(args.rounds):
        order = list(loops) if r % 2 == 0 else list(loops)[::-1]
        times = {}
        for name in order:
            loop, pde = loops[name]
            start = time.perf_counter()
            loop(pde, models[name], optimizers[name], args.steps, r * args.steps)
            times[name] = (time.perf_counter() - start) / args.steps
        rows.append((times["by hand"], times["sample + loss"]))
    lines = [
        "# A training step with sample and loss, against points drawn by hand",
        "",
        f"`python -m benchmarks.sampling_step --rounds {args.rounds} --steps {args.steps}`: "
        "ms per step of each loop, interleaved rounds in one process (see the script).",
        "",
        "| round | by hand | sample + loss | ratio |",
        "|---|---|---|---|",
        *(
            f"| {i + 1} | {1000 * a:.1f} | {1000 * b:.1f} | {b / a:.3f} |"
            for i, (a, b) in enumerate(rows)
        ),
        "",
        f"Median ratio: {sorted(b / a for a, b in rows)[len(rows) // 2]:.3f}.",
        "",
    ]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return rows


if __name__ == "__main__":
    main()
