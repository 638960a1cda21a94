"""Three of DeepXDE's own examples, each built two ways: DeepXDE's residual code, or
pdecomp's residuals through ``pdecomp.deepxde`` (one line per residual).

Input: the route (``"deepxde"`` or ``"pdecomp"``), a seed and sizes. Output: a compiled
``dde.Model`` (pytorch backend, float64) ready for ``model.train``:

- ``burgers``: the Burgers PINN (``dde.data.TimePDE``, Dirichlet and initial conditions);
- ``beam``: the Euler beam (``dde.data.PDE``) with its two ``dde.icbc.OperatorBC``;
- ``diffusion_reaction``: the physics-informed DeepONet trained by ZCS
  (``dde.zcs.PDEOperatorCartesianProd`` + ``dde.zcs.Model``), source ``f`` as DeepXDE's
  auxiliary variable.

Both routes of a problem draw the same points and the same initial weights from the seed,
so their loss histories can be compared step by step. DeepXDE is imported with
``DDE_BACKEND=pytorch``; the builders switch DeepXDE (and torch's default dtype) to
float64.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

os.environ.setdefault("DDE_BACKEND", "pytorch")
import deepxde as dde  # noqa: E402

import pdecomp  # noqa: E402
from pdecomp import deepxde as pdx  # noqa: E402

HERE = Path(__file__).resolve().parent
ROUTES = ("deepxde", "pdecomp")


def float64() -> None:
    """DeepXDE and torch in float64 (each builder calls it; it is process-wide)."""
    if dde.config.real.precision != 64:
        dde.config.set_default_float("float64")


def _compiled(name: str):
    path = HERE / "burgers.pde" if name == "burgers" else HERE / "deepxde" / f"{name}.pde"
    return pdecomp.compile(path, backend="torch")


# ---- DeepXDE's own residual code ------------------------------------------------------


def burgers_reference(x, y):
    dy_x = dde.grad.jacobian(y, x, i=0, j=0)
    dy_t = dde.grad.jacobian(y, x, i=0, j=1)
    dy_xx = dde.grad.hessian(y, x, i=0, j=0)
    return dy_t + y * dy_x - 0.01 / np.pi * dy_xx


def beam_ddy(x, y):
    return dde.grad.hessian(y, x)


def beam_dddy(x, y):
    return dde.grad.jacobian(beam_ddy(x, y), x)


def beam_reference(x, y):
    return dde.grad.hessian(beam_ddy(x, y), x) + 1


def diffusion_reaction_reference(zcs_parameters, y, v):
    grad = dde.zcs.LazyGrad(zcs_parameters, y)
    dy_t, dy_xx = grad.compute((0, 1)), grad.compute((2, 0))
    return dy_t - 0.01 * dy_xx + 0.01 * y**2 - v


# ---- the problems ---------------------------------------------------------------------


def burgers(route: str, seed: int = 0, domain: int = 2540, width: int = 20):
    float64()
    dde.config.set_random_seed(seed)
    residual = burgers_reference if route == "deepxde" else pdx.pde(_compiled("burgers"), "burgers")
    geom = dde.geometry.GeometryXTime(
        dde.geometry.Interval(-1, 1), dde.geometry.TimeDomain(0, 0.99)
    )
    bc = dde.icbc.DirichletBC(geom, lambda x: 0, lambda _, on_boundary: on_boundary)
    ic = dde.icbc.IC(geom, lambda x: -np.sin(np.pi * x[:, 0:1]), lambda _, on_initial: on_initial)
    data = dde.data.TimePDE(
        geom,
        residual,
        [bc, ic],
        num_domain=domain,
        num_boundary=max(domain // 32, 2),
        num_initial=max(domain // 16, 2),
    )
    net = dde.nn.FNN([2] + [width] * 3 + [1], "tanh", "Glorot normal")
    model = dde.Model(data, net)
    model.compile("adam", lr=1e-3)
    return model


def beam(route: str, seed: int = 0, domain: int = 10, width: int = 20):
    float64()
    dde.config.set_random_seed(seed)
    geom = dde.geometry.Interval(0, 1)

    def left(x, on_boundary):
        return on_boundary and dde.utils.isclose(x[0], 0)

    def right(x, on_boundary):
        return on_boundary and dde.utils.isclose(x[0], 1)

    if route == "deepxde":
        residual, moment, shear = beam_reference, lambda x, y, _: beam_ddy(x, y), None
        shear = lambda x, y, _: beam_dddy(x, y)  # noqa: E731
    else:
        compiled = _compiled("beam")
        residual = pdx.pde(compiled, "beam")
        moment, shear = pdx.bc(compiled, "moment"), pdx.bc(compiled, "shear")
    bcs = [
        dde.icbc.DirichletBC(geom, lambda x: 0, left),
        dde.icbc.NeumannBC(geom, lambda x: 0, left),
        dde.icbc.OperatorBC(geom, moment, right),
        dde.icbc.OperatorBC(geom, shear, right),
    ]
    data = dde.data.PDE(geom, residual, bcs, num_domain=domain, num_boundary=2)
    net = dde.nn.FNN([1] + [width] * 3 + [1], "tanh", "Glorot uniform")
    model = dde.Model(data, net)
    model.compile("adam", lr=1e-3)
    return model


def diffusion_reaction(
    route: str, seed: int = 0, functions: int = 1000, batch: int = 50, width: int = 128
):
    float64()
    dde.config.set_random_seed(seed)
    if route == "deepxde":
        residual = diffusion_reaction_reference
    else:
        residual = pdx.zcs(_compiled("diffusion_reaction"), "interior", aux="f")
    geom = dde.geometry.GeometryXTime(dde.geometry.Interval(0, 1), dde.geometry.TimeDomain(0, 1))
    bc = dde.icbc.DirichletBC(geom, lambda _: 0, lambda _, on_boundary: on_boundary)
    ic = dde.icbc.IC(geom, lambda _: 0, lambda _, on_initial: on_initial)
    problem = dde.data.TimePDE(
        geom, residual, [bc, ic], num_domain=200, num_boundary=40, num_initial=20, num_test=500
    )
    data = dde.zcs.PDEOperatorCartesianProd(
        problem,
        dde.data.GRF(length_scale=0.2),
        np.linspace(0, 1, num=50)[:, None],
        functions,
        function_variables=[0],
        num_test=min(100, functions),
        batch_size=batch,
    )
    net = dde.nn.DeepONetCartesianProd(
        [50, width, width, width], [2, width, width, width], "tanh", "Glorot normal"
    )
    model = dde.zcs.Model(data, net)
    model.compile("adam", lr=0.0005)
    return model


PROBLEMS = {"burgers": burgers, "beam": beam, "diffusion_reaction": diffusion_reaction}


def loss_history(model, steps: int) -> np.ndarray:
    """Train ``steps`` Adam steps; the training losses after every step, (steps + 1, terms)."""
    history, _ = model.train(iterations=steps, display_every=1, verbose=0)
    return np.array(history.loss_train)
