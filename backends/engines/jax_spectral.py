"""The JAX part of the spectral engine (``spectral``): FFT derivative and helpers.

Input and output: arrays. Spliced before the shared ``spectral`` engine. The grid spacing
is read from the coordinate values, so the grids must be concrete (not traced).
"""

from __future__ import annotations

import math

import jax
import jax.numpy as jnp

COORDS: tuple = ()  # placeholders: the generated module's table and the shared engine
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
            "method spectral reads the grid spacing from the coordinate values, which are "
            "traced here: under jax.jit or jax.vmap, close over the coordinate grids "
            "instead of passing them as traced arguments"
        ) from None


def _spectral_derivative(u, axis, h):
    """du/dx along `axis` of u, periodic with period n h: rfft, times i k, inverse rfft."""
    n = u.shape[axis]
    k = 2 * math.pi * jnp.fft.rfftfreq(n, d=h).astype(u.dtype)
    if n % 2 == 0:
        k = k.at[-1].set(0.0)  # the Nyquist mode's derivative is not real: zero, as usual
    shape = [1] * u.ndim
    shape[axis] = k.shape[0]
    spectrum = jnp.fft.rfft(u, axis=axis) * (1j * k).reshape(shape)
    return jnp.fft.irfft(spectrum, n=n, axis=axis)


def _eps(c):
    return float(jnp.finfo(c.dtype).eps)


def _max_abs(c):
    return float(jnp.max(jnp.abs(c))) if c.size else 0.0


def _diff(c, axis):
    return jnp.diff(c, axis=axis)


def _stack(arrays, axis):
    return jnp.stack(arrays, axis)
