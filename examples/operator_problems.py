"""The ZCS paper's four problems for physics-informed DeepONets: data, networks' built-in
boundary conditions, residual terms and references (used by ``train_operator.py``).

Each :class:`Problem` names its ``.pde`` file in ``examples/problems/``, samples random
input functions, builds the (M, N) layout of coordinates, wraps a DeepONet so that the
boundary and initial conditions hold exactly, and evaluates held-out functions against
the independent reference solvers of ``examples/references``.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import pdecomp
from examples.references import (
    sample_grf_1d,
    sample_periodic_grf_1d,
    solve_burgers,
    solve_plate,
    solve_reaction_diffusion,
    solve_stokes_cavity,
)

PROBLEM_DIR = Path(__file__).resolve().parent / "problems"


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
    defaults = {"steps": 60000, "m": 32, "n": 1000, "lr": 5e-3}
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
    equations = {"momentum_x": 0.01, "momentum_y": 0.01, "continuity": 1.0}
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
