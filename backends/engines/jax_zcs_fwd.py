"""Forward-mode Zero Coordinate Shift for JAX (method ``zcs-fwd``), by nested ``jax.jvp``.

Input: the model, the coordinates and the derivative names wanted. Output: a dict of the
field values and those derivatives. Reads ``OUTPUTS`` and ``CHAIN`` of the generated module.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from pdecomp.backends.engines.api import _by_suffix, _fields, _links

OUTPUTS: tuple = ()  # placeholders: the generated module's tables
CHAIN: dict = {}


# ---- generated modules copy everything below this line ----
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by forward-mode ZCS.

    Each link of CHAIN is one jax.jvp in one zero scalar z_k (a one-hot tangent on z,
    i.e. an all-ones tangent on coordinate k), nested along the chain.
    """
    zs = tuple(jnp.zeros((), c.dtype) for c in coords)

    def fields_at(z):
        return _fields(model(*(c + zk for c, zk in zip(coords, z))), field_axis)

    def jvp_in(f, k):
        tangent = tuple(jnp.ones_like(z) if i == k else jnp.zeros_like(z) for i, z in enumerate(zs))
        return lambda z: jax.jvp(f, (z,), (tangent,))[1]

    functions = {"": fields_at}
    for suffix in _links(wanted):
        parent, k = CHAIN[suffix]
        functions[suffix] = jvp_in(functions[parent], k)
    values = dict(zip(OUTPUTS, fields_at(zs)))
    for suffix, group in _by_suffix(wanted):
        result = functions[suffix](zs)
        for name, f in group:
            values[name] = result[f]
    return values
