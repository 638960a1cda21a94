"""What the FNO examples share (torch ``fno_torch.py``, JAX ``fno_jax.py``): the problem,
its data and reference solutions, the command line, the table and the figure.

Problem (``fno_torus.pde``): ``-div(a grad u) + u = f`` on the unit torus ``[0, 1)^2``,
``a = exp(g)``, with ``g`` and ``f`` Gaussian random fields sampled on an ``n x n`` grid
(``n = 64``). The problem's ``g`` and ``f`` are the trigonometric interpolants of those
samples (``pdecomp.interpolate.fourier``): what the network sees, what the residual
differentiates and what the reference solver solves are the same functions.

Data: a fixed pool of training pairs ``(g, f)`` and held-out test pairs, with reference
solutions from ``examples/references/elliptic.py`` (Fourier pseudo-spectral on a 4x finer
grid, conjugate gradients; its estimated error is printed with the table).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from examples.references.elliptic import sample_torus_grf, solve_torus

PDE_FILE = Path(__file__).with_name("fno_torus.pde")
G_STD, F_AMPLITUDE = 0.6, 50.0  # a = exp(g) spans about [0.1, 5]; u is O(1)
METHODS = ("zcs", "fd2", "fd4", "spectral")

FULL = {"n": 64, "modes": 12, "width": 16, "layers": 4, "batch": 4, "steps": 150}
FULL.update({"lr": 1e-2, "n_train": 256, "n_test": 8, "refine": 4})
TINY = {"n": 16, "modes": 4, "width": 6, "layers": 2, "batch": 2, "steps": 4}
TINY.update({"lr": 3e-3, "n_train": 8, "n_test": 2, "refine": 2})


def sample_inputs(count, n, seed):
    """``(g, f)``: ``(count, n, n)`` samples of the coefficient exponent and the source."""
    g = G_STD * sample_torus_grf(count, n, alpha=3.0, tau=5.0, seed=seed)
    f = F_AMPLITUDE * sample_torus_grf(count, n, alpha=2.5, tau=5.0, seed=seed + 1000)
    return g, f


def datasets(config):
    """Training pool and test set (inputs, reference solutions, estimated reference error)."""
    train = sample_inputs(config["n_train"], config["n"], seed=1)
    g, f = sample_inputs(config["n_test"], config["n"], seed=2)
    u, error = solve_torus(g, f, refine=config["refine"])
    return train, (g, f, u), error


def grid(n):
    """The ``n x n`` points ``j / n`` of the torus as NumPy ``(Y, X)`` (x along axis 1)."""
    t = np.arange(n) / n
    return np.meshgrid(t, t, indexing="ij")


def batches(train, config, seed=3):
    """An endless stream of training index batches (the same for every method)."""
    rng = np.random.default_rng(seed)
    while True:
        yield rng.choice(len(train[0]), config["batch"], replace=False)


def relative_l2(prediction, reference):
    return float(np.linalg.norm(prediction - reference) / np.linalg.norm(reference))


def parse_args(argv, description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--methods", default=",".join(METHODS), help="comma list, zcs first")
    p.add_argument("--steps", type=int, default=0, help="Adam steps (default: the config's)")
    p.add_argument("--tiny", action="store_true", help="a 16x16 grid and a few steps")
    p.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    p.add_argument("--out", default=str(Path(__file__).parent / "output"), help="output folder")
    p.add_argument("--measure-step", help=argparse.SUPPRESS)
    p.add_argument("--config", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def make_config(args):
    config = dict(TINY if args.tiny else FULL)
    if args.steps:
        config["steps"] = args.steps
    return config


def table(title, results, config, ref_error, memory_note):
    lines = [
        f"{title}: -div(exp(g) grad u) + u = f on the unit torus, {config['n']}x{config['n']} "
        f"grid, {config['steps']} Adam steps of batch {config['batch']}, physics loss only. "
        f"Reference: Fourier pseudo-spectral, {config['refine']}x finer grid "
        f"(est. error {ref_error:.1e}). {memory_note}",
        "",
        "| method | derivatives | ms/step | peak step memory (MiB) | final loss "
        "| rel. L2 error vs reference (test) |",
        "|---|---|---:|---:|---:|---:|",
    ]
    how = {
        "zcs": "exact (ZCS through the Fourier interpolants)",
        "fd2": "finite differences, order 2 (one-sided at the grid edges)",
        "fd4": "finite differences, order 4 (one-sided at the grid edges)",
        "spectral": "FFT of the output grid (PINO)",
    }
    for method, row in results.items():
        memory = f"{row['peak_mib']:.1f}" if row.get("peak_mib") is not None else "n/a"
        lines.append(
            f"| {method} | {how.get(method, method)} | {row['step_ms']:.0f} | {memory} "
            f"| {row['loss']:.2e} | {row['rel_l2']:.2e} |"
        )
    return "\n".join(lines) + "\n"


def plot(path, title, test, predictions):
    """Inputs and reference of one test case; below, each method's error on one scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    g, f, u = (v[0] for v in test)
    errors = {m: np.abs(p[0] - u) for m, p in predictions.items()}
    top = [("a = exp(g)", np.exp(g), None), ("f", f, None), ("reference u", u, None)]
    vmax = max(float(e.max()) for e in errors.values())
    bottom = [(f"{m}: |u - reference|", e, vmax) for m, e in errors.items()]
    cols = max(len(top), len(bottom))
    fig, axes = plt.subplots(2, cols, figsize=(3.2 * cols, 6.0), squeeze=False)
    for row, panels in zip(axes, (top, bottom), strict=True):
        for ax, (name, image, high) in zip(row, panels, strict=False):
            shown = ax.imshow(
                image, origin="lower", extent=(0, 1, 0, 1), vmin=0 if high else None, vmax=high
            )
            ax.set_title(name, fontsize=9)
            fig.colorbar(shown, ax=ax, fraction=0.046)
        for ax in row[len(panels) :]:
            ax.axis("off")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
