"""A physics-informed CNN for Darcy flow on the unit square, torch: ZCS vs fd2, fd4.

Problem (``darcy_square.pde``): ``-div(a grad u) = f`` on ``[0, 1]^2``, ``u = 0`` on the
boundary, ``f = 10 sin(pi x) sin(pi y)`` (an analytic callable) and ``a = exp(g)`` with
``g`` a smooth random field sampled on a 33x33 grid (both ends included; a crop of a
periodic field on a twice larger torus, so not periodic itself). The problem's ``g`` is
the not-a-knot cubic spline of the samples (``pdecomp.interpolate.spline``: C², error
``O(h^4)``).

Model: the CNN maps ``g`` (through the spline, at the coordinates it is given), ``x``, ``y``
and ``sin(pi x)``, ``sin(pi y)`` to ``u = x (1 - x) y (1 - y) N``, which makes the boundary
condition hard. Its 3x3 convolutions are dilated (1, 2, 4, 8, 1: radius 16 pixels) and
'valid', on coordinate grids first extended by 16 pixels by linear extrapolation (the
spline continues its end cubics there), so every output pixel is the same function of its
own coordinates and the data channel moves with the shift: ZCS derivatives are the
spatial derivatives of the field the CNN represents, at every pixel (docs/grids.md).

Training: Adam on the mean squared residual at the interior pixels (divided by the mean
square of ``f``), the same initial weights and batches for every method. Reference:
conservative finite differences on 2x and 4x finer meshes with the same spline
coefficient, Richardson-extrapolated (``examples/references/elliptic.py``). Outputs in
``--out``: ``darcy_cnn.md`` and ``darcy_cnn.png``.

    python -m examples.darcy_cnn                # zcs, fd2, fd4
    python -m examples.darcy_cnn --tiny         # seconds: a smoke test
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch

import pdecomp
from examples import fno_torch
from examples.memory import print_step_peak
from examples.references.elliptic import sample_torus_grf, solve_square
from pdecomp import interpolate

PDE_FILE = Path(__file__).with_name("darcy_square.pde")
G_STD, F_AMPLITUDE, U_SCALE = 0.6, 10.0, 8.0
DILATIONS = (1, 2, 4, 8, 1)

FULL = {"n": 33, "width": 12, "batch": 2, "steps": 150, "lr": 1e-2, "n_train": 256}
FULL.update({"n_test": 8, "dilations": DILATIONS})
TINY = {"n": 17, "width": 6, "batch": 2, "steps": 4, "lr": 3e-3, "n_train": 8}
TINY.update({"n_test": 2, "dilations": (1, 2, 1)})


def source(x, y, lib=np):
    return F_AMPLITUDE * lib.sin(math.pi * x) * lib.sin(math.pi * y)


def sample_g(count, n, seed):
    """``(count, n, n)``: a smooth field on ``[0, 1]^2``, ends included (a torus crop)."""
    big = sample_torus_grf(count, 2 * (n - 1), alpha=3.0, tau=5.0, seed=seed)
    return G_STD * big[:, :n, :n]


class CNN(torch.nn.Module):
    def __init__(self, width, dilations, channels=5):
        super().__init__()
        sizes = [channels, *[width] * len(dilations)]
        self.convs = torch.nn.ModuleList(
            torch.nn.Conv2d(a, b, 3, dilation=d) for a, b, d in zip(sizes, sizes[1:], dilations)
        )
        self.head = torch.nn.Conv2d(width, 1, 1)
        self.reach = sum(dilations)

    def forward(self, v):
        for conv in self.convs:
            v = torch.tanh(conv(v))
        return self.head(v)[:, 0]


def extend(c, axis, r):
    """Extend a grid by ``r`` points on both sides of ``axis``, linearly (shift-exact)."""
    c = c.movedim(axis, -1)
    step = c[..., 1:2] - c[..., 0:1]
    k = torch.arange(1, r + 1, dtype=c.dtype)
    left = c[..., :1] - step * k.flip(0)
    right = c[..., -1:] + step * k
    return torch.cat([left, c, right], -1).movedim(-1, axis)


def surrogate(net, g):
    G = interpolate.spline(g, [(0.0, 1.0), (0.0, 1.0)])

    def model(X, Y):
        r = net.reach
        Xe, Ye = (extend(extend(c, -1, r), -2, r) for c in torch.broadcast_tensors(X, Y))
        shape = (g.shape[0], *Xe.shape)
        waves = [torch.sin(math.pi * Xe), torch.sin(math.pi * Ye)]
        channels = [G(Xe, Ye), *(c.expand(shape) for c in (Xe, Ye, *waves))]
        out = net(torch.stack(channels, 1))
        return U_SCALE * X * (1 - X) * Y * (1 - Y) * out

    return model, (lambda X, Y: torch.exp(G(X, Y)))


def grids(n, dtype=torch.float32):
    t = torch.linspace(0.0, 1.0, n, dtype=dtype)
    Y, X = torch.meshgrid(t, t, indexing="ij")
    return X, Y


def network(config):
    torch.manual_seed(0)
    return CNN(config["width"], tuple(config["dilations"]))


def loss_fn(pde, net, X, Y, g):
    model, a = surrogate(net, g)
    f = lambda X, Y: source(X, Y, torch)  # noqa: E731 - an analytic `functions` callable
    r = pde.residual("darcy", model, X, Y, a=a, f=f)[:, 1:-1, 1:-1]
    return (r**2).mean() / (source(X, Y, torch)[1:-1, 1:-1] ** 2).mean()


def train(method, config, g_train):
    pde = pdecomp.compile(PDE_FILE, backend="torch", method=method)
    net = network(config)
    X, Y = grids(config["n"])
    g_all = torch.as_tensor(g_train, dtype=torch.float32)
    opt = torch.optim.Adam(net.parameters(), lr=config["lr"])
    decay = torch.optim.lr_scheduler.ExponentialLR(opt, 0.1 ** (1 / config["steps"]))
    rng = np.random.default_rng(3)
    times, loss = [], float("nan")
    for step in range(config["steps"]):
        index = torch.as_tensor(rng.choice(len(g_all), config["batch"], replace=False))
        start = time.perf_counter()
        opt.zero_grad()
        value = loss_fn(pde, net, X, Y, g_all[index])
        value.backward()
        opt.step()
        times.append(time.perf_counter() - start)
        decay.step()
        loss = value.item()
        if step % max(1, config["steps"] // 10) == 0 or step == config["steps"] - 1:
            print(f"  {method:8s} step {step:4d}  loss {loss:.3e}", flush=True)
    return net, {"loss": loss, "step_ms": 1e3 * float(np.median(times[1:] or times))}


def predict(net, config, g):
    X, Y = grids(config["n"])
    model, _ = surrogate(net, torch.as_tensor(g, dtype=torch.float32))
    with torch.no_grad():
        return model(X, Y).numpy()


def measure_step(method, config):
    pde = pdecomp.compile(PDE_FILE, backend="torch", method=method)
    net = network(config)
    X, Y = grids(config["n"])
    g = torch.as_tensor(sample_g(config["batch"], config["n"], seed=1), dtype=torch.float32)
    loss_fn(pde, net, X, Y, g).backward()
    print_step_peak(lambda: loss_fn(pde, net, X, Y, g).backward())


def table(results, config, ref_error):
    lines = [
        f"Dilated CNN (torch): -div(exp(g) grad u) = f on the unit square, u = 0 built in, "
        f"{config['n']}x{config['n']} grid, {config['steps']} Adam steps of batch "
        f"{config['batch']}, physics loss at the interior pixels only. Reference: "
        f"conservative FD, Richardson (est. error {ref_error:.1e}). torch, float32, CPU, one "
        "thread; memory: peak RSS of one step in a fresh process.",
        "",
        "| method | derivatives | ms/step | peak step memory (MiB) | final loss "
        "| rel. L2 error vs reference (test) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    how = {
        "zcs": "exact (ZCS through the spline interpolant)",
        "fd2": "finite differences, order 2",
        "fd4": "finite differences, order 4",
    }
    for method, row in results.items():
        memory = f"{row['peak_mib']:.1f}" if row.get("peak_mib") is not None else "n/a"
        lines.append(
            f"| {method} | {how.get(method, method)} | {row['step_ms']:.0f} | {memory} "
            f"| {row['loss']:.2e} | {row['rel_l2']:.2e} |"
        )
    return "\n".join(lines) + "\n"


def plot(path, g, reference, predictions):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    errors = {m: np.abs(p[0] - reference[0]) for m, p in predictions.items()}
    top = [("a = exp(g)", np.exp(g[0]), None), ("reference u", reference[0], None)]
    vmax = max(float(e.max()) for e in errors.values())
    bottom = [(f"{m}: |u - reference|", e, vmax) for m, e in errors.items()]
    cols = max(len(top), len(bottom))
    fig, axes = plt.subplots(2, cols, figsize=(3.2 * cols, 6.0), squeeze=False)
    for row, panels in zip(axes, (top, bottom), strict=True):
        for ax, (name, image, high) in zip(row, panels, strict=False):
            low = 0 if high else None
            shown = ax.imshow(image, origin="lower", extent=(0, 1, 0, 1), vmin=low, vmax=high)
            ax.set_title(name, fontsize=9)
            fig.colorbar(shown, ax=ax, fraction=0.046)
        for ax in row[len(panels) :]:
            ax.axis("off")
    fig.suptitle("Darcy flow, dilated CNN (torch), test case 0", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--methods", default="zcs,fd2,fd4", help="comma list, zcs first")
    p.add_argument("--steps", type=int, default=0, help="Adam steps (default: the config's)")
    p.add_argument("--tiny", action="store_true", help="a 17x17 grid and a few steps")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--out", default=str(Path(__file__).parent / "output"), help="output folder")
    p.add_argument("--measure-step", help=argparse.SUPPRESS)
    p.add_argument("--config", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        if args.measure_step:
            return measure_step(args.measure_step, json.loads(args.config))
        return run(args)
    finally:
        torch.set_num_threads(threads)


def run(args):
    config = dict(TINY if args.tiny else FULL)
    if args.steps:
        config["steps"] = args.steps
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    g_train = sample_g(config["n_train"], config["n"], seed=1)
    g_test = sample_g(config["n_test"], config["n"], seed=2)
    reference, ref_error = solve_square(g_test, source)
    results, predictions = {}, {}
    for method in methods:
        print(f"training with {method} ...", flush=True)
        net, results[method] = train(method, config, g_train)
        predictions[method] = predict(net, config, g_test)
        err = np.linalg.norm(predictions[method] - reference) / np.linalg.norm(reference)
        results[method]["rel_l2"] = float(err)
        if not args.tiny:
            results[method]["peak_mib"] = fno_torch.peak_step_memory(
                method, config, module="examples.darcy_cnn"
            )
    text = table(results, config, ref_error)
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "darcy_cnn.md").write_text(text, encoding="utf-8")
    plot(out / "darcy_cnn.png", g_test, reference, predictions)
    print(f"wrote {out / 'darcy_cnn.md'} and {out / 'darcy_cnn.png'}")
    return results


if __name__ == "__main__":
    main()
