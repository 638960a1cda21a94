"""Derivatives on the output grid (methods ``fd2``, ``fd4``, ``spectral``), for any framework.

Input: the model, coordinate grids and the derivative names wanted. Output: a dict of the
values of the model's outputs and those derivatives. Each coordinate grid is uniform
along one axis; each link of ``CHAIN`` is one first derivative along that axis,
``_grid_derivative(u, axis, h)``, which the method's module spliced before this one
supplies: central stencils (``fd``) or an FFT (``torch_spectral``, ``jax_spectral``).
The framework part (``torch_grid``, ``jax_grid``) supplies ``_grid_axes`` and the small
array helpers; ``GRID_METHOD`` names the method in messages, ``GRID_POINTS`` is the
fewest points a grid axis may have.
"""

from __future__ import annotations

from pdecomp.backends.engines.api import _by_suffix, _fields, _links

# Placeholders: the generated module's tables, and the framework and method parts.
COORDS: tuple = ()
OUTPUTS: tuple = ()
CHAIN: dict = {}
GRID_METHOD = "fd2"
GRID_POINTS = 3
_keep = _grid_axes = _stack = _max_abs = _diff = _eps = _grid_derivative = None


# ---- generated modules copy everything below this line ----
def _grid_axis(name, c):
    """(axis, h): the one axis (negative) along which grid ``c`` varies, and its spacing."""
    tol = 64 * _eps(c) * _max_abs(c)
    varying = [a for a in range(-c.ndim, 0) if c.shape[a] > 1 and _max_abs(_diff(c, a)) > tol]
    if len(varying) != 1:
        raise ValueError(
            f"method {GRID_METHOD} needs each coordinate grid to vary along exactly one "
            f"axis; {name!r} (shape {tuple(c.shape)}) varies along axes {varying}"
        )
    axis = varying[0]
    steps = _diff(c, axis)
    h = float(steps.mean())
    if _max_abs(steps - h) > tol:
        raise ValueError(
            f"method {GRID_METHOD} needs uniform spacing; {name!r} has steps from "
            f"{float(steps.min())} to {float(steps.max())} along axis {axis}"
        )
    if c.shape[axis] < GRID_POINTS:
        raise ValueError(
            f"method {GRID_METHOD} needs at least {GRID_POINTS} points along each "
            f"grid axis; {name!r} has {c.shape[axis]} along axis {axis}"
        )
    return axis, h


def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The outputs and the derivatives `wanted`, by derivatives along the grid's axes.

    The output's trailing dimensions are the grid's (leading ones, batch or channels, are
    kept).
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
        d[suffix] = _grid_derivative(d[parent], *axes[k])
    for suffix, group in _by_suffix(wanted):
        for name, f in group:
            values[name] = _keep(d[suffix][f], create_graph)
    return values
