"""Residual losses over large point sets, evaluated in chunks with bounded memory.

Input: a :class:`~pdecomp.runtime.CompiledPDE`, an equation name, a model and the
coordinates of N points. Output: the mean-square residual loss over all N points (and,
for torch, its gradient accumulated in the model's ``.grad``), computed chunk by chunk so
that memory grows with the chunk size, not with N.

Why this is exact
-----------------
The mean-square loss is a sum over points, ``L = (1/E) sum_i r_i^2`` with ``E`` the
number of residual entries, so it splits into chunk sums ``L = sum_c (1/E) sum_{i in c}
r_i^2`` and so does its gradient. Each chunk's residual equals the unchunked residual at
the same points *provided the model is pointwise along the chunked axis*: the output at a
point depends only on that point's coordinates (an MLP PINN, a DeepONet's trunk points).
That is also what Zero Coordinate Shift itself assumes; a model that mixes points
(batch normalisation over the points, attention across them) is outside both.

The two frameworks differ in how memory is bounded:

* torch (:func:`chunked_loss_backward`): each chunk's share of the loss is
  back-propagated at once and its graph freed, so ``.grad`` accumulates the gradient of
  the full loss while only one chunk's graph is alive. It returns the loss value. Call it
  once per equation (gradients add up), then ``optimizer.step()``.
* JAX (:func:`chunked_loss`): a pure function, a ``jax.lax.map`` over the chunks whose
  body is wrapped in ``jax.checkpoint``, so under ``jax.grad`` only the chunk inputs are
  stored and each chunk's intermediates are recomputed during the backward pass. Use it
  inside ``jax.jit``/``jax.grad`` like any loss.

Chunks run along axis 0 of every coordinate (the points axis of a PINN's ``(N,)``
coordinates and of a DeepONet's ``(N,)`` trunk points; the residual may have more axes,
e.g. ``(M, N)``: its trailing axes are the coordinates' axes). ``point_inputs`` are
``inputs`` of the system sampled at the points, laid out like the residual: they are
sliced along the residual's points axis, ``-coords[0].ndim``. Every other keyword
(params, inputs that broadcast) is passed unchanged. The last chunk may be shorter than
``chunk``. Each chunk contributes ``mean(r_c**2) * len_c / N``, which sums to the mean
over all points.

This module imports neither torch nor jax at import time: pdecomp depends on neither.
"""

from __future__ import annotations

import contextlib

__all__ = ["chunked_loss", "chunked_loss_backward"]


def _check_chunk(chunk) -> int:
    if not isinstance(chunk, int) or isinstance(chunk, bool) or chunk < 1:
        raise ValueError(f"chunk must be a positive int, got {chunk!r}")
    return chunk


def _chunk_bounds(n: int, chunk: int) -> list[tuple[int, int]]:
    """The (start, stop) ranges of consecutive chunks of at most ``chunk`` points."""
    _check_chunk(chunk)
    return [(start, min(start + chunk, n)) for start in range(0, n, chunk)]


def _points(coords) -> int:
    """The number of points N: the common length of axis 0 of the coordinates."""
    if not isinstance(coords, (tuple, list)) or not coords:
        raise TypeError("coords must be a non-empty tuple or list of coordinate arrays")
    lengths = {tuple(c.shape)[:1] for c in coords}
    if len(lengths) != 1 or lengths == {()}:
        shapes = ", ".join(str(tuple(c.shape)) for c in coords)
        raise ValueError(f"coordinates must share a points axis 0 to be chunked; got {shapes}")
    n = lengths.pop()[0]
    if n == 0:
        raise ValueError("the coordinates hold no points")
    return n


def _check_backend(pde, backend: str, instead: str) -> None:
    if pde.backend != backend:
        raise TypeError(
            f"this helper needs a pdecomp.compile(..., backend={backend!r}) result; "
            f"got backend {pde.backend!r} (use {instead} for it)"
        )


# ---- torch -------------------------------------------------------------------------


