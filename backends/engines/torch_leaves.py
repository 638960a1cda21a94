"""Per-point derivatives for PyTorch (``pointwise``, ``zcs-or-pointwise``).

Input: the fields computed from coordinate tensors ``xs`` of the fields' shape, those
tensors, and the derivative names wanted. Output: a dict of the field values and those
derivatives. Reads ``OUTPUTS``, ``CHAIN`` and ``DERIVATIVES`` of the generated module.
Exact when each output depends on the coordinates of its own point alone: then
``d(sum u)/d x[o] = du[o]/dx[o]``.
"""

from __future__ import annotations

import torch

from pdecomp.backends.engines.api import _children, _links, _members

COORDS: tuple = ()  # placeholders: the generated module's tables
OUTPUTS: tuple = ()
CHAIN: dict = {}
DERIVATIVES: dict = {}


# ---- generated modules copy everything below this line ----
def _pointwise(fields, xs, wanted, create_graph):
    """Per field, one backward pass per parent in CHAIN w.r.t. the children's coordinates.

    The pass from a parent value p (a tensor of the points' shape) uses grad_outputs =
    ones: the gradients are d(sum p)/d xs[k], i.e. the per-point derivatives. Linear
    operators in `wanted` are left to the caller (their members are computed here).
    """
    values = dict(zip(OUTPUTS, fields))
    members = _members(wanted)
    for f, field in enumerate(OUTPUTS):
        mine = [name for name in members if DERIVATIVES[name][0] == field]
        if not mine:
            continue
        links = _links(mine)
        parents = {CHAIN[suffix][0] for suffix in links}
        d = {"": fields[f]}
        for parent, children in _children(links):
            y = d[parent]
            if y is None or not y.requires_grad:
                d.update((suffix, None) for suffix, _ in children)
                continue
            # a value that is itself a parent keeps its graph for the next pass
            keep = create_graph or any(suffix in parents for suffix, _ in children)
            grads = torch.autograd.grad(
                y,
                [xs[k] for _, k in children],
                torch.ones_like(y),
                create_graph=keep,
                retain_graph=True,
                allow_unused=True,
            )
            d.update((suffix, g) for (suffix, _), g in zip(children, grads))
        for name in mine:
            g = d[DERIVATIVES[name][1]]
            g = torch.zeros_like(fields[f]) if g is None else g
            values[name] = g if create_graph else g.detach()
    return values


def _points_shape_error(coords, shape):
    """None when every coordinate has the fields' shape, else what is wrong (text)."""
    for name, c in zip(COORDS, coords):
        if tuple(c.shape) != tuple(shape):
            return (
                f"coordinate {name!r} has shape {tuple(c.shape)}, the fields "
                f"{tuple(shape)}: per-point derivatives need one coordinate value per output"
            )
    return None
