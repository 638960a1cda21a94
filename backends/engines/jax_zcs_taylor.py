"""Taylor-mode Zero Coordinate Shift for JAX (method ``zcs-taylor``), by ``jax.experimental.jet``.

Input: the model, the coordinates and the derivative names wanted. Output: a dict of the
field values and those derivatives. Reads ``OUTPUTS``, ``DERIVATIVES`` and the tables
``TAYLOR_DIRECTIONS``/``TAYLOR`` that the backend computes at compile time.
"""

from __future__ import annotations

import jax.numpy as jnp
from jax.experimental import jet

from pdecomp.backends.engines.api import _fields

OUTPUTS: tuple = ()  # placeholders: the generated module's tables
DERIVATIVES: dict = {}
TAYLOR_DIRECTIONS: tuple = ()
TAYLOR: dict = {}


# ---- generated modules copy everything below this line ----
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by Taylor-mode ZCS.

    Along each direction v of TAYLOR_DIRECTIONS, the line s -> z + s v through the zero
    scalars is pushed through the model by jet.jet: one pass gives every directional
    derivative D^k_v u up to the highest order needed. A derivative is a fixed
    combination of those (TAYLOR: polarization, solved exactly at compile time).
    """
    zero = jnp.zeros((), coords[0].dtype)
    order = max(TAYLOR[name][0] for name in wanted) if wanted else 0
    used = sorted({j for name in wanted for j, _ in TAYLOR[name][1]})

    def along(direction):
        def line(s):
            return _fields(model(*(c + s * v for c, v in zip(coords, direction))), field_axis)

        unit = (jnp.ones_like(zero),) + (jnp.zeros_like(zero),) * (order - 1)
        return jet.jet(line, (zero,), (unit,))

    series = {}
    for j in used:
        fields, series[j] = along(TAYLOR_DIRECTIONS[j])
    if not used:
        fields = _fields(model(*coords), field_axis)
    values = dict(zip(OUTPUTS, fields))
    for name in wanted:
        k, terms = TAYLOR[name]
        f = OUTPUTS.index(DERIVATIVES[name][0])
        values[name] = sum(w * series[j][f][k - 1] for j, w in terms)
    return values
