"""The DataVect baseline for JAX (method ``datavect``): repeated coordinates as leaves.

Input: the model, the coordinates and the derivative names wanted. Output: a dict of the
field values and those derivatives. Reads ``OUTPUTS``, ``CHAIN`` and ``DERIVATIVES`` of the
generated module.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

from pdecomp.backends.engines.api import _check_repeatable, _fields, _links
from pdecomp.backends.engines.jax_leaf import _grad_of_sum

OUTPUTS: tuple = ()  # placeholders: the generated module's tables
CHAIN: dict = {}
DERIVATIVES: dict = {}


# ---- generated modules copy everything below this line ----
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by the DataVect baseline.

    The coordinates are repeated to the output's shape (found by jax.eval_shape) so the
    model runs on every (function, point) pair; each link of CHAIN is one jax.grad of
    the sum w.r.t. a repeated coordinate.
    """
    shape = jax.eval_shape(lambda *xs: _fields(model(*xs), field_axis)[0], *coords).shape
    _check_repeatable(coords, tuple(shape))
    leaves = tuple(jnp.broadcast_to(c, shape) for c in coords)
    fields = _fields(model(*leaves), field_axis)
    values = dict(zip(OUTPUTS, fields))

    for f, field in enumerate(OUTPUTS):
        mine = [name for name in wanted if DERIVATIVES[name][0] == field]
        functions = {"": lambda *xs, f=f: _fields(model(*xs), field_axis)[f]}
        for suffix in _links(mine):
            parent, k = CHAIN[suffix]
            functions[suffix] = _grad_of_sum(functions[parent], k)
        for name in mine:
            values[name] = functions[DERIVATIVES[name][1]](*leaves)
    return values
