"""The DataVect baseline for PyTorch (method ``datavect``): repeated coordinates as leaves.

Input: the model, the coordinates and the derivative names wanted. Output: a dict of the
field values and those derivatives. Reads ``OUTPUTS``, ``CHAIN`` and ``DERIVATIVES`` of the
generated module.
"""

from __future__ import annotations

import torch

from pdecomp.backends.engines.api import _check_repeatable, _fields, _links
from pdecomp.backends.engines.torch_runtime import _grad, _keep

OUTPUTS: tuple = ()  # placeholders: the generated module's tables
CHAIN: dict = {}
DERIVATIVES: dict = {}


# ---- generated modules copy everything below this line ----
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by the DataVect baseline.

    The coordinates are repeated to the output's shape (found by one call without
    gradients) and made leaves, so the model runs on every (function, point) pair; each
    link of CHAIN is one backward pass of the sum w.r.t. a coordinate leaf.
    """
    with torch.no_grad():
        shape = _fields(model(*coords), field_axis)[0].shape
    _check_repeatable(coords, tuple(shape))
    leaves = [c.detach().expand(shape).clone().requires_grad_() for c in coords]
    fields = _fields(model(*leaves), field_axis)
    values = dict(zip(OUTPUTS, fields))
    for f, field in enumerate(OUTPUTS):
        mine = [name for name in wanted if DERIVATIVES[name][0] == field]
        d = {"": fields[f]}
        for suffix in _links(mine):
            parent, k = CHAIN[suffix]
            d[suffix] = None if d[parent] is None else _grad(d[parent].sum(), leaves[k], True)
        for name in mine:
            g = d[DERIVATIVES[name][1]]
            g = torch.zeros_like(fields[f]) if g is None else g
            values[name] = _keep(g, create_graph)
    return values
