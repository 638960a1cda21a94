"""Physics-informed CNN surrogate on a 64x64 mesh: ZCS residual vs finite differences.

Problem (``cnn_poisson.pde``): ``-lap(u) = f`` on the unit square, ``u = 0`` on the
boundary, with a source controlled by three coefficients ``c`` in ``[0, 1]^3``::

    f(x, y; c) = A * sum_k c_k exp(-|(x, y) - p_k|^2 / (2 s^2)).

Model: a CNN on coordinate channels. Its input channels are computed inside the model from
the coordinate grids (``x``, ``y`` and Fourier features of them); the coefficients condition
it globally, one output channel each: ``u = 16 x (1 - x) y (1 - y) sum_k c_k N_k(x, y)``,
which also makes the boundary condition hard. The grids are first extended by ``depth``
pixels by linear extrapolation and every 3x3 convolution is 'valid', so no output pixel is
within reach of a padding and every pixel is the same function G of its own coordinates:
ZCS derivatives are spatial derivatives at every pixel (docs/grids.md).

Training: Adam on the mean squared residual at the interior pixels, a fresh batch of
coefficients each step; once with the ZCS residual and once more, from the same initial
weights, for each other method (``fd2`` by default; ``fd4`` and ``zcs-fwd`` on request).

Validation: an independent solver, the 5-point finite-difference Laplacian on meshes 2x
and 4x finer (scipy sparse LU), Richardson-extrapolated and sampled at the 64x64 points.
The solution is linear in ``c``, so three solves (one per bump) serve every test case.

Also reported: each finite-difference method's floor (the error of the exact solution of
its discrete equations, which training approaches instead of the true solution) and, on
the ZCS-trained network in float64, each method's lap(u) against the exact one. Outputs
in ``--out``: ``cnn_poisson.md`` (the comparison table) and ``cnn_poisson.png``. The peak
memory of one training step is measured in a fresh process per method (peak resident set
size during the step, Linux only). Torch runs on one CPU thread by default (``--threads``).

    python -m examples.cnn_poisson                               # zcs and fd2: ~3 min
    python -m examples.cnn_poisson --methods zcs,zcs-fwd,fd2,fd4  # ~7 min
    python -m examples.cnn_poisson --tiny                        # seconds: a smoke test
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import torch

import pdecomp
from examples.memory import print_step_peak

PDE_FILE = Path(__file__).with_suffix(".pde")
CENTRES = ((0.3, 0.3), (0.7, 0.35), (0.45, 0.72))  # the bumps p_k of the source
WIDTH, AMPLITUDE = 0.12, 40.0  # s and A


# ---- problem and reference solver --------------------------------------------------------


def bumps(X, Y, lib=np):
    """The source's basis functions g_k(x, y), stacked: (3, *X.shape)."""
    return lib.stack(
        [AMPLITUDE * lib.exp(-((X - a) ** 2 + (Y - b) ** 2) / (2 * WIDTH**2)) for a, b in CENTRES]
    )


def source(X, Y, c):
    """f for coefficients c (B, 3) on grids X, Y (H, W): (B, H, W), a torch tensor."""
    return torch.einsum("bk,khw->bhw", c, bumps(X, Y, torch))


def poisson_5point(n):
    """-lap on the (n - 2)^2 interior points of an n x n unit-square mesh, u = 0 outside."""
    h = 1.0 / (n - 1)
    m = n - 2
    second = sp.diags([-np.ones(m - 1), 2 * np.ones(m), -np.ones(m - 1)], [-1, 0, 1]) / h**2
    eye = sp.identity(m)
    return (sp.kron(eye, second) + sp.kron(second, eye)).tocsc()


def reference_basis(n, refinements=(2, 4)):
    """U_k on the n x n mesh, -lap U_k = g_k, U_k = 0 on the boundary: (3, n, n).

    5-point solves on meshes refined by each factor, sampled at the n x n points and
    Richardson-extrapolated (second order: (4 u_fine - u_coarse) / 3). Also returns the
    estimated error of the finest solve, max |u_fine - u_coarse| / 3.
    """
    solves = []
    for r in refinements:
        nf = r * (n - 1) + 1
        t = np.linspace(0.0, 1.0, nf)
        Yf, Xf = np.meshgrid(t, t, indexing="ij")
        lu = spla.splu(poisson_5point(nf))
        basis = np.zeros((len(CENTRES), nf, nf))
        for k, g in enumerate(bumps(Xf, Yf)):
            basis[k, 1:-1, 1:-1] = lu.solve(g[1:-1, 1:-1].ravel()).reshape(nf - 2, nf - 2)
        solves.append(basis[:, ::r, ::r])
    coarse, fine = solves
    return (4 * fine - coarse) / 3, float(np.abs(fine - coarse).max() / 3)


