"""Central finite differences on the output grid (methods ``fd2``, ``fd4``), for any framework.

Input: the model, coordinate grids and the derivative names wanted. Output: a dict of the
field values and those derivatives. The stencil order is the generated module's
``FD_ORDER``. The few array operations that differ between frameworks come from the
framework part spliced before this one (``torch_fd``, ``jax_fd``): ``_grid_axes``
(reads the spacing from concrete grids), ``_moveaxis``, ``_concat``, ``_stack``.
"""

from __future__ import annotations

from pdecomp.backends.engines.api import _by_suffix, _fields, _links

# Placeholders: the generated module's tables, and the framework parts' helpers.
COORDS: tuple = ()
OUTPUTS: tuple = ()
CHAIN: dict = {}
FD_ORDER = 2
_keep = _grid_axes = _moveaxis = _concat = _stack = _max_abs = _diff = _eps = None

# ---- generated modules copy everything below this line ----
# First-derivative stencils, weights times the spacing h. CENTRAL: offsets -m..m; EDGE[r]:
# one-sided stencil of the same order for row r from the near edge, on rows 0..2m
# (mirrored, with the sign flipped, at the far edge).
FD_STENCILS = {
    2: ((-1 / 2, 0, 1 / 2), ((-3 / 2, 2, -1 / 2),)),
    4: (
        (1 / 12, -2 / 3, 0, 2 / 3, -1 / 12),
        ((-25 / 12, 4, -3, 4 / 3, -1 / 4), (-1 / 4, -5 / 6, 3 / 2, -1 / 2, 1 / 12)),
    ),
}


def _grid_axis(name, c):
    """(axis, h): the one axis (negative) along which grid ``c`` varies, and its spacing."""
    central = FD_STENCILS[FD_ORDER][0]
    tol = 64 * _eps(c) * _max_abs(c)
    varying = [a for a in range(-c.ndim, 0) if c.shape[a] > 1 and _max_abs(_diff(c, a)) > tol]
    if len(varying) != 1:
        raise ValueError(
            f"method fd{FD_ORDER} needs each coordinate grid to vary along exactly one "
            f"axis; {name!r} (shape {tuple(c.shape)}) varies along axes {varying}"
        )
    axis = varying[0]
    steps = _diff(c, axis)
    h = float(steps.mean())
    if _max_abs(steps - h) > tol:
        raise ValueError(
            f"method fd{FD_ORDER} needs uniform spacing; {name!r} has steps from "
            f"{float(steps.min())} to {float(steps.max())} along axis {axis}"
        )
    if c.shape[axis] < len(central):
        raise ValueError(
            f"method fd{FD_ORDER} needs at least {len(central)} points along each "
            f"grid axis; {name!r} has {c.shape[axis]} along axis {axis}"
        )
    return axis, h


def _difference(u, axis, h):
    """du/dx along `axis` of u, spacing h: central stencil inside, one-sided at the edges."""
    central, edge = FD_STENCILS[FD_ORDER]
    m, n = len(edge), u.shape[axis]
    v = _moveaxis(u, axis, -1)
    inner = sum(w * v[..., m + k : n - m + k] for k, w in zip(range(-m, m + 1), central) if w)
    head = [sum(w * v[..., j] for j, w in enumerate(row)) for row in edge]
    tail = [-sum(w * v[..., n - 1 - j] for j, w in enumerate(row)) for row in edge[::-1]]
    du = _concat([_stack(head, -1), inner, _stack(tail, -1)], -1) / h
    return _moveaxis(du, -1, axis)


def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by finite differences on the output grid.

    Each coordinate grid varies along one axis with uniform spacing; the output's trailing
    dimensions are the grid's (leading ones, batch or channels, are kept). Each link of
    CHAIN is one first-derivative stencil along that coordinate's axis.
    """
    axes = _grid_axes(coords)
    fields = _fields(model(*coords), field_axis)
    values = dict(zip(OUTPUTS, fields))
    shape = fields[0].shape
    for name, c, (axis, _) in zip(COORDS, coords, axes):
        if len(shape) < -axis or shape[axis] != c.shape[axis]:
            raise ValueError(
                f"the output's trailing dimensions must be the grid's: {name!r} varies along "
                f"axis {axis} of shape {tuple(c.shape)}, the fields have shape {tuple(shape)}"
            )
    d = {"": _stack(fields, 0)}
    for suffix in _links(wanted):
        parent, k = CHAIN[suffix]
        d[suffix] = _difference(d[parent], *axes[k])
    for suffix, group in _by_suffix(wanted):
        for name, f in group:
            values[name] = _keep(d[suffix][f], create_graph)
    return values
