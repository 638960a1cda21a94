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
import functools
import json
import math
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
from examples.references import (  # noqa: E402
    sample_grf_1d,
    sample_periodic_grf_1d,
    solve_burgers,
    solve_plate,
    solve_reaction_diffusion,
    solve_stokes_cavity,
)

PROBLEM_DIR = ROOT / "examples" / "problems"
FINAL_LR_RATIO = 0.02  # the learning rate decays exponentially to lr * this at the end


def _series(xp, coef, basis):
    """``sum_k coef[m, k] basis[..., k]`` on the (M, N) layout; basis is (N, K) or (M, N, K)."""
    if basis.ndim == 2:
        return xp.einsum("mk,nk->mn", coef, basis)
    return xp.einsum("mk,mnk->mn", coef, basis)


@dataclass(frozen=True)
class Evaluation:
    """Held-out points ``coords`` (flattened (G,) grids), references ``(n, F, G)``."""

    coords: tuple
    reference: np.ndarray
    shape: tuple  # (rows, columns) of the grid, for plotting
    extent: tuple  # (left, right, bottom, top)
    labels: tuple  # (horizontal, vertical) axis names


class Problem:
    """A problem: its input functions, collocation points, network and reference.

    Input functions are dicts of arrays with one row per function; ``"sensors"`` is the
    branch input, the other entries are what ``constrain`` needs to build the boundary
    and initial conditions into the network.
    """

    name = ""
    fields = ("u",)
    equations = {"": 1.0}  # the equations trained (interior residuals) and their weights
    # Config values of the full run in docs/operator-learning.md (flags override them)
    defaults = {}
    n_features = 2
    features = None  # trunk features, see examples/deeponet.py

    @property
    def pde_file(self) -> Path:
        return PROBLEM_DIR / f"{self.name}.pde"

    @functools.cached_property
    def params(self) -> dict:
        """The parameters' defaults in the `.pde` file (the reference solvers use them too)."""
        return {p.name: float(p.default) for p in pdecomp.load(self.pde_file).params}

    def sample(self, n: int, seed: int) -> dict:
        raise NotImplementedError

    def collocation(self, funcs: dict, n: int, rng) -> tuple[tuple, dict]:
        """(N,) points per coordinate and the inputs at them, broadcastable to (M, N)."""
        raise NotImplementedError

    def constrain(self, xp, raw, coords, funcs):
        """The fields from the raw network output (hard boundary/initial conditions)."""
        raise NotImplementedError

    def evaluation(self, funcs: dict) -> Evaluation:
        raise NotImplementedError


class ReactionDiffusion(Problem):
    """``u_t = D u_xx + k u^2 + f(x)``; u = 4 x (1 - x) t * net, f a GRF (l = 0.2)."""

    name, equations = "reaction_diffusion", {"rd": 1.0}
    defaults = {"steps": 7000, "m": 32, "n": 1000}
    grid = np.linspace(0.0, 1.0, 201)  # f is sampled here; sensors: every 2nd node

    def features(self, xp, x, t):
        return [2 * x - 1, 2 * t - 1]

    def sample(self, n, seed):
        f = sample_grf_1d(n, self.grid, length_scale=0.2, seed=seed)
        return {"sensors": f[:, ::2], "f": f}

    def collocation(self, funcs, n, rng):
        index = rng.integers(0, self.grid.size, n)
        x, t = self.grid[index], rng.uniform(0.0, 1.0, n)
        return (x, t), {"f": funcs["f"][:, index]}

    def constrain(self, xp, raw, coords, funcs):
        x, t = coords
        return 4 * x * (1 - x) * t * raw

    def evaluation(self, funcs):
        t = np.linspace(0.0, 1.0, 101)
        ref = np.stack(
            [
                solve_reaction_diffusion(f, self.grid, t, self.params["D"], self.params["k"])
                for f in funcs["f"]
            ]
        )
        ref = ref[:, ::2, ::4]  # (n, 51 times, 51 points)
        xg, tg = np.meshgrid(self.grid[::4], t[::2])
        coords = (xg.ravel(), tg.ravel())
        return Evaluation(coords, ref.reshape(len(ref), 1, -1), xg.shape, (0, 1, 0, 1), ("x", "t"))