# ---- the model ---------------------------------------------------------------------------


def extend(grid, r):
    """The grid with r more pixels on every side, by linear extrapolation.

    Affine with weights summing to one, so extend(X + z) = extend(X) + z: a uniform
    shift of the coordinates reaches the extra pixels too.
    """
    for axis in (-2, -1):
        n = grid.shape[axis]
        shape = [1] * grid.ndim
        shape[axis] = r
        k = torch.arange(1, r + 1, dtype=grid.dtype, device=grid.device).reshape(shape)
        first, last = grid.narrow(axis, 0, 1), grid.narrow(axis, n - 1, 1)
        head = first - k.flip(axis) * (grid.narrow(axis, 1, 1) - first)
        tail = last + k * (last - grid.narrow(axis, n - 2, 1))
        grid = torch.cat([head, grid, tail], axis)
    return grid


class CoordinateCNN(torch.nn.Module):
    """u(X, Y; c) = 16 x (1 - x) y (1 - y) sum_k c_k N_k(x, y), N a CNN on coordinate channels.

    forward(X, Y, c): grids X, Y (H, W) and coefficients c (B, n_coef) -> u (B, H, W).
    Input channels, computed here from the coordinates: x, y and sin/cos(k pi x),
    sin/cos(k pi y) for k = 1..fourier. The coefficients condition the output globally,
    one CNN output channel each (the solution is linear in c, and so is this head).
    """

    def __init__(self, n_coef=3, width=16, depth=3, fourier=2):
        super().__init__()
        self.fourier = fourier
        sizes = [2 + 4 * fourier] + [width] * depth
        self.hidden = torch.nn.ModuleList(
            torch.nn.Conv2d(a, b, 3) for a, b in zip(sizes, sizes[1:], strict=False)
        )
        self.head = torch.nn.Conv2d(width, n_coef, 1)

    def channels(self, X, Y):
        channels = [2 * X - 1, 2 * Y - 1]
        for k in range(1, self.fourier + 1):
            for t in (X, Y):
                channels += [torch.sin(k * math.pi * t), torch.cos(k * math.pi * t)]
        return torch.stack(channels)[None]

    def forward(self, X, Y, c):
        r = len(self.hidden)  # each valid 3x3 convolution eats one pixel per side
        h = self.channels(extend(X, r), extend(Y, r))
        for conv in self.hidden:
            h = torch.tanh(conv(h))
        trunk = self.head(h)[0]  # (n_coef, H, W)
        return 16 * X * (1 - X) * Y * (1 - Y) * torch.einsum("bk,khw->bhw", c, trunk)


# ---- training and evaluation -------------------------------------------------------------


def make_config(args):
    if args.tiny:
        return dict(n=16, width=8, depth=2, batch=2, steps=args.steps or 30, n_test=2, lr=3e-3)
    return dict(n=64, width=16, depth=3, batch=4, steps=args.steps or 1000, n_test=16, lr=3e-3)


def grids(n, dtype=torch.float32):
    t = torch.linspace(0.0, 1.0, n, dtype=dtype)
    Y, X = torch.meshgrid(t, t, indexing="ij")
    return X, Y


def loss_fn(pde, net, X, Y, c):
    """Mean squared residual at the interior pixels, scaled by the source amplitude."""
    r = pde.residual("poisson", lambda X, Y: net(X, Y, c), X, Y, f=source(X, Y, c))
    return (r[:, 1:-1, 1:-1] / AMPLITUDE).square().mean()


def initial_model(config):
    torch.manual_seed(0)
    return CoordinateCNN(width=config["width"], depth=config["depth"])


