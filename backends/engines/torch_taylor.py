"""The pass of collapsed Taylor-mode Zero Coordinate Shift for PyTorch (``zcs-taylor``).

Input: the model, the coordinates and the derivative names wanted (derivatives and
linear operators, ``COMBINATIONS``). Output: a dict of the field values and those
derivatives, or ``_NotTaylor`` when the model calls an operation without a Taylor rule.
Reads ``OUTPUTS``, ``DERIVATIVES``, ``COMBINATIONS`` and the tables
``TAYLOR_DIRECTIONS``/``TAYLOR`` that the backend solves at compile time.
"""

from __future__ import annotations

import math

import torch

from pdecomp.backends.engines.api import _fields
from pdecomp.backends.engines.torch_jet import _Frame, _Jet
from pdecomp.backends.engines.torch_runtime import _keep

OUTPUTS: tuple = ()  # placeholders: the generated module's tables
DERIVATIVES: dict = {}
COMBINATIONS: dict = {}
TAYLOR_DIRECTIONS: tuple = ()
TAYLOR: dict = {}


# ---- generated modules copy everything below this line ----
def _taylor(model, coords, wanted, create_graph, field_axis):
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
    need = {}  # direction -> the highest order read along it
    for parts in terms.values():
        for k, j, _ in parts:
            need[j] = max(need.get(j, 0), k)
    used = sorted(need, key=lambda j: (-need[j], j))  # highest first: c_k's are a prefix
    order = need[used[0]]
    sizes = [sum(need[j] >= k for j in used) for k in range(1, order + 1)]
    top = used[: sizes[-1]]
    row_of = {name: _top_row(parts, order, top) for name, parts in terms.items()}
    rows = []  # the top order's combinations of directions, one per distinct weighting
    for row in row_of.values():
        if any(row) and row not in rows:
            rows.append(row)
    like = coords[0]
    mix = None
    if len(rows) < len(top):
        mix = torch.tensor(rows, dtype=like.dtype, device=like.device)
    frame = _Frame(order, mix, sizes)
    directions = torch.tensor([TAYLOR_DIRECTIONS[j] for j in used], dtype=like.dtype)
    directions = directions.to(like.device)
    if order == 1 and mix is not None:  # c_1 is the top order: collapsed from the start
        directions = mix @ directions
    jets = []
    for i, c in enumerate(coords):
        moves = any(TAYLOR_DIRECTIONS[j][i] for j in used)  # from the table: no device sync
        start = directions[:, i].reshape((-1,) + (1,) * c.ndim) if moves else None
        jets.append(_Jet(c, [start] + [None] * (order - 1), frame))
    out = model(*jets)  # _NotTaylor from an operation without a Taylor rule
    outputs = _fields(out, field_axis)  # jets; a tensor where a field ignores the coordinates
    fields = [u.value if isinstance(u, _Jet) else u for u in outputs]
    values = dict(zip(OUTPUTS, fields))
    series = {}
    for k in sorted({k for parts in terms.values() for k, _, _ in parts}):
        batch = len(rows) if k == order and mix is not None else sizes[k - 1]
        series[k] = [_coefficient(u, k, batch) for u in outputs]
    for name, parts in terms.items():
        f = OUTPUTS.index(_field_of(name))
        total = torch.zeros_like(fields[f])
        for k, j, w in parts:
            if k < order or mix is None:
                total = total + w * series[k][f][used.index(j)]
        if mix is not None and any(row_of[name]):
            total = total + series[order][f][rows.index(row_of[name])]
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


def _top_row(parts, order, top):
    """The weights of one derivative's order-K terms on the top directions."""
    return tuple(sum(w for k, j, w in parts if k == order and j == d) for d in top)


def _field_of(name):
    return COMBINATIONS[name][0] if name in COMBINATIONS else DERIVATIVES[name][0]


def _coefficient(u, k, batch):
    """c_k of one output, (batch, *shape); zero for a field that ignores the coordinates."""
    s = u.series[k - 1] if isinstance(u, _Jet) else None
    if s is None:
        return torch.zeros((batch,) + tuple(u.shape), dtype=u.dtype, device=u.device)
    return s.expand((batch,) + tuple(u.shape))