def chunked_loss_backward(
    pde, name, model, coords, chunk, *, point_inputs=None, weight=1.0, no_sync=None, **keywords
):
    """Back-propagate ``weight * mean(residual**2)`` over all points, one chunk at a time.

    pde: a torch :class:`~pdecomp.runtime.CompiledPDE`; name: the equation.
    model: the model (any callable, a ``DistributedDataParallel`` module too).
    coords: tuple of coordinate tensors sharing axis 0 (the N points).
    chunk: points per chunk. point_inputs: dict of per-point ``inputs``, sliced with the
    coordinates. weight: a factor on this loss (to add several equations' losses).
    no_sync: under DDP, ``ddp.no_sync``: every chunk but the last then runs inside it, so
    the gradients are all-reduced once, by the last chunk's backward, instead of once per
    chunk (both are correct). For several calls in one step, run all but the last inside
    ``with ddp.no_sync():`` as well.
    keywords: params and broadcastable inputs, passed to the residual unchanged.

    Adds the gradient of the full loss to the ``.grad`` of every leaf the residual
    depends on (the model's parameters; a ``requires_grad`` param too), exactly as
    ``(weight * pde.residual(name, model, *coords).pow(2).mean()).backward()`` would,
    up to floating-point summation order. Returns the loss value (a detached 0-d tensor,
    not multiplied by ``weight``).
    """
    _check_backend(pde, "torch", "chunked_loss")
    n = _points(coords)
    bounds = _chunk_bounds(n, chunk)
    total = None
    for i, (start, stop) in enumerate(bounds):
        quiet = no_sync is not None and i < len(bounds) - 1
        with no_sync() if quiet else contextlib.nullcontext():
            r = _torch_chunk_residual(pde, name, model, coords, point_inputs, keywords, start, stop)
            loss = r.pow(2).mean() * ((stop - start) / n)  # this chunk's share of the mean
            (weight * loss).backward()
        total = loss.detach() if total is None else total + loss.detach()
    return total


def _torch_chunk_residual(
    pde, name, model, coords, point_inputs, keywords, start, stop, create_graph=True
):
    """The residual on points [start, stop), with the per-point inputs sliced to match."""
    part = tuple(c[start:stop] for c in coords)
    axis = -coords[0].ndim  # the residual's trailing axes are the coordinates' axes
    sliced = {k: v.narrow(axis, start, stop - start) for k, v in (point_inputs or {}).items()}
    return pde.residual(name, model, *part, create_graph=create_graph, **keywords, **sliced)


def _torch_chunked_value(pde, name, model, coords, chunk, point_inputs, keywords):
    """The loss value only (no graph kept): for evaluation, e.g. a validation loss."""
    n = _points(coords)
    total = 0.0
    for start, stop in _chunk_bounds(n, chunk):
        r = _torch_chunk_residual(
            pde, name, model, coords, point_inputs, keywords, start, stop, create_graph=False
        )
        total = total + r.detach().pow(2).mean() * ((stop - start) / n)
    return total


# ---- JAX ---------------------------------------------------------------------------


def chunked_loss(pde, name, model, coords, chunk, *, point_inputs=None, **keywords):
    """``mean(residual**2)`` over all points, evaluated ``chunk`` points at a time.

    JAX: a pure, differentiable function (use it under ``jax.jit`` and ``jax.grad``; the
    model may close over the traced parameters). The chunks run in a ``jax.lax.map``
    whose body is ``jax.checkpoint``-ed, so the memory of the loss *and of its gradient*
    grows with ``chunk``, not with N; the gradient equals that of the unchunked loss up
    to floating-point summation order. A last chunk shorter than ``chunk`` is evaluated
    after the map.

    torch: the loss value only, without a graph (e.g. a validation loss over 10^6
    points); to train, use :func:`chunked_loss_backward`.

    Arguments as for :func:`chunked_loss_backward` (without ``weight``).
    """
    if pde.backend == "torch":
        return _torch_chunked_value(pde, name, model, coords, chunk, point_inputs, keywords)
    _check_backend(pde, "jax", "chunked_loss_backward")
    import jax
    import jax.numpy as jnp

    n = _points(coords)
    whole = n // _check_chunk(chunk)  # the number of full chunks
    split = whole * chunk
    axis = -coords[0].ndim  # the residual's (and point inputs') points axis
    point_inputs = dict(point_inputs or {})

    @jax.checkpoint  # under jax.grad, keep only the chunk's inputs; recompute the rest
    def share(part):
        part_coords, part_inputs = part
        r = pde.residual(name, model, *part_coords, **keywords, **part_inputs)
        return jnp.mean(r**2) * (part_coords[0].shape[0] / n)

    total = jnp.zeros((), coords[0].dtype)
    if whole:
        stacked = (
            tuple(_stack_chunks(c[:split], whole, 0) for c in coords),
            {
                k: _stack_chunks(_take(v, 0, split, axis), whole, axis)
                for k, v in point_inputs.items()
            },
        )
        total = total + jnp.sum(jax.lax.map(share, stacked))
    if split < n:
        tail = (
            tuple(c[split:] for c in coords),
            {k: _take(v, split, n, axis) for k, v in point_inputs.items()},
        )
        total = total + share(tail)
    return total


def _take(value, start, stop, axis):
    """``value[start:stop]`` along ``axis``."""
    import jax

    return jax.lax.slice_in_dim(value, start, stop, axis=axis)


def _stack_chunks(value, count, axis):
    """Split ``axis`` of ``value`` into ``count`` equal chunks, stacked on a new axis 0."""
    import jax.numpy as jnp

    axis = axis % value.ndim
    shape = value.shape[:axis] + (count, value.shape[axis] // count) + value.shape[axis + 1 :]
    return jnp.moveaxis(value.reshape(shape), axis, 0)
