"""Train a physics-informed DeepONet on one of the ZCS paper's four problems.

    python examples/train_operator.py PROBLEM --backend torch|jax --steps S --m M --n N \\
        --out DIR [--method zcs|zcs-fwd|funcloop|datavect] [--seed K] [--lr LR]

PROBLEM is ``reaction_diffusion``, ``burgers``, ``plate`` or ``stokes``; its equations
are ``examples/problems/PROBLEM.pde``, compiled with ``pdecomp.compile``. Each step draws
M input functions from a pool of random functions and N collocation points (the
Cartesian layout: the network's output is ``(M, N)``), evaluates the compiled residuals
with ``pde.residual(name, model, *coords, **inputs)`` and takes one Adam step on their
mean square (no solution data is used). Boundary and initial conditions are built into
the network (see each ``.pde`` file). At the end the operator is evaluated on held-out
input functions against the independent reference solvers of ``examples/references``.

Written to ``--out``: ``history.json`` (configuration, loss history, rewritten every
``--checkpoint-every`` steps, and at the end the wall time and relative L2 errors),
``figure.png`` (prediction, reference and error for one held-out function) and the
trained weights (``model.pt`` for torch, ``params.npz`` for JAX).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make `examples` importable
    sys.path.insert(0, str(ROOT))

import pdecomp  # noqa: E402
from examples.deeponet import JaxDeepONet, TorchDeepONet, torch_to_jax  # noqa: E402
from examples.operator_problems import PROBLEMS, Evaluation, Problem  # noqa: E402

FINAL_LR_RATIO = 0.02  # the learning rate decays exponentially to lr * this at the end


@dataclass(frozen=True)
class Config:
    problem: str
    backend: str = "torch"
    method: str = "zcs"
    steps: int = 2000
    m: int = 32
    n: int = 1000
    lr: float = 2e-3
    seed: int = 0
    pool: int = 1000
    test: int = 20
    width: int = 64
    depth: int = 3
    threads: int = 1  # torch intra-op threads; 1 is fastest on a shared 2-core machine
    checkpoint_every: int = 0  # 0: about 20 checkpoints per run
    out: str = ""


def learning_rate(cfg: Config, step: int) -> float:
    """Exponential decay from ``lr`` to ``lr * FINAL_LR_RATIO`` over the run."""
    return cfg.lr * FINAL_LR_RATIO ** (step / max(cfg.steps - 1, 1))


def network_sizes(problem: Problem, cfg: Config) -> dict:
    """The DeepONet's constructor arguments (shared by the torch and JAX networks)."""
    hidden = (cfg.width,) * cfg.depth
    return {
        "n_sensors": problem.sample(1, 0)["sensors"].shape[1],
        "n_features": problem.n_features,
        "branch": hidden,
        "trunk": hidden,
        "width": cfg.width,
        "n_fields": len(problem.fields),
        "features": problem.features,
    }


def build_torch_net(problem: Problem, cfg: Config, seed: int):
    """The torch DeepONet, initialised from ``seed`` (the JAX run copies these weights)."""
    import torch

    torch.manual_seed(seed)
    return TorchDeepONet(**network_sizes(problem, cfg))


def backend_funcs(problem: Problem, funcs: dict, array) -> dict:
    """The functions' arrays in the backend, plus the problem's mode numbers."""
    out = {key: array(value) for key, value in funcs.items()}
    if hasattr(problem, "modes"):
        out["modes"] = array(problem.modes)
    return out


def make_model(problem: Problem, xp, apply, funcs):
    """The model pdecomp calls: coordinates -> fields of the M functions in ``funcs``."""

    def model(*coords):
        return problem.constrain(xp, apply(funcs["sensors"], *coords), coords, funcs)

    return model


def residual_loss(pde, model, coords, inputs, equations: dict):
    """Weighted sum of the mean squares of the trained equations' residuals.

    Several equations are evaluated by one ``residuals`` call, which shares the model
    call and the derivatives between them (the boundary equations it also evaluates at
    these points cost no derivatives and are not used).
    """
    names = tuple(equations)
    if len(names) == 1:
        residuals = {names[0]: pde.residual(names[0], model, *coords, **inputs)}
    else:
        residuals = pde.residuals(model, *coords, **inputs)
    return sum(weight * (residuals[name] ** 2).mean() for name, weight in equations.items())


class Batches:
    """Random training batches: M functions of the pool and N collocation points."""

    def __init__(self, problem: Problem, cfg: Config):
        self.problem, self.cfg = problem, cfg
        self.pool = problem.sample(cfg.pool, cfg.seed)
        self.rng = np.random.default_rng(cfg.seed + 1)

    def __next__(self):
        pick = self.rng.choice(self.cfg.pool, self.cfg.m, replace=False)
        funcs = {key: value[pick] for key, value in self.pool.items()}
        coords, inputs = self.problem.collocation(funcs, self.cfg.n, self.rng)
        return funcs, coords, inputs


