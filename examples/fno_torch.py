"""A physics-informed FNO (neuraloperator) on the torus, torch: ZCS vs fd2, fd4, spectral.

Problem and data: ``examples/fno_common.py`` (``-div(exp(g) grad u) + u = f``, ``g`` and
``f`` sampled on a 64x64 grid). The FNO (``neuralop.models.FNO``, no positional embedding,
no domain padding) maps six channels to ``u``: ``g`` and ``f`` evaluated by their Fourier
interpolants at the coordinates the model is given, and ``sin``/``cos`` of ``2 pi x`` and
``2 pi y``. So under the Zero Coordinate Shift every input channel moves with the shift, and
the network is equivariant under integer-pixel shifts of periodic inputs: ZCS derivatives
are the spatial derivatives of the field the FNO represents, at every pixel
(docs/grids.md). The residual's coefficient is the callable ``a = exp(G(x, y))`` (a
`functions` name of ``fno_torus.pde``), so ``a_x`` and ``a_y`` come from ZCS as well.

Training: Adam on the physics loss only (mean squared residual over all pixels, divided by
the mean square of ``f``), the same initial weights and batches for every method. Outputs
in ``--out``: ``fno_torch.md`` and ``fno_torch.png``.

    python -m examples.fno_torch                # zcs, fd2, fd4, spectral: a few minutes each
    python -m examples.fno_torch --tiny         # seconds: a smoke test
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

import pdecomp
from examples import fno_common as common
from examples.memory import print_step_peak
from pdecomp import interpolate


def network(config):
    from neuralop.models import FNO

    torch.manual_seed(0)
    modes = (config["modes"], config["modes"])
    return FNO(
        n_modes=modes,
        in_channels=6,
        out_channels=1,
        hidden_channels=config["width"],
        n_layers=config["layers"],
        positional_embedding=None,  # the grid embedding would not move with the shift
    )


def surrogate(net, g, f):
    """The model ``(X, Y) -> u`` for a batch of inputs, and the coefficient ``a(X, Y)``."""
    G = interpolate.fourier(g, (1.0, 1.0))
    F = interpolate.fourier(f, (1.0, 1.0))

    def model(X, Y):
        shape = (g.shape[0], *torch.broadcast_shapes(X.shape, Y.shape))
        waves = [fn(2 * math.pi * c) for c in (X, Y) for fn in (torch.sin, torch.cos)]
        channels = [G(X, Y), F(X, Y) / common.F_AMPLITUDE, *(w.expand(shape) for w in waves)]
        return net(torch.stack(channels, 1))[:, 0]

    return model, (lambda X, Y: torch.exp(G(X, Y)))


def grids(n, dtype=torch.float32):
    Y, X = common.grid(n)
    return torch.as_tensor(X, dtype=dtype), torch.as_tensor(Y, dtype=dtype)


def loss_fn(pde, net, X, Y, g, f):
    model, a = surrogate(net, g, f)
    r = pde.residual("torus", model, X, Y, a=a, f=f)
    return (r**2).mean() / (f**2).mean()


def train(method, config, train_set):
    pde = pdecomp.compile(common.PDE_FILE, backend="torch", method=method)
    net = network(config)
    X, Y = grids(config["n"])
    g_all, f_all = (torch.as_tensor(v, dtype=torch.float32) for v in train_set)
    opt = torch.optim.Adam(net.parameters(), lr=config["lr"])
    decay = torch.optim.lr_scheduler.ExponentialLR(opt, 0.1 ** (1 / config["steps"]))
    times, loss, stream = [], float("nan"), common.batches(train_set, config)
    for step in range(config["steps"]):
        index = torch.as_tensor(next(stream))
        start = time.perf_counter()
        opt.zero_grad()
        value = loss_fn(pde, net, X, Y, g_all[index], f_all[index])
        value.backward()
        opt.step()
        times.append(time.perf_counter() - start)
        decay.step()
        loss = value.item()
        if step % max(1, config["steps"] // 10) == 0 or step == config["steps"] - 1:
            print(f"  {method:8s} step {step:4d}  loss {loss:.3e}", flush=True)
    return net, {"loss": loss, "step_ms": 1e3 * float(np.median(times[1:] or times))}


def predict(net, config, g, f):
    X, Y = grids(config["n"])
    model, _ = surrogate(
        net, torch.as_tensor(g, dtype=torch.float32), torch.as_tensor(f, dtype=torch.float32)
    )
    with torch.no_grad():
        return model(X, Y).numpy()


# ---- peak memory of one step, in a fresh process -----------------------------------------


def peak_step_memory(method, config, module="examples.fno_torch"):
    """MiB: peak resident memory of one training step over the resident memory before it."""
    command = [sys.executable, "-m", module, "--measure-step", method]
    command += ["--config", json.dumps(config)]
    env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="65536")  # large tensors: mapped, unmapped
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])["peak_mib"]


def measure_step(method, config):
    pde = pdecomp.compile(common.PDE_FILE, backend="torch", method=method)
    net = network(config)
    X, Y = grids(config["n"])
    g, f = (
        torch.as_tensor(v, dtype=torch.float32)
        for v in common.sample_inputs(config["batch"], config["n"], seed=1)
    )
    loss_fn(pde, net, X, Y, g, f).backward()  # warm-up: allocator and FFT plans
    print_step_peak(lambda: loss_fn(pde, net, X, Y, g, f).backward())


def main(argv=None):
    args = common.parse_args(argv, __doc__.split("\n\n")[0])
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        if args.measure_step:
            return measure_step(args.measure_step, json.loads(args.config))
        return run(args)
    finally:
        torch.set_num_threads(threads)


def run(args):
    config = common.make_config(args)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    train_set, test, ref_error = common.datasets(config)
    results, predictions = {}, {}
    for method in methods:
        print(f"training with {method} ...", flush=True)
        net, results[method] = train(method, config, train_set)
        predictions[method] = predict(net, config, test[0], test[1])
        results[method]["rel_l2"] = common.relative_l2(predictions[method], test[2])
        if not args.tiny:
            results[method]["peak_mib"] = peak_step_memory(method, config)
    note = "torch 2, float32, CPU, one thread; memory: peak RSS of one step in a fresh process."
    text = common.table("neuralop FNO (torch)", results, config, ref_error, note)
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "fno_torch.md").write_text(text, encoding="utf-8")
    common.plot(out / "fno_torch.png", "neuralop FNO (torch), test case 0", test, predictions)
    print(f"wrote {out / 'fno_torch.md'} and {out / 'fno_torch.png'}")
    return results


if __name__ == "__main__":
    main()