class Burgers(Problem):
    """Periodic ``u_t + u u_x = nu u_xx``; u = u0(x) + t * net, trunk periodic in x.

    u0 is a periodic GRF (kernel length 1, standard deviation 0.25) truncated to its
    Fourier modes ``|j| <= 8``, so the network can evaluate u0 exactly at any x.
    """

    name, equations = "burgers", {"burgers": 1.0}
    defaults = {"steps": 6000, "m": 32, "n": 1000}
    harmonics = (1, 2, 3)  # trunk features cos/sin(2 pi j x)
    n_features = 2 * len(harmonics) + 1
    modes = np.arange(1, 9)
    grid = np.arange(128) / 128

    def features(self, xp, x, t):
        feats = [g(2 * math.pi * j * x) for j in self.harmonics for g in (xp.cos, xp.sin)]
        return [*feats, 2 * t - 1]

    def sample(self, n, seed):
        u0 = sample_periodic_grf_1d(n, self.grid, length_scale=1.0, variance=0.0625, seed=seed)
        spectrum = np.fft.rfft(u0, axis=1) / self.grid.size
        funcs = {
            "mean": spectrum[:, :1].real,
            "cos": 2 * spectrum[:, self.modes].real,
            "sin": -2 * spectrum[:, self.modes].imag,
        }
        funcs["sensors"] = self.initial(funcs, self.grid[::2])
        return funcs

    def initial(self, funcs, x):
        """u0 at the points x, (n, len(x)), from the truncated Fourier series."""
        arg = 2 * np.pi * np.multiply.outer(x, self.modes)
        return funcs["mean"] + funcs["cos"] @ np.cos(arg).T + funcs["sin"] @ np.sin(arg).T

    def collocation(self, funcs, n, rng):
        return (rng.uniform(0.0, 1.0, n), rng.uniform(0.0, 1.0, n)), {}

    def constrain(self, xp, raw, coords, funcs):
        x, t = coords
        arg = 2 * math.pi * x[..., None] * funcs["modes"]
        u0 = (
            funcs["mean"]
            + _series(xp, funcs["cos"], xp.cos(arg))
            + _series(xp, funcs["sin"], xp.sin(arg))
        )
        return u0 + t * raw

    def evaluation(self, funcs):
        t = np.linspace(0.0, 1.0, 51)
        ref = []
        for m in range(len(funcs["sensors"])):
            one = {key: value[m : m + 1] for key, value in funcs.items()}
            u0 = self.initial(one, self.grid)[0]
            ref.append(solve_burgers(u0, self.grid, t, self.params["nu"], nx_internal=512)[:, ::2])
        xg, tg = np.meshgrid(self.grid[::2], t)
        ref = np.stack(ref).reshape(len(ref), 1, -1)
        return Evaluation((xg.ravel(), tg.ravel()), ref, xg.shape, (0, 1, 0, 1), ("x", "t"))


class Plate(Problem):
    """``D lap(lap(w)) = q``, simply supported; w = sin sin F(cos, cos) / (4 pi^4).

    q is a double sine series ``sum Q_rs sin(r pi x) sin(s pi y)``, r, s <= 4, with
    ``Q_rs ~ N(0, 1) / (r s)``; the branch sees q on a 10 x 10 grid of sensors.
    """

    name, equations, fields = "plate", {"plate": 1.0}, ("w",)
    defaults = {"steps": 3000, "m": 16, "n": 250, "width": 32, "lr": 3e-3}
    modes = np.arange(1, 5)
    sensors = np.linspace(0.0, 1.0, 12)[1:-1]

    def features(self, xp, x, y):
        return [xp.cos(math.pi * x), xp.cos(math.pi * y)]

    def sample(self, n, seed):
        rng = np.random.default_rng(seed)
        coef = rng.standard_normal((n, self.modes.size, self.modes.size))
        coef /= np.multiply.outer(self.modes, self.modes)
        xs, ys = np.meshgrid(self.sensors, self.sensors)
        return {"sensors": self.load(coef, xs.ravel(), ys.ravel()), "coef": coef}

    def load(self, coef, x, y):
        """q at the points (x, y), (n, len(x)); coef[m, r, s] multiplies sin(r pi x) sin(s pi y)."""
        sx, sy = (
            np.sin(np.pi * np.multiply.outer(x, self.modes)),
            np.sin(np.pi * np.multiply.outer(y, self.modes)),
        )
        return np.einsum("mrs,nr,ns->mn", coef, sx, sy)

    def collocation(self, funcs, n, rng):
        x, y = rng.uniform(0.0, 1.0, n), rng.uniform(0.0, 1.0, n)
        return (x, y), {"q": self.load(funcs["coef"], x, y)}

    def constrain(self, xp, raw, coords, funcs):
        x, y = coords
        return xp.sin(math.pi * x) * xp.sin(math.pi * y) * raw / (4 * math.pi**4 * self.params["D"])

    def evaluation(self, funcs):
        grid = np.linspace(0.0, 1.0, 41)
        ref = [
            solve_plate(
                lambda x, y, c=c: self.load(c[None], x.ravel(), y.ravel()).reshape(x.shape),
                grid,
                grid,
                D=self.params["D"],
                n_terms=8,
            )
            for c in funcs["coef"]
        ]
        xg, yg = np.meshgrid(grid, grid)
        ref = np.stack(ref).reshape(len(ref), 1, -1)
        return Evaluation((xg.ravel(), yg.ravel()), ref, xg.shape, (0, 1, 0, 1), ("x", "y"))