class Recorder:
    """Loss history, progress bar and the JSON checkpoint."""

    def __init__(self, cfg: Config, out: Path):
        from tqdm import tqdm

        self.cfg, self.path = cfg, out / "history.json"
        self.every = cfg.checkpoint_every or max(1, cfg.steps // 20)
        self.losses, self.start = [], time.perf_counter()
        self.bar = tqdm(total=cfg.steps, desc=f"{cfg.problem} ({cfg.backend})", leave=False)

    def step(self, step: int, loss) -> None:
        self.losses.append(loss)  # a float, or a JAX scalar (converted at checkpoints)
        self.bar.update(1)
        if (step + 1) % self.every == 0 or step + 1 == self.cfg.steps:
            self.losses = [float(v) for v in self.losses]
            self.bar.set_postfix(loss=f"{self.losses[-1]:.3e}")
            self.write(status="running")

    def write(self, **extra) -> dict:
        record = {
            "config": asdict(self.cfg),
            "loss": [float(v) for v in self.losses],
            "train_time_s": time.perf_counter() - self.start,
            **extra,
        }
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
        tmp.replace(self.path)
        return record

    def close(self) -> float:
        self.bar.close()
        return time.perf_counter() - self.start


def train_torch(problem: Problem, cfg: Config, pde, recorder: Recorder, out: Path):
    """Adam on the residual loss in PyTorch; returns predict(funcs, coords) -> list of (n, G)."""
    import torch

    torch.set_num_threads(cfg.threads)
    dtype = torch.float32
    net = build_torch_net(problem, cfg, cfg.seed)
    optimizer = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    batches = Batches(problem, cfg)

    def tensor(a):
        return torch.as_tensor(np.asarray(a), dtype=dtype)

    for step in range(cfg.steps):
        funcs, coords, inputs = next(batches)
        model = make_model(problem, torch, net, backend_funcs(problem, funcs, tensor))
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(cfg, step)
        optimizer.zero_grad()
        inputs = {key: tensor(value) for key, value in inputs.items()}
        loss = residual_loss(pde, model, tuple(map(tensor, coords)), inputs, problem.equations)
        loss.backward()
        optimizer.step()
        recorder.step(step, loss.item())
    torch.save(net.state_dict(), out / "model.pt")

    def predict(funcs, coords):
        model = make_model(problem, torch, net, backend_funcs(problem, funcs, tensor))
        with torch.no_grad():
            fields = model(*map(tensor, coords))
        fields = fields if isinstance(fields, tuple) else (fields,)
        return [f.numpy().astype(np.float64) for f in fields]

    return predict


def adam(params, grads, state, lr, b1=0.9, b2=0.999, eps=1e-8):
    """One Adam step on a parameter tree (the same update as ``torch.optim.Adam``)."""
    import jax
    import jax.numpy as jnp

    first, second, count = state
    count = count + 1
    first = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, first, grads)
    second = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, second, grads)
    c1, c2 = 1 - b1**count, 1 - b2**count

    def update(p, m, v):
        return p - lr * (m / c1) / (jnp.sqrt(v / c2) + eps)

    return jax.tree.map(update, params, first, second), (first, second, count)


def train_jax(problem: Problem, cfg: Config, pde, recorder: Recorder, out: Path):
    """The same training in JAX (jit-compiled step), from the torch net's initial weights."""
    import jax
    import jax.numpy as jnp

    dtype = jnp.float32
    net = JaxDeepONet(**network_sizes(problem, cfg))
    params = torch_to_jax(build_torch_net(problem, cfg, cfg.seed), dtype=dtype)
    zeros = jax.tree.map(jnp.zeros_like, params)
    state = (zeros, zeros, jnp.zeros((), dtype))
    batches = Batches(problem, cfg)

    def array(a):
        return jnp.asarray(np.asarray(a), dtype=dtype)

    def loss_fn(params, funcs, coords, inputs):
        model = make_model(problem, jnp, lambda *a: net.apply(params, *a), funcs)
        return residual_loss(pde, model, coords, inputs, problem.equations)

    @jax.jit
    def train_step(params, state, lr, funcs, coords, inputs):
        loss, grads = jax.value_and_grad(loss_fn)(params, funcs, coords, inputs)
        params, state = adam(params, grads, state, lr)
        return params, state, loss

    for step in range(cfg.steps):
        funcs, coords, inputs = next(batches)
        funcs = backend_funcs(problem, funcs, array)
        inputs = {key: array(value) for key, value in inputs.items()}
        lr = jnp.asarray(learning_rate(cfg, step), dtype)
        params, state, loss = train_step(
            params, state, lr, funcs, tuple(map(array, coords)), inputs
        )
        recorder.step(step, loss)
    leaves = jax.tree_util.tree_flatten_with_path(params)[0]
    np.savez(out / "params.npz", **{jax.tree_util.keystr(k): np.asarray(v) for k, v in leaves})

    def predict(funcs, coords):
        model = make_model(
            problem, jnp, lambda *a: net.apply(params, *a), backend_funcs(problem, funcs, array)
        )
        fields = model(*map(array, coords))
        fields = fields if isinstance(fields, tuple) else (fields,)
        return [np.asarray(f, dtype=np.float64) for f in fields]

    return predict


