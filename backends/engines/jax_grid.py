"""The JAX part of the grid engine (``grid``): the array operations it needs.

Input and output: arrays. Spliced before the method's part (``fd``,
``jax_spectral``) and the shared ``grid`` engine. The grid spacing is
read from the coordinate values, so the grids must be concrete (not traced).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

COORDS: tuple = ()  # placeholders: the generated module's tables and the shared engine
GRID_METHOD = "fd2"
_grid_axis = None


# ---- generated modules copy everything below this line ----
def _grid_axes(coords):
    """Per coordinate: (axis, h), the axis (negative) along which its grid varies, uniformly.

    The axes and spacings are read from the grids' values, so the grids must be concrete
    (under jax.jit, close over them rather than passing them as traced arguments).
    """
    try:
        with jax.ensure_compile_time_eval():
            return [_grid_axis(name, c) for name, c in zip(COORDS, coords)]
    except jax.errors.ConcretizationTypeError:
        raise ValueError(
            f"method {GRID_METHOD} reads the grid spacing from the coordinate values, which "
            f"are traced here: under jax.jit or jax.vmap, close over the coordinate grids "
            f"instead of passing them as traced arguments"
        ) from None


def _eps(c):
    return float(jnp.finfo(c.dtype).eps)


def _max_abs(c):
    return float(jnp.max(jnp.abs(c))) if c.size else 0.0


def _diff(c, axis):
    return jnp.diff(c, axis=axis)


def _moveaxis(u, source, destination):
    return jnp.moveaxis(u, source, destination)


def _concat(arrays, axis):
    return jnp.concatenate(arrays, axis)


def _stack(arrays, axis):
    return jnp.stack(arrays, axis)
