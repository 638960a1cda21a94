"""JAX derivatives of fields given as a function of the shifts (for ``residuals_from``).

Input: ``fields``, a function of the zero scalars (``fields(zeros)``) or of the model's
input (``fields(leaf)``, coordinates on its last axis); the derivative names wanted.
Output: a dict of the field values and those derivatives, by the module's own method:
the zero scalars (one per column of the leaf, added to that column) play the part of
the coordinates, so every ZCS method applies unchanged. The cache is not needed: under
``jax.jit``, XLA computes repeated work once.
"""

from __future__ import annotations

import jax.numpy as jnp

COORDS: tuple = ()  # placeholders: the generated module's tables and engine
_derivatives = None


# ---- generated modules copy everything below this line ----
def _given_derivatives(fields, zeros, leaf, wanted, create_graph, field_axis, cache):
    """The fields and the derivatives `wanted` of the function `fields` (see residuals_from)."""
    if not callable(fields):
        raise TypeError(
            "in JAX, fields must be a function, fields(zeros) or fields(leaf), returning the "
            "model's output (JAX differentiates functions, not values)"
        )
    if zeros is not None:
        zs = tuple(jnp.asarray(z) for z in zeros)
        if len(zs) != len(COORDS) or any(z.ndim != 0 for z in zs):
            raise TypeError(
                f"zeros must be {len(COORDS)} scalars, one per coordinate ({', '.join(COORDS)})"
            )

        def shifted(*z):
            return fields(tuple(z))
    else:
        leaf = jnp.asarray(leaf)
        if leaf.ndim == 0 or leaf.shape[-1] != len(COORDS):
            raise ValueError(
                f"leaf has shape {tuple(leaf.shape)}; its last axis must hold the "
                f"{len(COORDS)} coordinates ({', '.join(COORDS)})"
            )
        zs = tuple(jnp.zeros((), leaf.dtype) for _ in COORDS)

        def shifted(*z):
            return fields(leaf + jnp.stack(z))

    return _derivatives(shifted, zs, wanted, create_graph, field_axis)
