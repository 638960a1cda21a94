"""The PyTorch part of the grid engine (``grid``): the array operations it needs.

Input and output: tensors. Spliced before the method's part (``fd``,
``torch_spectral``) and the shared ``grid`` engine.
"""

from __future__ import annotations

import torch

COORDS: tuple = ()  # placeholders: the generated module's tables and the shared engine
_grid_axis = None


# ---- generated modules copy everything below this line ----
def _grid_axes(coords):
    """Per coordinate: (axis, h), the axis (negative) along which its grid varies, uniformly."""
    return [_grid_axis(name, c.detach()) for name, c in zip(COORDS, coords)]


def _eps(c):
    return torch.finfo(c.dtype).eps


def _max_abs(c):
    return float(c.abs().max()) if c.numel() else 0.0


def _diff(c, axis):
    return c.diff(dim=axis)


def _moveaxis(u, source, destination):
    return u.movedim(source, destination)


def _concat(arrays, axis):
    return torch.cat(arrays, axis)


def _stack(arrays, axis):
    return torch.stack(arrays, axis)
