"""Train a Burgers PINN with the compiled JAX residual on points sharded over 2 devices.

One command (2 host devices on this CPU, made by an XLA flag set before jax is imported)::

    python examples/distributed_jax.py
    python examples/distributed_jax.py --check out.npz   # one sharded step, saved for tests

The residual is ``pdecomp.compile("examples/burgers.pde", backend="jax")``, unchanged.
A ``jax.sharding.Mesh`` over the devices has one axis, ``points``: the point arrays are
split along it (``PartitionSpec("points")``), the network's parameters are replicated
(``PartitionSpec()``), and the loss and its gradient run under ``jax.jit``. No collective
is written by hand: XLA's partitioner sees that the mean over points and the gradient
sum over points cross the shards and inserts the all-reduces. On a GPU cluster the same
code runs on a mesh of GPUs (see docs/scaling.md); only the mesh changes.
"""

from __future__ import annotations

import os

# Before jax is imported: make the CPU appear as 2 devices (keep any flags already set).
_FLAG = "--xla_force_host_platform_device_count=2"
if _FLAG.split("=")[0] not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {_FLAG}".strip()
# XLA's CPU client runs the devices' programs on one thread pool, by default as large as
# the machine's cores. On 2 cores a program's concurrent all-reduces can hold every
# thread while the other device's program waits for one: a deadlock ("Expected 2 threads
# to join the rendezvous"; 3 runs of 3 here, jax 0.10.2). PJRT_NPROC sizes the pool; 8
# threads made it go away (3 of 3). GPU programs do not run on this pool.
os.environ.setdefault("PJRT_NPROC", str(max(os.cpu_count() or 1, 8)))

import argparse  # noqa: E402
from pathlib import Path  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax.sharding import Mesh, NamedSharding, PartitionSpec  # noqa: E402

import pdecomp  # noqa: E402

PDE_FILE = Path(__file__).with_name("burgers.pde")


def init_mlp(key, width: int = 32, depth: int = 3, dtype=jnp.float32):
    """Parameters of u(x, t): a list of (W, b), Glorot-scaled normal weights."""
    sizes = [2] + [width] * depth + [1]
    params = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        key, sub = jax.random.split(key)
        w = jax.random.normal(sub, (a, b), dtype) * np.sqrt(2.0 / (a + b))
        params.append((w, jnp.zeros(b, dtype)))
    return params


def mlp(params, x, t):
    """The network, pointwise in the points: (N,), (N,) -> (N,)."""
    h = jnp.stack([x, t], axis=-1)
    for w, b in params[:-1]:
        h = jnp.tanh(h @ w + b)
    w, b = params[-1]
    return (h @ w + b)[..., 0]


def make_points(n_interior: int, n_initial: int, seed: int = 0, dtype=np.float32):
    """The global point set: interior (x, t) in [-1, 1] x [0, 1] and initial (x, 0)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, n_interior).astype(dtype)
    t = rng.uniform(0, 1, n_interior).astype(dtype)
    x0 = rng.uniform(-1, 1, n_initial).astype(dtype)
    return {"burgers": (x, t), "ic": (x0, np.zeros_like(x0))}


def make_loss(pde):
    """loss(params, points) = the sum over equations of mean(residual**2)."""

    def loss(params, points):
        def model(x, t):
            return mlp(params, x, t)

        return sum(jnp.mean(pde.residual(name, model, *xs) ** 2) for name, xs in points.items())

    return loss


def shardings(n_devices: int = 2):
    """(points sharding, replicated sharding) on a 1-D mesh named ``points``."""
    devices = jax.devices()
    if len(devices) < n_devices:
        raise RuntimeError(
            f"{n_devices} devices needed, jax sees {len(devices)}: set XLA_FLAGS="
            f"{_FLAG} before jax is imported (this script does, if run as a script)"
        )
    mesh = Mesh(np.array(devices[:n_devices]), ("points",))
    return NamedSharding(mesh, PartitionSpec("points")), NamedSharding(mesh, PartitionSpec())


def place(points, params, n_devices: int = 2):
    """Points split along the mesh, parameters replicated on every device."""
    split, replicated = shardings(n_devices)
    points = jax.device_put(points, split)
    params = jax.device_put(params, replicated)
    return points, params


def adam(lr: float, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8):
    """A minimal Adam: (init(params) -> state, update(grads, state, params) -> ...)."""

    def init(params):
        zeros = jax.tree.map(jnp.zeros_like, params)
        return (zeros, zeros, jnp.zeros((), jnp.int32))

    def update(grads, state, params):
        m, v, k = state
        k = k + 1
        m = jax.tree.map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
        v = jax.tree.map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
        scale = lr * jnp.sqrt(1 - b2**k) / (1 - b1**k)
        new = jax.tree.map(lambda p, m, v: p - scale * m / (jnp.sqrt(v) + eps), params, m, v)
        return new, (m, v, k)

    return init, update


def train(args) -> None:
    pde = pdecomp.compile(PDE_FILE, backend="jax")
    loss = make_loss(pde)
    dtype = np.dtype(args.dtype)
    points = make_points(args.points, args.points // 4, args.seed, dtype)
    params = init_mlp(jax.random.PRNGKey(args.seed), args.width, dtype=dtype)
    points, params = place(points, params)
    init, update = adam(args.lr)
    state = init(params)

    @jax.jit
    def step(params, state, points):
        value, grads = jax.value_and_grad(loss)(params, points)
        params, state = update(grads, state, params)
        return params, state, value

    for k in range(args.steps + 1):
        params, state, value = step(params, state, points)
        if k % args.every == 0 or k == args.steps:
            print(f"step {k:5d}  loss {float(value):.4e}", flush=True)
    shard = points["burgers"][0].sharding
    print(f"points on {len(shard.device_set)} devices ({shard.spec}); params replicated")


def check(args) -> None:
    """One sharded loss-and-gradient evaluation under jit, saved with its inputs (float64)."""
    jax.config.update("jax_enable_x64", True)
    pde = pdecomp.compile(PDE_FILE, backend="jax")
    points = make_points(args.points, args.points // 4, args.seed, np.float64)
    params = init_mlp(jax.random.PRNGKey(args.seed), args.width, dtype=jnp.float64)
    sharded_points, sharded_params = place(points, params)
    value, grads = jax.jit(jax.value_and_grad(make_loss(pde)))(sharded_params, sharded_points)
    arrays = {"loss": np.asarray(value)}
    for i, (w, b) in enumerate(params):
        arrays[f"param{i}_w"], arrays[f"param{i}_b"] = np.asarray(w), np.asarray(b)
    for i, (gw, gb) in enumerate(grads):
        arrays[f"grad{i}_w"], arrays[f"grad{i}_b"] = np.asarray(gw), np.asarray(gb)
    for name, xs in points.items():
        for j, c in enumerate(xs):
            arrays[f"points_{name}_{j}"] = c
    arrays["point_devices"] = np.array(len(sharded_points["burgers"][0].sharding.device_set))
    arrays["grad_replicated"] = np.array(grads[0][0].sharding.is_fully_replicated)
    np.savez(args.check, **arrays)
    print(f"loss {float(value):.17g}; saved to {args.check}")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--points", type=int, default=2048, help="global interior points")
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--every", type=int, default=100, help="report every this many steps")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--check", default="", help="one sharded step, saved to this .npz")
    return p.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.dtype == "float64":
        jax.config.update("jax_enable_x64", True)
    if args.check:
        check(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
