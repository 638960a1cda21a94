"""Taylor-mode Zero Coordinate Shift for PyTorch (method ``zcs-taylor``), collapsed.

Input: the model, the coordinates and the derivative names wanted (derivatives and
linear operators, ``COMBINATIONS``). Output: a dict of the field values and those
derivatives. Reads ``OUTPUTS``, ``DERIVATIVES``, ``COMBINATIONS`` and the tables
``TAYLOR_DIRECTIONS``/``TAYLOR`` that the backend solves at compile time.
"""

from __future__ import annotations

import math

import torch

from pdecomp.backends.engines.api import _fields, _Outputs
from pdecomp.backends.engines.torch_jet import _Frame, _Jet, _NotTaylor
from pdecomp.backends.engines.torch_runtime import _keep

OUTPUTS: tuple = ()  # placeholders: the generated module's tables
DERIVATIVES: dict = {}
COMBINATIONS: dict = {}
TAYLOR_DIRECTIONS: tuple = ()
TAYLOR: dict = {}


# ---- generated modules copy everything below this line ----
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by Taylor-mode ZCS in one model call.

    The line s -> z + s v through the zero scalars, for every direction v of
    TAYLOR_DIRECTIONS at once, is pushed through the model as a jet: its coefficient
    c_k is D^k_v u / k!. A derivative is a fixed combination of those (TAYLOR). The
    highest order is collapsed: only the combinations the equations read (a whole
    ``lap(lap(w))``, say) are propagated, not every direction's coefficient.
    """
    if not wanted:
        return dict(zip(OUTPUTS, _fields(model(*coords), field_axis)))
    terms = {name: _taylor_terms(name) for name in wanted}
    order = max(k for parts in terms.values() for k, _, _ in parts)
    used = sorted({j for parts in terms.values() for _, j, _ in parts})
    rows = []  # the top order's combinations of directions, one per distinct weighting
    for parts in terms.values():
        row = tuple(sum(w for k, j, w in parts if k == order and j == d) for d in used)
        if any(row) and row not in rows:
            rows.append(row)
    like = coords[0]
    mix = None
    if len(rows) < len(used):
        mix = torch.tensor(rows, dtype=like.dtype, device=like.device)
    frame = _Frame(order, mix)
    directions = torch.tensor([TAYLOR_DIRECTIONS[j] for j in used], dtype=like.dtype)
    jets = []
    for i, c in enumerate(coords):
        v = directions[:, i].to(like.device)
        start = None if not bool(v.any()) else v.reshape((len(used),) + (1,) * c.ndim)
        jets.append(_Jet(c, [start] + [None] * (order - 1), frame))
    try:
        out = model(*jets)
    except _NotTaylor as error:
        raise TypeError(
            f"method zcs-taylor: the model calls {error}, which Taylor mode does not "
            "propagate; compile with --method zcs (or auto)"
        ) from None
    fields = _fields(_coefficient(out, None, 0), field_axis)
    values = dict(zip(OUTPUTS, fields))
    series = {}
    for k in sorted({k for parts in terms.values() for k, _, _ in parts}):
        batch = len(rows) if k == order and mix is not None else len(used)
        part = _coefficient(out, k, batch)
        series[k] = torch.vmap(lambda o: _fields(_rewrap(o, out), field_axis))(part)
    for name, parts in terms.items():
        f = OUTPUTS.index(_field_of(name))
        total = torch.zeros_like(fields[f])
        for k, j, w in parts:
            if k < order or mix is None:
                total = total + w * series[k][f][used.index(j)]
        if mix is not None:
            row = tuple(sum(w for k, j, w in parts if k == order and j == d) for d in used)
            if any(row):
                total = total + series[order][f][rows.index(row)]
        values[name] = _keep(total, create_graph)
    return values


def _taylor_terms(name):
    """A derivative or combination as [(order k, direction j, weight on c_k)]."""
    members = COMBINATIONS[name][1] if name in COMBINATIONS else ((name, 1),)
    parts = {}
    for member, c in members:
        k, pairs = TAYLOR[member]
        for j, w in pairs:
            parts[(k, j)] = parts.get((k, j), 0) + c * w * math.factorial(k)
    return [(k, j, w) for (k, j), w in parts.items() if w != 0]


def _rewrap(part, out):
    """A coefficient of the functions' wrapped output, as that wrapper again."""
    return _Outputs(part) if isinstance(out, _Outputs) else part


def _field_of(name):
    return COMBINATIONS[name][0] if name in COMBINATIONS else DERIVATIVES[name][0]


def _coefficient(out, k, batch):
    """The model's output with each jet replaced by its value (k None) or c_k (batch, ...).

    A tuple subclass (the functions' wrapper) becomes a plain tuple: what vmap maps over.
    """
    if isinstance(out, _Jet):
        if k is None:
            return out.value
        s = out.series[k - 1]
        if s is None:
            return out.value.new_zeros((batch,) + tuple(out.value.shape))
        return s.expand((batch,) + tuple(out.value.shape))
    if isinstance(out, dict):
        return {key: _coefficient(v, k, batch) for key, v in out.items()}
    if isinstance(out, (list, tuple)):
        items = [_coefficient(v, k, batch) for v in out]
        return type(out)(items) if k is None else tuple(items)
    if k is None or not isinstance(out, torch.Tensor):
        return out
    return out.new_zeros((batch,) + tuple(out.shape))  # independent of the coordinates
