"""The choice by layout: per-point leaves where it allows, reverse ZCS elsewhere.

Input: the model, the coordinates and the derivative names wanted. Output: a dict of the
field values and those derivatives. One model call on the coordinates shifted by zero
scalars; then, when every coordinate has the fields' shape and each output depends on
its own point alone, the per-point passes of ``torch_leaves`` w.r.t. the shifted
coordinates (a PINN: no pass w.r.t. dummy weights); otherwise the ZCS passes of
``torch_zcs_core`` (a DeepONet, a CNN on a grid). The check perturbs half of the points
once per model and coordinate shapes (a model that cannot be weakly referenced is
checked at every call).
"""

from __future__ import annotations

import weakref

import torch

from pdecomp.backends.engines.api import _fields
from pdecomp.backends.engines.torch_leaves import _points_shape_error, _pointwise
from pdecomp.backends.engines.torch_zcs_core import _zcs

# ---- generated modules copy everything below this line ----
_LAYOUTS = weakref.WeakKeyDictionary()  # model -> {(shapes, dtype, device, axis): bool}


def _zcs_or_pointwise(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`: per-point leaves or reverse ZCS.

    A model already found pointwise at these shapes is called on the coordinates as
    leaves, as hand-written per-point autograd does (no zero scalars to carry through the
    training step), unless a coordinate is itself differentiated (requires grad).
    """
    known = _known_layouts(model)
    key = (tuple(tuple(c.shape) for c in coords), coords[0].dtype, coords[0].device, field_axis)
    if wanted and known.get(key) and not any(c.requires_grad for c in coords):
        xs = [c.detach().requires_grad_(True) for c in coords]
        return _pointwise(_fields(model(*xs), field_axis), xs, wanted, create_graph)
    zs = [torch.zeros((), dtype=c.dtype, device=c.device, requires_grad=True) for c in coords]
    xs = [c + z for c, z in zip(coords, zs)]
    fields = _fields(model(*xs), field_axis)
    if wanted and _is_pointwise(model, coords, fields, field_axis, known, key):
        return _pointwise(fields, xs, wanted, create_graph)
    return _zcs(fields, zs, wanted, create_graph)


def _known_layouts(model):
    """The layouts found for ``model``: {key: pointwise?} (a new dict if not weakly kept)."""
    try:
        return _LAYOUTS.setdefault(model, {})
    except TypeError:  # not weakly referenceable: check every time
        return {}


def _is_pointwise(model, coords, fields, field_axis, known, key):
    """Whether the per-point passes are exact here (the result is kept in ``known``)."""
    if _points_shape_error(coords, fields[0].shape):
        return False
    if key not in known:
        known[key] = _independent(model, coords, fields, field_axis)
    return known[key]


def _independent(model, coords, fields, field_axis):
    """Whether the outputs at unmoved points stay put when half of the points move.

    A pseudo-random half of the points (fixed seed) is shifted in every coordinate; a
    model whose outputs mix points (convolutions, normalisation over the batch, a random
    layer) changes the outputs of the other half, and per-point leaves would be wrong.
    """
    n = coords[0].numel()
    if n < 2:
        return True
    generator = torch.Generator().manual_seed(0)
    moved = torch.rand(n, generator=generator) < 0.5
    moved[0], moved[1] = True, False
    moved = moved.reshape(coords[0].shape).to(coords[0].device)
    with torch.no_grad():
        shifted = []
        for c in coords:
            span = (c.max() - c.min()) if c.numel() else 0.0
            shift = 0.1 * span + 0.01 * (1 + c.abs().max())
            shifted.append(torch.where(moved, c + shift, c))
        try:
            again = _fields(model(*shifted), field_axis)
        except Exception:  # the model rejects the moved points: use ZCS
            return False
        for u, v in zip(fields, again):
            u = u.detach()
            if v.shape != u.shape:
                return False
            tolerance = 64 * torch.finfo(u.dtype).eps * (1 + float(u.abs().max()))
            if bool(((u - v).abs() > tolerance)[~moved].any()):
                return False
    return True
