"""Train a PINN for Kovasznay flow with the vector-form residual of kovasznay.pde.

    python examples/vector/pinn_kovasznay.py [--steps 3000] [--points 1000] [--out examples/output]

Steady incompressible Navier-Stokes at Re = 20 on [-0.5, 1] x [-0.5, 1.5], written as
`dot(U, grad(U)) = -grad(p) + lap(U)/Re` and `div(U) = 0`. The network returns (u, v, p);
the compiled residuals are `momentum_x`, `momentum_y` and `continuity` (and
`residual("momentum", ...)` gives the momentum pair as a tuple). The loss is the mean
square of momentum and continuity at random interior points plus the velocity on the
boundary, where it is set to the exact solution. At the end the velocity is compared with
the exact solution (the pressure is fixed only up to a constant) and a figure is written.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

import pdecomp

HERE = Path(__file__).resolve().parent
RE = 20.0
LAM = RE / 2 - np.sqrt(RE**2 / 4 + 4 * np.pi**2)
BOX = ((-0.5, 1.0), (-0.5, 1.5))


def exact(x, y):
    """Kovasznay's solution (u, v, p); works on numpy arrays and torch tensors."""
    lib = torch if isinstance(x, torch.Tensor) else np
    e = lib.exp(LAM * x)
    u = 1 - e * lib.cos(2 * np.pi * y)
    v = LAM / (2 * np.pi) * e * lib.sin(2 * np.pi * y)
    return u, v, (1 - e**2) / 2


class PINN(torch.nn.Module):
    """(u, v, p) = MLP(x, y)."""

    def __init__(self, width: int = 48, depth: int = 4):
        super().__init__()
        layers, size = [], 2
        for _ in range(depth):
            layers += [torch.nn.Linear(size, width), torch.nn.Tanh()]
            size = width
        self.net = torch.nn.Sequential(*layers, torch.nn.Linear(size, 3))

    def forward(self, x: torch.Tensor, y: torch.Tensor):
        x, y = torch.broadcast_tensors(x, y)
        return tuple(self.net(torch.stack([x, y], dim=-1)).unbind(-1))


def boundary_points(n: int, generator: torch.Generator):
    """n points on the four sides of the box, uniform along its perimeter."""
    (x0, x1), (y0, y1) = BOX
    s = torch.rand(n, generator=generator, dtype=torch.float64)
    side = torch.randint(0, 4, (n,), generator=generator)
    x = torch.where(side < 2, x0 + (x1 - x0) * s, torch.where(side == 2, x0, x1))
    y = torch.where(side < 2, torch.where(side == 0, y0, y1), y0 + (y1 - y0) * s)
    return x.double(), y.double()


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=HERE.parent / "output")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)

    pde = pdecomp.compile(HERE / "kovasznay.pde", backend="torch")
    pde.write(args.out / "kovasznay_torch.py", overwrite=True)
    model = PINN().double()
    (x0, x1), (y0, y1) = BOX
    x = x0 + (x1 - x0) * torch.rand(args.points, generator=generator, dtype=torch.float64)
    y = y0 + (y1 - y0) * torch.rand(args.points, generator=generator, dtype=torch.float64)
    xb, yb = boundary_points(args.points // 4, generator)
    ub, vb, _ = exact(xb, yb)
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(args.steps, 1))
    history, start = [], time.perf_counter()
    for step in tqdm(range(args.steps), desc="kovasznay", disable=None):
        r = pde.residuals(model, x, y, Re=RE)  # momentum_x, momentum_y, continuity
        pde_loss = sum((value**2).mean() for value in r.values())
        u, v, _ = model(xb, yb)
        bc_loss = ((u - ub) ** 2 + (v - vb) ** 2).mean()
        loss = pde_loss + 10 * bc_loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        history.append({"step": step, "pde": pde_loss.item(), "bc": bc_loss.item()})

    grid = np.meshgrid(np.linspace(x0, x1, 61), np.linspace(y0, y1, 81), indexing="xy")
    with torch.no_grad():
        u, v, _ = (t.numpy() for t in model(*map(torch.from_numpy, grid)))
    ue, ve, _ = exact(*grid)
    error = np.sqrt(((u - ue) ** 2 + (v - ve) ** 2).sum() / (ue**2 + ve**2).sum())
    result = {
        "steps": args.steps,
        "seconds": time.perf_counter() - start,
        "velocity_relative_l2_error": float(error),
    }
    (args.out / "pinn_kovasznay_history.json").write_text(json.dumps(history))
    _figure(grid, np.hypot(u, v), np.hypot(ue, ve), args.out / "pinn_kovasznay.png")
    print(json.dumps(result))
    return result


def _figure(grid, speed, reference, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 4), constrained_layout=True)
    panels = [
        (speed, "PINN |U|"),
        (reference, "exact |U|"),
        (np.abs(speed - reference), "| difference |"),
    ]
    for ax, (values, title) in zip(axes, panels):
        image = ax.pcolormesh(*grid, values, shading="auto", cmap="viridis")
        ax.set_title(title)
        ax.set_aspect("equal")
        fig.colorbar(image, ax=ax)
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