def train(method, config, log_every=0):
    """Train a fresh model (same initial weights for every method); return it and stats."""
    pde = pdecomp.compile(PDE_FILE, backend="torch", method=method)
    net = initial_model(config)
    X, Y = grids(config["n"])
    opt = torch.optim.Adam(net.parameters(), lr=config["lr"])
    decay = torch.optim.lr_scheduler.ExponentialLR(opt, 0.05 ** (1 / config["steps"]))
    rng = torch.Generator().manual_seed(1)
    times, loss = [], float("nan")
    for step in range(config["steps"]):
        c = torch.rand(config["batch"], len(CENTRES), generator=rng)
        start = time.perf_counter()
        opt.zero_grad()
        value = loss_fn(pde, net, X, Y, c)
        value.backward()
        opt.step()
        times.append(time.perf_counter() - start)
        decay.step()
        loss = value.item()
        if log_every and (step % log_every == 0 or step == config["steps"] - 1):
            print(f"  {method:8s} step {step:5d}  loss {loss:.3e}", flush=True)
    stats = {"loss": loss, "train_s": sum(times), "step_ms": 1e3 * float(np.median(times[1:]))}
    return net, stats


def test_set(config):
    """Test coefficients (fixed seed) and the reference solutions at the mesh points."""
    c = np.random.default_rng(2).uniform(0.0, 1.0, (config["n_test"], len(CENTRES)))
    refinements = (2, 4) if config["n"] >= 64 else (4, 8)
    basis, ref_error = reference_basis(config["n"], refinements)
    return c, np.einsum("bk,khw->bhw", c, basis), ref_error


def predict(net, config, c):
    X, Y = grids(config["n"])
    with torch.no_grad():
        return net(X, Y, torch.tensor(c, dtype=torch.float32)).numpy()


def laplacian_errors(net, config, c, methods):
    """On the ZCS-trained net (float64): each method's lap(u) vs the exact one (by ZCS)."""
    net = copy.deepcopy(net).double()
    X, Y = grids(config["n"], torch.float64)
    c = torch.tensor(c, dtype=torch.float64)
    f = source(X, Y, c)
    laps = {}
    for method in dict.fromkeys(["zcs", *methods]):
        pde = pdecomp.compile(PDE_FILE, backend="torch", method=method)
        r = pde.residual("poisson", lambda X, Y: net(X, Y, c), X, Y, create_graph=False, f=f)
        laps[method] = (-(r + f))[:, 1:-1, 1:-1].detach()
    exact = laps["zcs"]
    scale = float(exact.abs().max())
    return {m: float((lap - exact).abs().max()) / scale for m, lap in laps.items()}


def discretization_floor(method, config, c, reference):
    """Rel. L2 error of the exact solution of `method`'s discrete equations, or None.

    A finite-difference residual is zero for the mesh function that solves the discrete
    system (its stencils at the interior pixels, u = 0 on the edge), not for the true
    solution: no training gets closer than that. ZCS differentiates exactly: no floor.
    """
    if not method.startswith("fd"):
        return None
    n, m = config["n"], config["n"] - 2
    pde = pdecomp.compile(PDE_FILE, backend="torch", method=method)
    X, Y = grids(n, torch.float64)
    columns = []  # the residual is linear in u: apply it to unit vectors, in chunks
    for start in range(0, m * m, 512):
        index = torch.arange(start, min(start + 512, m * m))
        units = torch.zeros(len(index), n, n, dtype=torch.float64)
        units[torch.arange(len(index)), 1 + index // m, 1 + index % m] = 1.0
        r = pde.residual("poisson", lambda X, Y, u=units: u, X, Y, create_graph=False, f=0.0)
        columns.append(sp.csc_matrix(r[:, 1:-1, 1:-1].reshape(len(index), -1).numpy().T))
    f = source(X, Y, torch.tensor(c)).numpy()[:, 1:-1, 1:-1].reshape(len(c), -1)
    u = np.zeros((len(c), n, n))
    u[:, 1:-1, 1:-1] = spla.splu(sp.hstack(columns).tocsc()).solve(f.T).T.reshape(-1, m, m)
    return float(np.linalg.norm(u - reference) / np.linalg.norm(reference))


# ---- peak memory of one step, in a fresh process -----------------------------------------


def peak_step_memory(method, config):
    """MiB: peak resident memory of one training step over the resident memory before it."""
    command = [sys.executable, "-m", "examples.cnn_poisson", "--measure-step", method]
    command += ["--config", json.dumps(config), "--threads", str(torch.get_num_threads())]
    # A fixed mmap threshold: large tensors are mapped and unmapped, so RSS follows them.
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536")
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])["peak_mib"]


def measure_step(method, config):
    pde = pdecomp.compile(PDE_FILE, backend="torch", method=method)
    net = initial_model(config)
    X, Y = grids(config["n"])
    c = torch.rand(config["batch"], len(CENTRES), generator=torch.Generator().manual_seed(1))
    print_step_peak(lambda: loss_fn(pde, net, X, Y, c).backward())