class Stokes(Problem):
    """Lid-driven Stokes cavity, with the wall and lid velocities built into the network.

    The lid profile is ``ulid(x) = sin(pi x) sum_k a_k sin(k pi x)``, k <= 3, ``a_k ~
    N(0, 1) / k``: it vanishes with zero slope at both corners, so the flow has no corner
    singularity. The velocity is a divergence-free lift plus corrections that vanish on
    the walls: with ``psi = ulid(x) y^2 (y - 1)`` and ``b = 16 x (1 - x) y (1 - y)``,
    ``u = psi_y + b F_u``, ``v = -psi_x + b F_v``, ``p = 10 F_p``. The branch sees ulid at
    32 sensors.
    """

    name, fields = "stokes", ("u", "v", "p")
    # second derivatives of a flow with wavenumbers up to 4 pi make the momentum residuals
    # ~10 times the continuity residual: weighting their squares by 0.01 balances them
    equations = {"momentumx": 0.01, "momentumy": 0.01, "continuity": 1.0}
    defaults = {"steps": 7000, "m": 16, "n": 500, "lr": 1e-2}
    modes = np.arange(1, 4)
    sensors = np.linspace(0.0, 1.0, 34)[1:-1]

    def sample(self, n, seed):
        rng = np.random.default_rng(seed)
        coef = rng.standard_normal((n, self.modes.size)) / self.modes
        return {"sensors": self.lid(coef, self.sensors), "sin": coef}

    def lid(self, coef, x):
        """ulid at the points x, (n, len(x)), for coefficients coef (n, K)."""
        return np.sin(np.pi * x) * (coef @ np.sin(np.pi * np.multiply.outer(x, self.modes)).T)

    def features(self, xp, x, y):
        return [2 * x - 1, 2 * y - 1]

    def collocation(self, funcs, n, rng):
        x, y = rng.uniform(0.0, 1.0, n), rng.uniform(0.0, 1.0, n)
        # `residuals` also evaluates the `lid` equation (unused inside): it needs ulid
        return (x, y), {"ulid": self.lid(funcs["sin"], x)}

    def constrain(self, xp, raw, coords, funcs):
        x, y = coords
        arg = math.pi * x[..., None] * funcs["modes"]
        series = _series(xp, funcs["sin"], xp.sin(arg))  # ulid = sin(pi x) series
        slope = _series(xp, funcs["sin"] * funcs["modes"], xp.cos(arg))  # series' / pi
        lid = xp.sin(math.pi * x) * series
        lid_x = math.pi * (xp.cos(math.pi * x) * series + xp.sin(math.pi * x) * slope)
        bubble = 16 * x * (1 - x) * y * (1 - y)
        u, v, p = raw
        g, g_y = y**2 * (y - 1), y * (3 * y - 2)  # psi = ulid(x) g(y)
        return lid * g_y + bubble * u, -lid_x * g + bubble * v, 10 * p

    def evaluation(self, funcs):
        grid = np.linspace(0.0, 1.0, 65)
        ref = []
        for coef in funcs["sin"]:
            _, _, u, v, p = solve_stokes_cavity(self.lid(coef, grid), mu=self.params["mu"])
            ref.append(np.stack([u, v, p])[:, ::2, ::2].reshape(3, -1))
        xg, yg = np.meshgrid(grid[::2], grid[::2])
        return Evaluation(
            (xg.ravel(), yg.ravel()), np.stack(ref), xg.shape, (0, 1, 0, 1), ("x", "y")
        )


PROBLEMS = {p.name: p for p in (ReactionDiffusion(), Burgers(), Plate(), Stokes())}


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