def zero_mean(values: np.ndarray, shape: tuple) -> np.ndarray:
    """Shift each row of ``values`` (flattened grids of ``shape``) to zero trapezoidal mean."""
    weights = np.outer(*(np.r_[0.5, np.ones(s - 2), 0.5] for s in shape)).ravel()
    return values - (values @ weights / weights.sum())[:, None]


def relative_errors(problem: Problem, pred: list, ev: Evaluation) -> dict:
    """Mean over held-out functions of ``||pred - ref|| / ||ref||``, per field."""
    errors = {}
    for f, name in enumerate(problem.fields):
        p, r = pred[f], ev.reference[:, f]
        if name == "p":  # the pressure is defined up to a constant
            p, r = zero_mean(p, ev.shape), zero_mean(r, ev.shape)
        errors[name] = float(np.mean(np.linalg.norm(p - r, axis=1) / np.linalg.norm(r, axis=1)))
    return errors


def plot(problem: Problem, pred: list, ev: Evaluation, errors: dict, path: Path) -> None:
    """Prediction, reference and absolute error for held-out function 0, one row per field."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = len(problem.fields)
    fig, axes = plt.subplots(rows, 3, figsize=(11, 3.2 * rows), squeeze=False)
    for f, name in enumerate(problem.fields):
        p, r = pred[f][:1], ev.reference[:1, f]
        if name == "p":
            p, r = zero_mean(p, ev.shape), zero_mean(r, ev.shape)
        p, r = p[0].reshape(ev.shape), r[0].reshape(ev.shape)
        vmin, vmax = r.min(), r.max()
        error = f"|error| (test-set rel. L2 {errors[name]:.2%})"
        panels = [(p, f"{name}: prediction"), (r, f"{name}: reference"), (np.abs(p - r), error)]
        for ax, (image, title) in zip(axes[f], panels, strict=True):
            limits = {} if "error" in title else {"vmin": vmin, "vmax": vmax}
            im = ax.imshow(
                image,
                origin="lower",
                extent=ev.extent,
                aspect="auto",
                cmap="viridis" if "error" in title else "RdBu_r",
                **limits,
            )
            ax.set(title=title, xlabel=ev.labels[0], ylabel=ev.labels[1])
            fig.colorbar(im, ax=ax)
    fig.suptitle(f"{problem.name}: physics-informed DeepONet vs reference (held-out input)")
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)


def parse_args(argv=None) -> Config:
    """Command-line flags, then the problem's defaults, then :class:`Config`'s."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("problem", choices=sorted(PROBLEMS))
    parser.add_argument("--backend", choices=("torch", "jax"), default="torch")
    methods = tuple(m for m in pdecomp.METHODS if not m.startswith("fd"))  # not grid methods
    parser.add_argument("--method", choices=methods, default="zcs")
    for field in fields(Config):
        if isinstance(field.default, (int, float)):  # the numeric options
            flag = "--" + field.name.replace("_", "-")
            parser.add_argument(flag, type=type(field.default), default=None)
    parser.add_argument("--out", default="", help="output folder (default examples/output/...)")
    given = {
        key: value for key, value in vars(parser.parse_args(argv)).items() if value is not None
    }
    return Config(**{**PROBLEMS[given["problem"]].defaults, **given})


def main(argv=None) -> dict:
    """Run one training from command-line arguments; returns the final history record."""
    cfg = parse_args(argv)
    problem = PROBLEMS[cfg.problem]
    out = Path(cfg.out or ROOT / "examples" / "output" / f"{cfg.problem}_{cfg.backend}")
    out.mkdir(parents=True, exist_ok=True)
    pde = pdecomp.compile(problem.pde_file, backend=cfg.backend, method=cfg.method)
    recorder = Recorder(cfg, out)
    train = train_torch if cfg.backend == "torch" else train_jax
    predict = train(problem, cfg, pde, recorder, out)
    wall = recorder.close()
    held_out = problem.sample(cfg.test, cfg.seed + 10_000)  # never in the training pool
    ev = problem.evaluation(held_out)
    pred = predict(held_out, ev.coords)
    errors = relative_errors(problem, pred, ev)
    plot(problem, pred, ev, errors, out / "figure.png")
    record = recorder.write(status="done", train_time_s=wall, rel_l2=errors)
    summary = ", ".join(f"{k} {v:.2%}" for k, v in errors.items())
    print(
        f"{cfg.problem} ({cfg.backend}, {cfg.method}): {cfg.steps} steps in {wall:.1f} s; "
        f"relative L2 error on {cfg.test} held-out inputs: {summary}; wrote {out}"
    )
    return record


if __name__ == "__main__":
    main()
