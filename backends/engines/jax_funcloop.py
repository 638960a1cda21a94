"""The FuncLoop baseline for JAX (method ``funcloop``): coordinates as leaves.

Input: the model, the coordinates and the derivative names wanted. Output: a dict of the
field values and those derivatives, one ``jax.grad`` per output function and link.
Reads ``OUTPUTS``, ``CHAIN`` and ``DERIVATIVES`` of the generated module.
"""

from __future__ import annotations

import jax.numpy as jnp

from pdecomp.backends.engines.api import _fields, _links
from pdecomp.backends.engines.jax_leaf import _grad_of_sum

OUTPUTS: tuple = ()  # placeholders: the generated module's tables
CHAIN: dict = {}
DERIVATIVES: dict = {}


# ---- generated modules copy everything below this line ----
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by the FuncLoop baseline.

    The coordinates, broadcast to one shape P, are the differentiated arguments; the
    output has shape (functions..., *P). For each output function (row) and each link of
    CHAIN, one jax.grad of the row's sum w.r.t. a coordinate.
    """
    leaves = jnp.broadcast_arrays(*coords)
    points = leaves[0].shape
    fields = _fields(model(*leaves), field_axis)
    values = dict(zip(OUTPUTS, fields))

    for f, field in enumerate(OUTPUTS):
        mine = [name for name in wanted if DERIVATIVES[name][0] == field]
        if not mine:
            continue
        shape = fields[f].shape
        if tuple(shape[len(shape) - len(points) :]) != tuple(points):
            raise ValueError(
                f"funcloop needs the output's trailing dimensions to be the points' shape "
                f"{tuple(points)}; field {field!r} has shape {tuple(shape)}"
            )
        if fields[f].size == 0:  # no points: every derivative is an empty field
            values.update((name, jnp.zeros_like(fields[f])) for name in mine)
            continue
        rows = {name: [] for name in mine}
        count = 1
        for n in shape[: len(shape) - len(points)]:
            count *= n
        for m in range(count):

            def row(*xs, m=m, f=f):
                return _fields(model(*xs), field_axis)[f].reshape(-1, *points)[m]

            functions = {"": row}
            for suffix in _links(mine):
                parent, k = CHAIN[suffix]
                functions[suffix] = _grad_of_sum(functions[parent], k)
            for name in mine:
                rows[name].append(functions[DERIVATIVES[name][1]](*leaves))
        for name in mine:
            values[name] = jnp.stack(rows[name]).reshape(shape)
    return values
