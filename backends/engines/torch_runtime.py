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
            raise TypeError(f"coordinate {name!r} must be a torch.Tensor, got {_kind(c)}")
        if not c.is_floating_point():
            raise TypeError(f"coordinate {name!r} must be floating point, got {c.dtype}")
        if c.dtype != coords[0].dtype or c.device != coords[0].device:
            raise TypeError(
                f"coordinate {name!r} is {c.dtype} on {c.device}, but {COORDS[0]!r} is "
                f"{coords[0].dtype} on {coords[0].device}"
            )
    return coords


def _kind(value):
    """How a value is named in messages: another framework's array says which."""
    kind = type(value).__module__.split(".")[0]
    if kind in ("jax", "jaxlib"):
        return f"a JAX array ({type(value).__name__}): this module is compiled for torch"
    return type(value).__name__


def _to_value(name, value, like):
    """A param or input as a tensor of the coordinates' dtype and device."""
    if type(value).__module__.split(".")[0] in ("jax", "jaxlib"):
        raise TypeError(f"{name!r} must be a number or a torch.Tensor, got {_kind(value)}")
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


def _broadcast_function(name, value, like):
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


def _differentiate(engine, model, coords, wanted, create_graph, field_axis):
    """The engine's fields and derivatives, with autograd on whatever the caller's mode.

    Under torch.no_grad() or torch.inference_mode() (a validation loop) autograd is
    switched back on inside, so derivatives are right, and every value comes back
    detached: the caller asked for no graph.
    """
    if torch.is_grad_enabled() and not torch.is_inference_mode_enabled():
        return engine(model, coords, wanted, create_graph, field_axis)
    with torch.inference_mode(False), torch.enable_grad():
        coords = tuple(c.clone() if c.is_inference() else c for c in coords)
        values = engine(model, coords, wanted, False, field_axis)
        return {name: value.detach() for name, value in values.items()}


def _fill(value, like):
    """``value`` (a number, or a tensor of fewer axes) broadcast to the shape of ``like``."""
    return torch.zeros_like(like) + value


def _squeeze(out, axis):
    return out.squeeze(axis)


def _is_array(value):
    """A tensor, or a tensor-like (torch's term): zcs-taylor's jets pass through _fields."""
    return torch.overrides.is_tensor_like(value)


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
