"""Derivatives w.r.t. coordinate leaves for the JAX baselines (``funcloop``, ``datavect``).

Input: a function of the coordinates and a coordinate position. Output: the function
``xs -> d(sum f(xs))/d xs[k]``. Spliced before either baseline.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


# ---- generated modules copy everything below this line ----
def _grad_of_sum(f, k):
    """The function xs -> d(sum f(xs))/d xs[k]: one derivative w.r.t. a coordinate leaf."""
    return lambda *xs: jax.grad(lambda *ys: jnp.sum(f(*ys)), argnums=k)(*xs)
