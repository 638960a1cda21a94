"""The PyTorch runtime of every generated module: argument checks and small helpers.

``_check_coords`` and ``_to_value`` check and convert what the caller passes;
``_is_array``/``_unstack`` let the shared ``_fields`` read the model's output; ``_keep``
drops the graph of a result when ``create_graph=False``; ``_grads`` is one backward pass
to several leaves, the step of every reverse-mode engine.
"""

from __future__ import annotations

import torch

COORDS: tuple = ()  # placeholder: the generated module's table

# ---- generated modules copy everything below this line ----
ARRAY = "torch.Tensor"
ARRAYS = "tensors"


def _check_coords(coords):
    """The coordinates as given, after checking their number, kind, dtype and device."""
    if len(coords) != len(COORDS):
        raise TypeError(
            f"expected {len(COORDS)} coordinate tensors ({', '.join(COORDS)}), got {len(coords)}"
        )
    for name, c in zip(COORDS, coords):
        if not isinstance(c, torch.Tensor):
            raise TypeError(f"coordinate {name!r} must be a torch.Tensor, got {type(c).__name__}")
        if not c.is_floating_point():
            raise TypeError(f"coordinate {name!r} must be floating point, got {c.dtype}")
        if c.dtype != coords[0].dtype or c.device != coords[0].device:
            raise TypeError(
                f"coordinate {name!r} is {c.dtype} on {c.device}, but {COORDS[0]!r} is "
                f"{coords[0].dtype} on {coords[0].device}"
            )
    return coords


def _to_value(name, value, like):
    """A param or input as a tensor of the coordinates' dtype and device."""
    if isinstance(value, torch.Tensor):
        if value.device != like.device:
            raise TypeError(f"{name!r} is on {value.device}, the coordinates on {like.device}")
        if value.is_floating_point() and value.dtype != like.dtype:
            raise TypeError(f"{name!r} is {value.dtype}, the coordinates are {like.dtype}")
        return value
    try:
        return torch.as_tensor(value, dtype=like.dtype, device=like.device)
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(f"{name!r} must be a number or a tensor: {error}") from None


def _broadcast(name, value, like):
    """A function's value (tensor or number) broadcast to the fields' shape ``like``."""
    if not _is_array(value):  # a number: the fields' dtype; an array stays as it is
        value = _to_value(name, value, like)
    try:
        return value.expand(like.shape)
    except RuntimeError:
        raise ValueError(
            f"function {name!r} has shape {tuple(value.shape)}, not broadcastable to the "
            f"fields' shape {tuple(like.shape)}"
        ) from None


def _is_array(value):
    return isinstance(value, torch.Tensor)


def _unstack(out, axis):
    """One array with the fields on ``axis`` -> a tuple of fields."""
    return tuple(out.unbind(axis))


def _keep(value, create_graph):
    """``value``, detached from the graph unless ``create_graph``."""
    return value if create_graph else value.detach()


def _grads(y, xs, create_graph):
    """[dy/dx for x in xs] in one backward pass; None where y does not depend on x."""
    if y is None or not y.requires_grad:
        return [None] * len(xs)
    return torch.autograd.grad(
        y, xs, create_graph=create_graph, retain_graph=True, allow_unused=True
    )


def _grad(y, x, create_graph):
    """dy/dx, or None when y does not depend on x (its derivative is zero)."""
    return _grads(y, [x], create_graph)[0]
