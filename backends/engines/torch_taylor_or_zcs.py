"""Taylor mode where the model allows it, else ZCS or per-point leaves (``taylor-or-zcs``).

Input: the model, the coordinates and the derivative names wanted. Output: a dict of the
field values and those derivatives: by the jet pass of ``torch_taylor`` when every
operation the model calls has a Taylor rule, otherwise (a layer norm, dropout, code that
converts its input with ``torch.as_tensor`` ...) by ``zcs-or-pointwise``. A model that
fails under Taylor mode and succeeds under ``zcs-or-pointwise`` is kept in a weak set and
goes straight to ``zcs-or-pointwise`` afterwards; a model that fails under both raises
the second error, its own. Both methods are exact.
"""

from __future__ import annotations

import weakref

from pdecomp.backends.engines.torch_layout import _zcs_or_pointwise
from pdecomp.backends.engines.torch_taylor import _taylor

# ---- generated modules copy everything below this line ----
_NOT_TAYLOR = weakref.WeakSet()  # models that call an operation without a Taylor rule


def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`: Taylor mode, or zcs-or-pointwise."""
    try:
        known = model in _NOT_TAYLOR
    except TypeError:  # not weakly referenceable: try Taylor mode every time
        known = False
    if not wanted or known:
        return _zcs_or_pointwise(model, coords, wanted, create_graph, field_axis)
    try:
        return _taylor(model, coords, wanted, create_graph, field_axis)
    except Exception:  # no Taylor rule (_NotTaylor), or code that needs a real tensor
        # A genuine error in the model is raised again here, by the model itself.
        values = _zcs_or_pointwise(model, coords, wanted, create_graph, field_axis)
    try:
        _NOT_TAYLOR.add(model)
    except TypeError:
        pass
    return values
