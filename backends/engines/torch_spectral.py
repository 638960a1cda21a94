"""Spectral differentiation for the grid engine (method ``spectral``), in PyTorch: by FFT.

Input and output: tensors. Spliced before the shared ``grid`` engine.
"""

from __future__ import annotations

import math

import torch

# ---- generated modules copy everything below this line ----
GRID_POINTS = 2  # a grid axis of one point does not vary


def _grid_derivative(u, axis, h):
    """du/dx along `axis` of u, periodic with period n h: rfft, times i k, inverse rfft."""
    n = u.shape[axis]
    k = 2 * math.pi * torch.fft.rfftfreq(n, d=h, dtype=u.dtype, device=u.device)
    if n % 2 == 0:
        k[-1] = 0.0  # the Nyquist mode's derivative is not real: zero, as usual
    shape = [1] * u.ndim
    shape[axis] = k.shape[0]
    spectrum = torch.fft.rfft(u, dim=axis) * (1j * k).reshape(shape)
    return torch.fft.irfft(spectrum, n=n, dim=axis)
