"""Reverse-mode Zero Coordinate Shift for PyTorch (method ``zcs``).

Input: the model, the coordinates and the derivative names wanted (derivatives and
linear operators, ``COMBINATIONS``). Output: a dict of the field values and those
derivatives, by the passes of ``torch_zcs_core``.
"""

from __future__ import annotations

import torch

from pdecomp.backends.engines.api import _fields
from pdecomp.backends.engines.torch_zcs_core import _zcs


# ---- generated modules copy everything below this line ----
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by reverse-mode ZCS.

    z: one zero scalar per coordinate, added to it before the single model call.
    omega = sum(a * u) over the fields, a = ones (the dummy weights); a derivative of
    omega in z is a scalar (one backward pass per parent in CHAIN gives all its
    children), and one more pass w.r.t. a turns it into the derivative fields.
    """
    zs = [torch.zeros((), dtype=c.dtype, device=c.device, requires_grad=True) for c in coords]
    fields = _fields(model(*(c + z for c, z in zip(coords, zs))), field_axis)
    return _zcs(fields, zs, wanted, create_graph)
