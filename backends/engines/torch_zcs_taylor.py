"""Taylor-mode Zero Coordinate Shift for PyTorch (method ``zcs-taylor``), collapsed.

Input: the model, the coordinates and the derivative names wanted (derivatives and
linear operators, ``COMBINATIONS``). Output: a dict of the field values and those
derivatives, by the single jet pass of ``torch_taylor``; a model calling an operation
that Taylor mode does not propagate is a ``TypeError`` naming it.
"""

from __future__ import annotations

from pdecomp.backends.engines.torch_jet import _NotTaylor
from pdecomp.backends.engines.torch_taylor import _taylor


# ---- generated modules copy everything below this line ----
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by collapsed Taylor-mode ZCS."""
    try:
        return _taylor(model, coords, wanted, create_graph, field_axis)
    except _NotTaylor as error:
        raise TypeError(
            f"method zcs-taylor: the model calls {error}, which Taylor mode does not "
            "propagate; compile with --method zcs, or auto (which falls back to zcs)"
        ) from None
