"""Train a PINN for viscous Burgers, the whole problem stated in burgers.pde.

    python examples/pinn_burgers.py [--steps 3000] [--points 2000] [--soft] [--out examples/output]

u_t + u u_x = nu u_xx on x in [-1, 1], t in [0, 1], u(x, 0) = -sin(pi x), u(+-1, t) = 0,
nu = 0.01/pi: the file's `domain`, and its equations `burgers` (inside), `ic` (on t = 0)
and `bc` (on x = -1, x = 1). Every step draws fresh points where each equation holds
(`pde.sample`, the step as seed) and trains on `pde.loss`.

By default the initial and boundary values are built into the network (the hard form),
so the loss is `burgers` alone and `ic`, `bc` at their own points are recorded as checks;
with `--soft` a plain network is trained on all three (weights 10 on `ic`, `bc`). At the
end the prediction is compared with an independent spectral solution
(examples/references/burgers.py) and a figure is written.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

import pdecomp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run as a script: make `examples.references` importable


class PINN(torch.nn.Module):
    """u(x, t) = -sin(pi x) + t (1 - x^2) MLP(x, t): the initial and boundary values hold
    by construction, so training needs only the PDE residual (``hard=False``: the plain
    MLP, which the loss must teach them)."""

    def __init__(self, width: int = 32, depth: int = 4, hard: bool = True):
        super().__init__()
        self.hard = hard
        layers, size = [], 2
        for _ in range(depth):
            layers += [torch.nn.Linear(size, width), torch.nn.Tanh()]
            size = width
        self.net = torch.nn.Sequential(*layers, torch.nn.Linear(size, 1))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        x, t = torch.broadcast_tensors(x, t)
        out = self.net(torch.stack([x, t], dim=-1))[..., 0]
        if not self.hard:
            return out
        return -torch.sin(torch.pi * x) + t * (1 - x**2) * out


def reference_solution(x: np.ndarray, t: np.ndarray, nu: float) -> np.ndarray:
    """Burgers on [-1, 1] with u0 = -sin(pi x) by the periodic spectral reference.

    The solution is odd and 2-periodic, so with x' = (x + 1)/2 it is 2 U(x', t), where U
    solves Burgers on [0, 1) with viscosity nu/4 and U(x', 0) = sin(2 pi x')/2.
    """
    from examples.references.burgers import solve_burgers

    xp = np.linspace(0.0, 1.0, 256, endpoint=False)
    big = solve_burgers(np.sin(2 * np.pi * xp) / 2, xp, t, nu=nu / 4)  # (len(t), 256)
    grid = np.concatenate([xp, [1.0]])
    big = np.concatenate([big, big[:, :1]], axis=1)
    return np.stack([2 * np.interp((x + 1) / 2, grid, row) for row in big])


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--points", type=int, default=2000, help="collocation points per step")
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--method", default="zcs", choices=pdecomp.METHODS)
    parser.add_argument(
        "--soft", action="store_true", help="ic and bc in the loss, not in the network"
    )
    parser.add_argument(
        "--sampling", default="uniform", choices=("uniform", "sobol"), help="of the points"
    )
    parser.add_argument("--out", type=Path, default=HERE / "output")
    parser.add_argument(
        "--threads", type=int, default=1, help="torch CPU threads (1 is fastest for this size)"
    )
    args = parser.parse_args(argv)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)

    pde = pdecomp.compile(HERE / "burgers.pde", backend="torch", method=args.method)
    pde.write(args.out / "burgers_torch.py")  # the generated module, for reading
    nu = float(pde.module.PARAMS["nu"])
    model = PINN(hard=not args.soft)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, args.steps, args.lr / 20)
    weights = {"ic": 10.0, "bc": 10.0}
    trained = ("burgers", "ic", "bc") if args.soft else ("burgers",)

    history, start = [], time.perf_counter()
    form = "soft: ic, bc in the loss" if args.soft else "hard: ic, bc in the network"
    bar = tqdm(range(args.steps), desc=f"training PINN (burgers.pde, {form})", unit="step")
    for step in bar:
        seed = args.seed * 100_003 + step
        points = {"burgers": pde.sample("burgers", args.points, seed, args.sampling)}
        points["ic"] = pde.sample("ic", 256, seed, args.sampling)  # t = 0
        points["bc"] = pde.sample("bc", 256, seed, args.sampling)  # 128 at x = -1, 128 at x = 1
        loss = pde.loss(model, {name: points[name] for name in trained}, weights)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        record = {"step": step, "loss": loss.item()}
        for name in ("ic", "bc"):  # their mean squares, for the record (checks if hard)
            r = pde.residual(name, model, *points[name], create_graph=False)
            record[name] = r.detach().pow(2).mean().item()
        soft_terms = sum(weights[n] * record[n] for n in trained if n != "burgers")
        record["burgers"] = record["loss"] - soft_terms
        history.append(record)
        if step % 50 == 0:
            bar.set_postfix(pde=f"{record['burgers']:.2e}", ic=f"{record['ic']:.2e}")
    seconds = time.perf_counter() - start

    xs, ts = np.linspace(-1, 1, 201), np.linspace(0, 1, 101)
    reference = reference_solution(xs, ts, nu)
    X, T = np.meshgrid(xs, ts)
    xt = torch.tensor(X.ravel(), dtype=torch.float32)
    tt = torch.tensor(T.ravel(), dtype=torch.float32)
    with torch.no_grad():
        predicted = model(xt, tt).reshape(X.shape).numpy()
    residual = pde.residual("burgers", model, xt, tt, create_graph=False)
    rel_l2 = float(np.linalg.norm(predicted - reference) / np.linalg.norm(reference))
    result = {
        "steps": args.steps,
        "seconds": round(seconds, 1),
        "constraints": "soft" if args.soft else "hard",
        "final_pde_loss": history[-1]["burgers"],
        "final_ic_loss": history[-1]["ic"],
        "final_bc_loss": history[-1]["bc"],
        "mean_abs_residual": float(residual.detach().abs().mean()),
        "relative_l2_error": rel_l2,
    }
    (args.out / "pinn_burgers_history.json").write_text(json.dumps(history))
    (args.out / "pinn_burgers_result.json").write_text(json.dumps(result, indent=2))
    figure = _plot(xs, ts, predicted, reference, history, args.out / "pinn_burgers.png")
    print(
        f"done in {seconds:.0f} s: mean |residual| = {result['mean_abs_residual']:.2e}, "
        f"relative L2 error vs spectral reference = {rel_l2:.2%}\nfigure: {figure}"
    )
    return result


def _plot(xs, ts, predicted, reference, history, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(18, 3.8))
    extent = (ts[0], ts[-1], xs[0], xs[-1])
    for ax, data, title in zip(
        axes,
        (predicted, reference, np.abs(predicted - reference)),
        ("PINN (pdecomp ZCS residual)", "spectral reference", "|error|"),
    ):
        im = ax.imshow(data.T, origin="lower", aspect="auto", extent=extent, cmap="RdBu_r")
        ax.set(title=title, xlabel="t", ylabel="x")
        fig.colorbar(im, ax=ax)
    axes[3].semilogy([h["burgers"] for h in history], label="PDE residual")
    axes[3].semilogy([max(h["ic"], 1e-16) for h in history], label="initial condition")
    axes[3].semilogy([max(h["bc"], 1e-16) for h in history], label="boundary condition")
    axes[3].set(title="training loss", xlabel="step")
    axes[3].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main()
