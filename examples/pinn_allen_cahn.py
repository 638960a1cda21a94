"""Train a PINN for the periodic Allen-Cahn equation stated whole in allen_cahn.pde.

    python examples/pinn_allen_cahn.py [--adam 1000] [--lbfgs 500] [--out examples/output]

u_t = eps u_xx + k (u - u^3) on x in [-1, 1], t in [0, 1], u(x, 0) = 0.5 sin(pi x) -
0.4 cos(2 pi x), u and u_x periodic in x (the file's `per` and `perx`). The initial
value is built into the network (u = u0(x) + t N(x, t), the hard form); the periodic
conditions are in the loss (the soft form): `pde.loss` sums the mean squares of `ac`
inside the domain and of `per`, `perx` on the lower face x = -1, whose residuals read
the model at both faces. Training: Adam on fresh uniform points every step (`sample`
with the step as seed), then L-BFGS on one fixed set of quasi-random points. The
prediction is compared with a Fourier pseudo-spectral ETDRK4 solution
(examples/references/allen_cahn.py) and a figure is written.
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


def initial(x):
    return 0.5 * torch.sin(torch.pi * x) - 0.4 * torch.cos(2 * torch.pi * x)


class PINN(torch.nn.Module):
    """u(x, t) = u0(x) + t MLP(x, t): the initial value holds by construction."""

    def __init__(self, width: int = 32, depth: int = 4):
        super().__init__()
        layers, size = [], 2
        for _ in range(depth):
            layers += [torch.nn.Linear(size, width), torch.nn.Tanh()]
            size = width
        self.net = torch.nn.Sequential(*layers, torch.nn.Linear(size, 1))

    def forward(self, x: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        x, t = torch.broadcast_tensors(x, t)
        return initial(x) + t * self.net(torch.stack([x, t], dim=-1))[..., 0]


def reference_solution(xs, ts, eps: float, k: float, nx: int) -> np.ndarray:
    """The spectral solution on the periodic grid xs (endpoint excluded), times ts."""
    from examples.references.allen_cahn import solve_allen_cahn

    def u0(x):
        return 0.5 * np.sin(np.pi * x) - 0.4 * np.cos(2 * np.pi * x)

    return solve_allen_cahn(u0, xs, ts, eps, k, nx_internal=nx)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--adam", type=int, default=1000, help="Adam steps")
    parser.add_argument("--lbfgs", type=int, default=500, help="L-BFGS iterations")
    parser.add_argument("--points", type=int, default=2000, help="interior points per step")
    parser.add_argument("--face", type=int, default=200, help="periodic points per step")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "output")
    parser.add_argument("--tiny", action="store_true", help="a few steps on a coarse grid")
    args = parser.parse_args(argv)
    if args.tiny:
        args.adam, args.lbfgs, args.points, args.face = 20, 5, 128, 32
    torch.manual_seed(args.seed)
    torch.set_num_threads(1)
    args.out.mkdir(parents=True, exist_ok=True)

    pde = pdecomp.compile(HERE / "allen_cahn.pde", backend="torch")
    pde.write(args.out / "allen_cahn_torch.py")
    eps, k = (float(pde.module.PARAMS[p]) for p in ("eps", "k"))
    model = PINN()

    def points(n, m, seed, method="uniform"):
        face = pde.sample("per", m, seed=seed, method=method)  # x = -1; t in [0, 1]
        return {"ac": pde.sample("ac", n, seed=seed, method=method), "per": face, "perx": face}

    def terms(batch):
        return {name: pde.loss(model, {name: batch[name]}).item() for name in batch}

    history, start = [], time.perf_counter()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    bar = tqdm(range(args.adam), desc="Adam (allen_cahn.pde)", unit="step")
    for step in bar:
        batch = points(args.points, args.face, seed=args.seed * 100_003 + step)
        loss = pde.loss(model, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history.append({"step": step, "loss": loss.item()})
        if step % 50 == 0:
            bar.set_postfix(loss=f"{loss.item():.2e}")

    fixed = points(2 * args.points, args.face + 56, seed=args.seed, method="sobol")
    lbfgs = torch.optim.LBFGS(
        model.parameters(),
        lr=1.0,
        max_iter=args.lbfgs,
        history_size=50,
        line_search_fn="strong_wolfe",
        tolerance_grad=1e-9,
        tolerance_change=1e-12,
    )
    bar = tqdm(desc="L-BFGS (fixed Sobol points)", unit="eval")

    def closure():
        lbfgs.zero_grad()
        loss = pde.loss(model, fixed)
        loss.backward()
        history.append({"step": len(history), "loss": loss.item()})
        bar.update()
        return loss

    if args.lbfgs:
        lbfgs.step(closure)
    bar.close()
    seconds = time.perf_counter() - start

    nx, nt = (64, 11) if args.tiny else (256, 101)
    xs, ts = np.linspace(-1, 1, nx, endpoint=False), np.linspace(0, 1, nt)
    reference = reference_solution(xs, ts, eps, k, nx=2 * nx)
    X, T = np.meshgrid(xs, ts)
    xt = torch.tensor(X.ravel(), dtype=torch.float32)
    tt = torch.tensor(T.ravel(), dtype=torch.float32)
    with torch.no_grad():
        predicted = model(xt, tt).reshape(X.shape).numpy()
    rel_l2 = float(np.linalg.norm(predicted - reference) / np.linalg.norm(reference))
    check = points(1000, 200, seed=10**6)
    check["ic"] = pde.sample("ic", 200, seed=10**6)
    result = {
        "adam_steps": args.adam,
        "lbfgs_iterations": args.lbfgs,
        "seconds": round(seconds, 1),
        "final_loss": history[-1]["loss"],
        "mean_squares_at_new_points": terms(check),
        "relative_l2_error": rel_l2,
    }
    (args.out / "pinn_allen_cahn_history.json").write_text(json.dumps(history))
    (args.out / "pinn_allen_cahn_result.json").write_text(json.dumps(result, indent=2))
    figure = _plot(xs, ts, predicted, reference, history, args.adam, args.out)
    print(
        f"done in {seconds:.0f} s: loss {history[-1]['loss']:.2e}, relative L2 error vs "
        f"spectral reference = {rel_l2:.2%}\nfigure: {figure}"
    )
    return result


def _plot(xs, ts, predicted, reference, history, adam_steps, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(18, 3.8))
    extent = (ts[0], ts[-1], xs[0], xs[-1])
    for ax, data, title in zip(
        axes,
        (predicted, reference, np.abs(predicted - reference)),
        ("PINN (pdecomp, periodic in the loss)", "spectral reference", "|error|"),
    ):
        im = ax.imshow(data.T, origin="lower", aspect="auto", extent=extent, cmap="RdBu_r")
        ax.set(title=title, xlabel="t", ylabel="x")
        fig.colorbar(im, ax=ax)
    axes[3].semilogy([h["loss"] for h in history])
    axes[3].axvline(adam_steps, color="gray", lw=0.8, ls="--")
    axes[3].set(title="loss (Adam, then L-BFGS)", xlabel="step / evaluation")
    fig.tight_layout()
    path = out / "pinn_allen_cahn.png"
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


if __name__ == "__main__":
    main()