# ---- report ------------------------------------------------------------------------------


def table(results, config, ref_error):
    lines = [
        f"CNN surrogate, -lap(u) = f on a {config['n']}x{config['n']} mesh, "
        f"{config['steps']} Adam steps of batch {config['batch']} (torch, float32, CPU). "
        f"Reference: 5-point FD, Richardson (est. error {ref_error:.1e}).",
        "",
        "| method | train time (s) | ms/step | peak step memory (MiB) | final loss "
        "| rel. L2 error vs reference | floor: error of the discrete solution "
        "| lap(u) error vs exact, ZCS-trained net |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for method, row in results.items():
        memory = f"{row['peak_mib']:.1f}" if row.get("peak_mib") is not None else "n/a"
        floor = "none (exact)" if row["floor"] is None else f"{row['floor']:.2e}"
        lines.append(
            f"| {method} | {row['train_s']:.1f} | {row['step_ms']:.1f} | {memory} "
            f"| {row['loss']:.2e} | {row['rel_l2']:.2e} | {floor} | {row['lap_error']:.1e} |"
        )
    return "\n".join(lines) + "\n"


def plot(path, config, c, reference, predictions):
    """Source, reference, one surrogate; below, each method's error on one colour scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    X, Y = grids(config["n"], torch.float64)
    f = source(X, Y, torch.tensor(c[:1])).numpy()[0]
    first = next(iter(predictions))
    errors = {m: np.abs(p[0] - reference[0]) for m, p in predictions.items()}
    top = [("source f", f, None), ("reference u", reference[0], None)]
    top.append((f"surrogate u ({first})", predictions[first][0], None))
    vmax = max(float(e.max()) for e in errors.values())
    bottom = [(f"{m}: |u - reference|", e, vmax) for m, e in errors.items()]
    cols = max(len(top), len(bottom))
    fig, axes = plt.subplots(2, cols, figsize=(3.3 * cols, 6.2), squeeze=False)
    for row, panels in zip(axes, (top, bottom), strict=True):
        for ax, (title, image, top_value) in zip(row, panels, strict=False):
            shown = ax.imshow(image, origin="lower", extent=(0, 1, 0, 1), vmin=0, vmax=top_value)
            ax.set_title(title, fontsize=9)
            fig.colorbar(shown, ax=ax, fraction=0.046)
        for ax in row[len(panels) :]:
            ax.axis("off")
    fig.suptitle(f"test case c = {np.round(c[0], 3).tolist()}", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--methods", default="zcs,fd2", help="comma list, zcs first (default zcs,fd2)")
    p.add_argument("--steps", type=int, default=0, help="Adam steps (default 1000; tiny: 30)")
    p.add_argument("--tiny", action="store_true", help="a 16x16 mesh and a few steps")
    p.add_argument(
        "--memory",
        choices=("auto", "on", "off"),
        default="auto",
        help="measure peak step memory in subprocesses (auto: not in tiny mode)",
    )
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--out", default=str(Path(__file__).parent / "output"), help="output folder")
    p.add_argument("--measure-step", help=argparse.SUPPRESS)
    p.add_argument("--config", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        if args.measure_step:
            return measure_step(args.measure_step, json.loads(args.config))
        return run(args)
    finally:
        torch.set_num_threads(threads)


def run(args):
    config = make_config(args)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    measure = args.memory == "on" or (args.memory == "auto" and not args.tiny)
    c_test, reference, ref_error = test_set(config)
    results, predictions, nets = {}, {}, {}
    for method in methods:
        print(f"training with {method} ...", flush=True)
        nets[method], results[method] = train(method, config, log_every=0 if args.tiny else 100)
        predictions[method] = predict(nets[method], config, c_test)
        err = np.linalg.norm(predictions[method] - reference) / np.linalg.norm(reference)
        results[method]["rel_l2"] = float(err)
        results[method]["floor"] = discretization_floor(method, config, c_test, reference)
        if measure:
            results[method]["peak_mib"] = peak_step_memory(method, config)
    lap_errors = laplacian_errors(nets[methods[0]], config, c_test, methods)
    for method in methods:
        results[method]["lap_error"] = lap_errors[method]
    text = table(results, config, ref_error)
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "cnn_poisson.md").write_text(text, encoding="utf-8")
    plot(out / "cnn_poisson.png", config, c_test, reference, predictions)
    print(f"wrote {out / 'cnn_poisson.md'} and {out / 'cnn_poisson.png'}")
    return results


if __name__ == "__main__":
    main()
