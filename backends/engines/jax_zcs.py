"""Reverse-mode Zero Coordinate Shift for JAX (method ``zcs``), by nested ``jax.grad``.

Input: the model, the coordinates and the derivative names wanted (derivatives and
linear operators, ``COMBINATIONS``). Output: a dict of the field values and those
derivatives. Reads ``FIELDS`` and ``CHAIN`` of the generated module.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from pdecomp.backends.engines.api import _by_suffix, _by_terms, _fields, _links

OUTPUTS: tuple = ()  # placeholders: the generated module's tables
CHAIN: dict = {}


# ---- generated modules copy everything below this line ----
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by reverse-mode ZCS.

    z: one zero scalar per coordinate, added to it before the model call.
    omega(z, a) = sum(a * u(z)) over the fields, a = ones (the dummy weights); each link
    of CHAIN is one jax.grad in one z, and a last jax.grad w.r.t. a gives the fields.
    """
    zs = tuple(jnp.zeros((), c.dtype) for c in coords)

    def fields_at(z):
        return _fields(model(*(c + zk for c, zk in zip(coords, z))), field_axis)

    def omega(z, a):
        return sum(jnp.sum(w * u) for w, u in zip(a, fields_at(z)))

    def grad_in(f, k):
        return lambda z, a: jax.grad(f)(z, a)[k]

    fields = fields_at(zs)
    values = dict(zip(OUTPUTS, fields))
    weights = tuple(jnp.ones_like(u) for u in fields)
    functions = {"": omega}
    for suffix in _links(wanted):
        parent, k = CHAIN[suffix]
        functions[suffix] = grad_in(functions[parent], k)
    for suffix, group in _by_suffix(wanted):
        grads = jax.grad(functions[suffix], argnums=1)(zs, weights)
        for name, f in group:
            values[name] = grads[f]
    for terms, group in _by_terms(wanted):
        # a linear operator: its omega-derivatives summed first, one jax.grad w.r.t. a

        def summed(z, a, terms=terms):
            return sum(c * functions[suffix](z, a) for suffix, c in terms)

        grads = jax.grad(summed, argnums=1)(zs, weights)
        for name, f in group:
            values[name] = grads[f]
    return values
