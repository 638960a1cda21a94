"""Train a Burgers PINN in JAX with four model libraries, one recipe each.

    python examples/jax_models.py [--steps 300] [--points 512]

Input: examples/burgers.pde (its ``burgers`` and ``ic`` equations are the loss). Output:
per library, the loss before and after training
(Adam from optax, every step under a jit) and the residual's largest difference from a
per-point ``jax.grad`` reference. The recipes differ only in how the model is called:

- a plain pytree MLP: ``lambda x, t: mlp(params, x, t)``;
- Equinox: modules are per-sample, so ``jax.vmap`` maps one over the points;
- Flax NNX: the module itself, written batch-first, is the model;
- Flax linen: a closure over ``module.apply(params, ...)``.

The residual is a pure function of the model, so it runs inside ``jax.jit``,
``eqx.filter_jit`` and ``nnx.jit`` alike.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import equinox as eqx
import jax
import jax.numpy as jnp
import optax
from flax import linen, nnx

import pdecomp

jax.config.update("jax_enable_x64", True)

PDE = pdecomp.compile(Path(__file__).resolve().parent / "burgers.pde", backend="jax")
WIDTH, DEPTH, LEARNING_RATE = 32, 3, 1e-3


def loss_of(model, x, t):
    """Mean squares of the Burgers residual at the points (x, t) and of the initial
    condition ``ic`` at (x, 0), for ``model(x, t) -> u``."""
    interior = PDE.residual("burgers", model, x, t)
    initial = PDE.residual("ic", model, x, jnp.zeros_like(t))
    return jnp.mean(interior**2) + jnp.mean(initial**2)


# ---- a plain pytree MLP ---------------------------------------------------------------


def pytree_init(key):
    sizes = [2] + [WIDTH] * DEPTH + [1]
    params = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        key, sub = jax.random.split(key)
        params.append((jax.random.normal(sub, (a, b)) / jnp.sqrt(a), jnp.zeros(b)))
    return params


def pytree_apply(params, x, t):
    h = jnp.stack([x, t], -1)
    for w, b in params[:-1]:
        h = jnp.tanh(h @ w + b)
    w, b = params[-1]
    return (h @ w + b)[..., 0]


def pytree_train(key, x, t, steps):
    params = pytree_init(key)
    optimizer = optax.adam(LEARNING_RATE)

    @jax.jit
    def step(params, state):
        loss, grads = jax.value_and_grad(
            lambda p: loss_of(lambda x, t: pytree_apply(p, x, t), x, t)
        )(params)
        updates, state = optimizer.update(grads, state)
        return optax.apply_updates(params, updates), state, loss

    state, losses = optimizer.init(params), []
    for _ in range(steps):
        params, state, loss = step(params, state)
        losses.append(float(loss))
    return (lambda x, t: pytree_apply(params, x, t)), losses


# ---- Equinox: a per-sample module, mapped over the points by jax.vmap ------------------


def equinox_model(module):
    """``module`` maps one point (2,) to u (a scalar): vmap it over the points."""
    return lambda x, t: jax.vmap(module)(jnp.stack([x, t], -1))


def equinox_train(key, x, t, steps):
    module = eqx.nn.MLP(2, "scalar", WIDTH, DEPTH, activation=jnp.tanh, key=key)
    optimizer = optax.adam(LEARNING_RATE)

    @eqx.filter_jit
    def step(module, state):
        loss, grads = eqx.filter_value_and_grad(lambda m: loss_of(equinox_model(m), x, t))(module)
        updates, state = optimizer.update(grads, state, eqx.filter(module, eqx.is_array))
        return eqx.apply_updates(module, updates), state, loss

    state, losses = optimizer.init(eqx.filter(module, eqx.is_array)), []
    for _ in range(steps):
        module, state, loss = step(module, state)
        losses.append(float(loss))
    return equinox_model(module), losses


# ---- Flax NNX: the module is the model --------------------------------------------------


class NNXMLP(nnx.Module):
    """u(x, t) for arrays of points: written batch-first, so it is passed as is."""

    def __init__(self, rngs: nnx.Rngs):
        sizes = [2] + [WIDTH] * DEPTH + [1]
        self.layers = nnx.List(
            [nnx.Linear(a, b, param_dtype=jnp.float64, rngs=rngs) for a, b in zip(sizes, sizes[1:])]
        )

    def __call__(self, x, t):
        h = jnp.stack([x, t], -1)
        for layer in self.layers[:-1]:
            h = jnp.tanh(layer(h))
        return self.layers[-1](h)[..., 0]


def nnx_train(key, x, t, steps):
    module = NNXMLP(nnx.Rngs(params=key))
    optimizer = nnx.Optimizer(module, optax.adam(LEARNING_RATE), wrt=nnx.Param)

    @nnx.jit
    def step(module, optimizer):
        loss, grads = nnx.value_and_grad(lambda m: loss_of(m, x, t))(module)
        optimizer.update(module, grads)
        return loss

    losses = [float(step(module, optimizer)) for _ in range(steps)]
    return module, losses


# ---- Flax linen: a closure over apply ---------------------------------------------------


class LinenMLP(linen.Module):
    @linen.compact
    def __call__(self, x, t):
        h = jnp.stack([x, t], -1)
        for _ in range(DEPTH):
            h = jnp.tanh(linen.Dense(WIDTH, param_dtype=jnp.float64)(h))
        return linen.Dense(1, param_dtype=jnp.float64)(h)[..., 0]


def linen_train(key, x, t, steps):
    module = LinenMLP()
    params = module.init(key, x[:1], t[:1])
    optimizer = optax.adam(LEARNING_RATE)

    @jax.jit
    def step(params, state):
        loss, grads = jax.value_and_grad(
            lambda p: loss_of(lambda x, t: module.apply(p, x, t), x, t)
        )(params)
        updates, state = optimizer.update(grads, state)
        return optax.apply_updates(params, updates), state, loss

    state, losses = optimizer.init(params), []
    for _ in range(steps):
        params, state, loss = step(params, state)
        losses.append(float(loss))
    return (lambda x, t: module.apply(params, x, t)), losses


RECIPES = {
    "pytree": pytree_train,
    "equinox": equinox_train,
    "flax-nnx": nnx_train,
    "flax-linen": linen_train,
}


def pointwise_residual(model, x, t, nu=PDE.module.PARAMS["nu"]):
    """The Burgers residual per point by jax.grad of the scalar u(x, t): the reference."""

    def u(xi, ti):
        return model(xi[None], ti[None])[0]

    def one(xi, ti):
        u_x = jax.grad(u, 0)(xi, ti)
        u_t = jax.grad(u, 1)(xi, ti)
        u_xx = jax.grad(jax.grad(u, 0), 0)(xi, ti)
        return u_t + u(xi, ti) * u_x - nu * u_xx

    return jax.vmap(one)(x, t)


def points(n: int, seed: int = 0):
    kx, kt = jax.random.split(jax.random.PRNGKey(seed))
    return jax.random.uniform(kx, (n,), minval=-1, maxval=1), jax.random.uniform(kt, (n,))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--points", type=int, default=512)
    args = parser.parse_args()
    x, t = points(args.points)
    for name, train in RECIPES.items():
        model, losses = train(jax.random.PRNGKey(0), x, t, args.steps)
        diff = jnp.max(
            jnp.abs(PDE.residual("burgers", model, x, t) - pointwise_residual(model, x, t))
        )
        print(
            f"{name:11s} loss {losses[0]:.3e} -> {losses[-1]:.3e} in {args.steps} steps; "
            f"residual vs per-point jax.grad: {float(diff):.1e}"
        )


if __name__ == "__main__":
    main()
