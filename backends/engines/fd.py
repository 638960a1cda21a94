"""Central finite differences (methods ``fd2``, ``fd4``): the grid engine's derivative.

Input: an array and the axis and spacing of a grid. Output: its first derivative along
that axis, by the stencils of order ``FD_ORDER`` (the generated module's table); spliced
before the shared ``grid`` engine, after the framework part (``torch_grid``,
``jax_grid``) whose ``_moveaxis``, ``_concat`` and ``_stack`` it uses.
"""

from __future__ import annotations

# Placeholders: the generated module's table, and the framework part's helpers.
FD_ORDER = 2
_moveaxis = _concat = _stack = None

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
GRID_POINTS = len(FD_STENCILS[FD_ORDER][0])  # a central stencil's width


def _grid_derivative(u, axis, h):
    """du/dx along `axis` of u, spacing h: central stencil inside, one-sided at the edges."""
    central, edge = FD_STENCILS[FD_ORDER]
    m, n = len(edge), u.shape[axis]
    v = _moveaxis(u, axis, -1)
    inner = sum(w * v[..., m + k : n - m + k] for k, w in zip(range(-m, m + 1), central) if w)
    head = [sum(w * v[..., j] for j, w in enumerate(row)) for row in edge]
    tail = [-sum(w * v[..., n - 1 - j] for j, w in enumerate(row)) for row in edge[::-1]]
    du = _concat([_stack(head, -1), inner, _stack(tail, -1)], -1) / h
    return _moveaxis(du, -1, axis)
