"""Per-point leaves where the layout allows, reverse ZCS elsewhere (``zcs-or-pointwise``).

Input: the model, the coordinates and the derivative names wanted. Output: a dict of the
field values and those derivatives, by ``torch_layout``'s choice.
"""

from __future__ import annotations

from pdecomp.backends.engines.torch_layout import _zcs_or_pointwise


# ---- generated modules copy everything below this line ----
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`: per-point leaves or reverse ZCS."""
    return _zcs_or_pointwise(model, coords, wanted, create_graph, field_axis)
