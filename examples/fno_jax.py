"""A physics-informed FNO on the torus, JAX: ZCS vs fd2, fd4, spectral.

Problem and data: ``examples/fno_common.py``. The FNO is written here in plain
``jax.numpy`` (a pytree of arrays, trained with optax): a pointwise lifting, ``layers``
Fourier layers ``v <- gelu(W v + b + irfft2(R . rfft2(v)))`` keeping ``modes x modes``
modes in each corner of the spectrum, and a pointwise two-layer projection. Its six input
channels are those of the torch example: ``g`` and ``f`` through their Fourier
interpolants at the coordinates the model is given, and ``sin``/``cos`` of ``2 pi x``,
``2 pi y``; the residual's coefficient is ``a = exp(G(x, y))``.

Training: optax Adam on the physics loss only under ``jax.jit``, the same initial weights
and batches for every method. Memory: XLA's temporary buffers of the compiled training
step (``memory_analysis``). Outputs in ``--out``: ``fno_jax.md`` and ``fno_jax.png``.

    python -m examples.fno_jax                # zcs, fd2, fd4, spectral
    python -m examples.fno_jax --tiny         # seconds: a smoke test
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

import pdecomp
from examples import fno_common as common


def init_params(key, config, channels=6):
    import jax
    import jax.numpy as jnp

    width, m, hidden = config["width"], config["modes"], 4 * config["width"]
    keys = iter(jax.random.split(key, 4 + 4 * config["layers"]))

    def dense(n_in, n_out):
        return jax.random.normal(next(keys), (n_in, n_out)) / math.sqrt(n_in)

    params = {"lift": (dense(channels, width), jnp.zeros(width)), "layers": []}
    scale = 1.0 / (width * width)
    for _ in range(config["layers"]):
        spectral = scale * jax.random.uniform(next(keys), (2, 2, width, width, m, m))
        params["layers"].append({"R": spectral, "W": dense(width, width), "b": jnp.zeros(width)})
    params["proj"] = (dense(width, hidden), jnp.zeros(hidden), dense(hidden, 1), jnp.zeros(1))
    return jax.tree_util.tree_map(lambda p: p.astype(jnp.float32), params)  # as the data


def fno(params, v):
    """``(B, H, W, C) -> (B, H, W)``: the FNO on a batch of channel-last grids."""
    import jax
    import jax.numpy as jnp

    W0, b0 = params["lift"]
    v = v @ W0 + b0
    n_layers = len(params["layers"])
    for i, layer in enumerate(params["layers"]):
        H, W = v.shape[1], v.shape[2]
        m = layer["R"].shape[-1]
        spectrum = jnp.fft.rfft2(v, axes=(1, 2))  # (B, H, W // 2 + 1, width)
        R = layer["R"][0] + 1j * layer["R"][1]  # (2 corners, in, out, m, m)
        out = jnp.zeros((*spectrum.shape[:3], R.shape[2]), spectrum.dtype)
        low = jnp.einsum("bxyi,ioxy->bxyo", spectrum[:, :m, :m], R[0])
        high = jnp.einsum("bxyi,ioxy->bxyo", spectrum[:, -m:, :m], R[1])
        out = out.at[:, :m, :m].set(low).at[:, -m:, :m].set(high)
        v = jnp.fft.irfft2(out, s=(H, W), axes=(1, 2)) + v @ layer["W"] + layer["b"]
        if i < n_layers - 1:
            v = jax.nn.gelu(v)
    W1, b1, W2, b2 = params["proj"]
    return (jax.nn.gelu(v @ W1 + b1) @ W2 + b2)[..., 0]


def surrogate(params, g, f):
    """The model ``(X, Y) -> u`` for a batch of inputs, and the coefficient ``a(X, Y)``."""
    import jax.numpy as jnp

    from pdecomp import interpolate

    G = interpolate.fourier(g, (1.0, 1.0))
    F = interpolate.fourier(f, (1.0, 1.0))

    def model(X, Y):
        shape = (g.shape[0], *jnp.broadcast_shapes(X.shape, Y.shape))
        waves = [fn(2 * math.pi * c) for c in (X, Y) for fn in (jnp.sin, jnp.cos)]
        channels = [G(X, Y), F(X, Y) / common.F_AMPLITUDE]
        channels += [jnp.broadcast_to(w, shape) for w in waves]
        return fno(params, jnp.stack(channels, -1))

    return model, (lambda X, Y: jnp.exp(G(X, Y)))


def grids(n):
    import jax.numpy as jnp

    Y, X = common.grid(n)
    return jnp.asarray(X, jnp.float32), jnp.asarray(Y, jnp.float32)


def make_loss(pde, X, Y):
    def loss(params, g, f):
        model, a = surrogate(params, g, f)
        r = pde.residual("torus", model, X, Y, a=a, f=f)
        return (r**2).mean() / (f**2).mean()

    return loss


def train(method, config, train_set):
    import jax
    import optax

    pde = pdecomp.compile(common.PDE_FILE, backend="jax", method=method)
    X, Y = grids(config["n"])
    params = init_params(jax.random.PRNGKey(0), config)
    schedule = optax.exponential_decay(config["lr"], config["steps"], 0.1)
    opt = optax.adam(schedule)
    state = opt.init(params)
    loss = make_loss(pde, X, Y)

    @jax.jit
    def step(params, state, g, f):
        value, grads = jax.value_and_grad(loss)(params, g, f)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state, value

    g_all, f_all = (np.asarray(v, np.float32) for v in train_set)
    stream = common.batches(train_set, config)
    index = next(stream)
    compiled = step.lower(params, state, g_all[index], f_all[index]).compile()
    memory = compiled.memory_analysis()
    peak = None if memory is None else memory.temp_size_in_bytes / 2**20
    times, value = [], float("nan")
    for i in range(config["steps"]):
        start = time.perf_counter()
        params, state, value = compiled(params, state, g_all[index], f_all[index])
        value = float(value)  # waits for the step
        times.append(time.perf_counter() - start)
        index = next(stream)
        if i % max(1, config["steps"] // 10) == 0 or i == config["steps"] - 1:
            print(f"  {method:8s} step {i:4d}  loss {value:.3e}", flush=True)
    stats = {"loss": value, "step_ms": 1e3 * float(np.median(times[1:] or times))}
    stats["peak_mib"] = peak
    return params, stats


def predict(params, config, g, f):
    import jax.numpy as jnp

    X, Y = grids(config["n"])
    model, _ = surrogate(params, jnp.asarray(g, jnp.float32), jnp.asarray(f, jnp.float32))
    return np.asarray(model(X, Y))


def main(argv=None):
    args = common.parse_args(argv, __doc__.split("\n\n")[0])
    config = common.make_config(args)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    train_set, test, ref_error = common.datasets(config)
    results, predictions = {}, {}
    for method in methods:
        print(f"training with {method} ...", flush=True)
        params, results[method] = train(method, config, train_set)
        predictions[method] = predict(params, config, test[0], test[1])
        results[method]["rel_l2"] = common.relative_l2(predictions[method], test[2])
    note = "JAX, float32, CPU; memory: XLA temporary buffers of the compiled step."
    text = common.table("plain-JAX FNO", results, config, ref_error, note)
    print(text)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "fno_jax.md").write_text(text, encoding="utf-8")
    common.plot(out / "fno_jax.png", "plain-JAX FNO, test case 0", test, predictions)
    print(f"wrote {out / 'fno_jax.md'} and {out / 'fno_jax.png'}")
    return results


if __name__ == "__main__":
    main()
