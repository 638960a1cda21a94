"""Per-point leaves for PyTorch (method ``pointwise``): a pointwise model's derivatives.

Input: the model, the coordinates (each of the fields' shape) and the derivative names
wanted. Output: a dict of the field values and those derivatives, by the passes of
``torch_leaves``. The caller declares the model pointwise by choosing this method.
"""

from __future__ import annotations

from pdecomp.backends.engines.api import _fields
from pdecomp.backends.engines.torch_leaves import _points_shape_error, _pointwise


# ---- generated modules copy everything below this line ----
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by per-point leaves.

    Each coordinate becomes a tensor that requires grad (a view of it when it already
    does, so its own graph is kept); the model runs once on them.
    """
    xs = [c.view_as(c) if c.requires_grad else c.detach().requires_grad_() for c in coords]
    fields = _fields(model(*xs), field_axis)
    problem = _points_shape_error(coords, fields[0].shape) if wanted else None
    if problem:
        raise ValueError(f"method pointwise: {problem}; use zcs (or auto)")
    return _pointwise(fields, xs, wanted, create_graph)
