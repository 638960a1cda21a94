"""The FuncLoop baseline for PyTorch (method ``funcloop``): coordinates as leaves.

Input: the model, the coordinates and the derivative names wanted. Output: a dict of the
field values and those derivatives, one backward pass per output function and link.
Reads ``OUTPUTS``, ``CHAIN`` and ``DERIVATIVES`` of the generated module.
"""

from __future__ import annotations

import torch

from pdecomp.backends.engines.api import _children, _fields, _links
from pdecomp.backends.engines.torch_runtime import _keep

OUTPUTS: tuple = ()  # placeholders: the generated module's tables
CHAIN: dict = {}
DERIVATIVES: dict = {}


# ---- generated modules copy everything below this line ----
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by the FuncLoop baseline.

    The coordinates, broadcast to one shape P, are leaves; the output has shape
    (functions..., *P). For each output function (row) and each parent in CHAIN, one
    backward pass of the row w.r.t. the leaves of all its children (grad_outputs = ones):
    with one function this is exactly per-point autograd.
    """
    leaves = [c.detach().requires_grad_() for c in torch.broadcast_tensors(*coords)]
    points = leaves[0].shape
    fields = _fields(model(*leaves), field_axis)
    values = dict(zip(OUTPUTS, fields))
    for f, field in enumerate(OUTPUTS):
        mine = [name for name in wanted if DERIVATIVES[name][0] == field]
        if not mine:
            continue
        u = fields[f]
        if tuple(u.shape[u.ndim - len(points) :]) != tuple(points):
            raise ValueError(
                f"funcloop needs the output's trailing dimensions to be the points' shape "
                f"{tuple(points)}; field {field!r} has shape {tuple(u.shape)}"
            )
        if u.numel() == 0:  # no points: every derivative is an empty field
            values.update((name, torch.zeros_like(u)) for name in mine)
            continue
        rows = {name: [] for name in mine}
        links = _links(mine)
        for row in u.reshape(-1, *points).unbind(0):
            d = {"": row}
            for parent, children in _children(links):
                # one pass from a parent gives all its children; grad_outputs = ones
                y = d[parent]
                grads = [None] * len(children)
                if y is not None and y.requires_grad:
                    grads = torch.autograd.grad(
                        y,
                        [leaves[k] for _, k in children],
                        torch.ones_like(y),
                        create_graph=True,
                        retain_graph=True,
                        allow_unused=True,
                    )
                d.update((suffix, g) for (suffix, _), g in zip(children, grads))
            for name in mine:
                g = d[DERIVATIVES[name][1]]
                rows[name].append(torch.zeros_like(row) if g is None else g)
        for name in mine:
            values[name] = _keep(torch.stack(rows[name]).reshape(u.shape), create_graph)
    return values
