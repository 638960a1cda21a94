"""Points where an equation holds, drawn with JAX's own random keys.

``_draw`` is the framework part of ``sample``: ``jax.random.key(seed)``, folded with a
number of the equation's name and split once per face, draws uniform points. For method
"sobol" (the name is shared with torch, so code switches backends by one flag) it draws
the Halton sequence, in bases 2, 3, 5, ... (one prime per free coordinate) from index 1,
shifted by a uniform random vector from the face's key modulo 1 (a Cranley-Patterson
rotation): quasi-random, reproducible, and written in ``jax.numpy``. Points are computed
in ``dtype`` (default: JAX's default float) and placed on ``device`` (a ``jax.Device``)
when one is given. ``_full_like`` puts a coordinate on a face; ``_mean_square`` is one
equation's term of the loss.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

# Placeholders: a generated module defines these in its per-system part.
COORDS: tuple = ()
DOMAIN: dict = {}


# ---- generated modules copy everything below this line ----
def _draw(faces, counts, seed, stream, method, dtype, device):
    """One array per coordinate: counts[i] points on faces[i], face after face.

    The key of `seed` is folded with `stream` (one number per equation name), so
    equations draw independent points.
    """
    wanted = dtype
    try:
        dtype = jnp.zeros(()).dtype if dtype is None else jnp.dtype(dtype)
    except TypeError:
        raise ValueError(f"dtype must be a floating-point dtype, got {wanted!r}") from None
    if not jnp.issubdtype(dtype, jnp.floating):
        raise ValueError(f"dtype must be a floating-point dtype, got {wanted!r}")
    if jnp.zeros((), dtype).dtype != dtype:
        raise ValueError(f"dtype {dtype} needs jax.config.update('jax_enable_x64', True)")
    keys = jax.random.split(jax.random.fold_in(jax.random.key(seed), stream), len(faces))
    columns = [[] for _ in COORDS]
    for key, (face, side), m in zip(keys, faces, counts):
        free = [c for c in COORDS if c != face]
        if method == "sobol":
            unit = _halton(key, m, len(free), dtype)
        else:
            unit = jax.random.uniform(key, (m, len(free)), dtype)
        for k, coord in enumerate(COORDS):
            lo, hi = float(DOMAIN[coord][0]), float(DOMAIN[coord][1])
            if coord == face:
                columns[k].append(jnp.full((m,), (lo, hi)[side], dtype))
            else:
                columns[k].append(jnp.clip(lo + (hi - lo) * unit[:, free.index(coord)], lo, hi))
    points = tuple(jnp.concatenate(column) for column in columns)
    return points if device is None else tuple(jax.device_put(c, device) for c in points)


def _halton(key, m, d, dtype):
    """The first m points of the d-dimensional Halton sequence, shifted modulo 1."""
    index = jnp.arange(1, m + 1)
    columns = []
    for base in _primes(d):
        value, scale, rest, power = jnp.zeros(m, dtype), 1.0 / base, index, 1
        while power <= m:  # one radical-inverse digit per power of the base up to m
            value = value + (rest % base).astype(dtype) * scale
            rest, scale, power = rest // base, scale / base, power * base
        columns.append(value)
    points = jnp.stack(columns, -1) if columns else jnp.zeros((m, 0), dtype)
    return (points + jax.random.uniform(key, (d,), dtype)) % 1.0


def _primes(d):
    """The first d primes."""
    primes, candidate = [], 2
    while len(primes) < d:
        if all(candidate % p for p in primes):
            primes.append(candidate)
        candidate += 1
    return primes


def _full_like(c, value):
    return jnp.full_like(c, value)


def _mean_square(r):
    return jnp.mean(jnp.square(r))
