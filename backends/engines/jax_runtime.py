"""The JAX runtime of every generated module: argument checks and small helpers.

``_check_coords`` and ``_to_value`` check and convert what the caller passes;
``_is_array``/``_unstack`` let the shared ``_fields`` read the model's output; ``_keep``
exists for parity with torch (JAX keeps no graph: ``create_graph`` has no effect).
"""

from __future__ import annotations

import jax
import jax.numpy as jnp

COORDS: tuple = ()  # placeholder: the generated module's table

# ---- generated modules copy everything below this line ----
ARRAY = "jax.Array"
ARRAYS = "arrays"


def _check_coords(coords):
    """The coordinates as JAX arrays, after checking their number, kind and dtype."""
    if len(coords) != len(COORDS):
        raise TypeError(
            f"expected {len(COORDS)} coordinate arrays ({', '.join(COORDS)}), got {len(coords)}"
        )
    for name, c in zip(COORDS, coords):
        if _foreign(c) or not hasattr(c, "dtype") or not hasattr(c, "shape"):
            raise TypeError(f"coordinate {name!r} must be an array, got {_kind(c)}")
        if not jnp.issubdtype(c.dtype, jnp.floating):
            raise TypeError(f"coordinate {name!r} must be floating point, got {c.dtype}")
        if c.dtype != coords[0].dtype:
            raise TypeError(
                f"coordinate {name!r} is {c.dtype}, but {COORDS[0]!r} is {coords[0].dtype}"
            )
    return tuple(jnp.asarray(c) for c in coords)


def _foreign(value):
    """Whether ``value`` is another framework's tensor (torch)."""
    return type(value).__module__.split(".")[0] == "torch"


def _kind(value):
    """How a value is named in messages: another framework's tensor says which."""
    if _foreign(value):
        return "a torch.Tensor: this module is compiled for JAX (pass jax arrays)"
    return type(value).__name__


def _to_value(name, value, like):
    """A param or input as an array of the coordinates' dtype."""
    if _foreign(value):
        raise TypeError(f"{name!r} must be a number or an array, got {_kind(value)}")
    dtype = getattr(value, "dtype", None)
    if dtype is not None and jnp.issubdtype(dtype, jnp.floating) and dtype != like.dtype:
        raise TypeError(f"{name!r} is {dtype}, the coordinates are {like.dtype}")
    try:
        return jnp.asarray(value, dtype=like.dtype)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name!r} must be a number or an array: {error}") from None


def _broadcast_function(name, value, like):
    """A function's value (array or number) broadcast to the fields' shape ``like``."""
    if not _is_array(value):  # a number: the fields' dtype; an array stays as it is
        value = _to_value(name, value, like)
    try:
        return jnp.broadcast_to(value, like.shape)
    except ValueError:
        raise ValueError(
            f"function {name!r} has shape {tuple(value.shape)}, not broadcastable to the "
            f"fields' shape {tuple(like.shape)}"
        ) from None


def _differentiate(engine, model, coords, wanted, create_graph, field_axis):
    """The engine's fields and derivatives (JAX has no autograd mode to restore)."""
    return engine(model, coords, wanted, create_graph, field_axis)


def _fill(value, like):
    """``value`` (a number, or an array of fewer axes) broadcast to the shape of ``like``."""
    return jnp.zeros_like(like) + value


def _squeeze(out, axis):
    return jnp.squeeze(out, axis)


def _is_array(value):
    return isinstance(value, jax.Array)


def _unstack(out, axis):
    """One array with the fields on ``axis`` -> a tuple of fields."""
    return tuple(jnp.moveaxis(out, axis, 0))


def _keep(value, create_graph):
    """``value`` as it is: JAX keeps no graph, so ``create_graph`` changes nothing."""
    return value
