"""Reverse-mode Zero Coordinate Shift for PyTorch (method ``zcs``).

Input: the model, the coordinates and the derivative names wanted. Output: a dict of the
field values and those derivatives. Reads ``OUTPUTS`` and ``CHAIN`` of the generated module.
"""

from __future__ import annotations

import torch

from pdecomp.backends.engines.api import _by_suffix, _fields, _links
from pdecomp.backends.engines.torch_runtime import _grads

OUTPUTS: tuple = ()  # placeholders: the generated module's tables
CHAIN: dict = {}


# ---- generated modules copy everything below this line ----
def _children(links):
    """The chain links grouped by parent, parents first: [(parent, [(suffix, k)])]."""
    groups = {}
    for suffix in links:
        parent, k = CHAIN[suffix]
        groups.setdefault(parent, []).append((suffix, k))
    return list(groups.items())


def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by reverse-mode ZCS.

    z: one zero scalar per coordinate, added to it before the single model call.
    omega = sum(a * u) over the fields, a = ones (the dummy weights); a derivative of
    omega in z is a scalar (one backward pass per parent in CHAIN gives all its
    children), and one more pass w.r.t. a turns it into the derivative fields.
    """
    zs = [torch.zeros((), dtype=c.dtype, device=c.device, requires_grad=True) for c in coords]
    fields = _fields(model(*(c + z for c, z in zip(coords, zs))), field_axis)
    values = dict(zip(OUTPUTS, fields))
    if not wanted:
        return values
    weights = [torch.ones_like(u, requires_grad=True) for u in fields]
    omega = {"": sum((a * u).sum() for a, u in zip(weights, fields))}
    for parent, children in _children(_links(wanted)):
        # One backward pass from a parent gives all its children (u_x and u_t from u).
        grads = _grads(omega[parent], [zs[k] for _, k in children], create_graph=True)
        omega.update((suffix, g) for (suffix, _), g in zip(children, grads))
    for suffix, group in _by_suffix(wanted):
        grads = _grads(omega[suffix], [weights[f] for _, f in group], create_graph)
        for (name, f), g in zip(group, grads):
            values[name] = torch.zeros_like(fields[f]) if g is None else g
    return values
