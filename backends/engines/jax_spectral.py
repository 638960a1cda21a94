"""Spectral differentiation for the grid engine (method ``spectral``), in JAX: by FFT.

Input and output: arrays. Spliced before the shared ``grid`` engine. The grid spacing
is read from the coordinate values, so the grids must be concrete (not traced).
"""

from __future__ import annotations

import math

import jax.numpy as jnp

# ---- generated modules copy everything below this line ----
GRID_POINTS = 2  # a grid axis of one point does not vary


def _grid_derivative(u, axis, h):
    """du/dx along `axis` of u, periodic with period n h: rfft, times i k, inverse rfft."""
    n = u.shape[axis]
    k = 2 * math.pi * jnp.fft.rfftfreq(n, d=h).astype(u.dtype)
    if n % 2 == 0:
        k = k.at[-1].set(0.0)  # the Nyquist mode's derivative is not real: zero, as usual
    shape = [1] * u.ndim
    shape[axis] = k.shape[0]
    spectrum = jnp.fft.rfft(u, axis=axis) * (1j * k).reshape(shape)
    return jnp.fft.irfft(spectrum, n=n, axis=axis)
