"""Spectral differentiation on a periodic output grid (method ``spectral``), any framework.

Input: the model, coordinate grids and the derivative names wanted. Output: a dict of the
values of the model's outputs and those derivatives. Each coordinate grid is uniform
along one axis and periodic without its endpoint (``x_j = x_0 + j h``, period ``n h``);
each link of ``CHAIN`` is one spectral first derivative along that axis (an FFT, times
``i k``, the Nyquist mode's derivative set to zero, an inverse FFT), as a Fourier
(PINO-style) physics loss does. The framework part spliced before this one
(``torch_spectral``, ``jax_spectral``) supplies ``_grid_axes``, ``_spectral_derivative``
and the small array helpers.
"""

from __future__ import annotations

from pdecomp.backends.engines.api import _by_suffix, _fields, _links

# Placeholders: the generated module's tables, and the framework part's helpers.
COORDS: tuple = ()
OUTPUTS: tuple = ()
CHAIN: dict = {}
_keep = _grid_axes = _stack = _max_abs = _diff = _eps = _spectral_derivative = None


# ---- generated modules copy everything below this line ----
def _grid_axis(name, c):
    """(axis, h): the one axis (negative) along which grid ``c`` varies, and its spacing."""
    tol = 64 * _eps(c) * _max_abs(c)
    varying = [a for a in range(-c.ndim, 0) if c.shape[a] > 1 and _max_abs(_diff(c, a)) > tol]
    if len(varying) != 1:
        raise ValueError(
            "method spectral needs each coordinate grid to vary along exactly one axis; "
            f"{name!r} (shape {tuple(c.shape)}) varies along axes {varying}"
        )
    axis = varying[0]
    steps = _diff(c, axis)
    h = float(steps.mean())
    if _max_abs(steps - h) > tol:
        raise ValueError(
            f"method spectral needs uniform spacing; {name!r} has steps from "
            f"{float(steps.min())} to {float(steps.max())} along axis {axis}"
        )
    return axis, h


def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The outputs and the derivatives `wanted`, by spectral differentiation on the grid.

    The output's trailing dimensions are the grid's (leading ones, batch or channels, are
    kept); the grid is taken as one period of a periodic function in each coordinate.
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
        d[suffix] = _spectral_derivative(d[parent], *axes[k])
    for suffix, group in _by_suffix(wanted):
        for name, f in group:
            values[name] = _keep(d[suffix][f], create_graph)
    return values
