"""The PyTorch part of the spectral engine (``spectral``): FFT derivative and helpers.

Input and output: tensors. Spliced before the shared ``spectral`` engine.
"""

from __future__ import annotations

import math

import torch

COORDS: tuple = ()  # placeholders: the generated module's table and the shared engine
_grid_axis = None


# ---- generated modules copy everything below this line ----
def _grid_axes(coords):
    """Per coordinate: (axis, h), the axis (negative) along which its grid varies, uniformly."""
    return [_grid_axis(name, c.detach()) for name, c in zip(COORDS, coords)]


def _spectral_derivative(u, axis, h):
    """du/dx along `axis` of u, periodic with period n h: rfft, times i k, inverse rfft."""
    n = u.shape[axis]
    k = 2 * math.pi * torch.fft.rfftfreq(n, d=h, dtype=u.dtype, device=u.device)
    if n % 2 == 0:
        k[-1] = 0.0  # the Nyquist mode's derivative is not real: zero, as usual
    shape = [1] * u.ndim
    shape[axis] = k.shape[0]
    spectrum = torch.fft.rfft(u, dim=axis) * (1j * k).reshape(shape)
    return torch.fft.irfft(spectrum, n=n, dim=axis)


def _eps(c):
    return torch.finfo(c.dtype).eps


def _max_abs(c):
    return float(c.abs().max()) if c.numel() else 0.0


def _diff(c, axis):
    return c.diff(dim=axis)


def _stack(arrays, axis):
    return torch.stack(arrays, axis)
