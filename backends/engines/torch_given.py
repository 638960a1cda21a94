"""PyTorch derivatives of fields the caller evaluated (for ``residuals_from``).

Input: the model's output, and the zero scalars or the leaf it was computed from; the
derivative names wanted; the caller's cache. Output: a dict of the field values and
those derivatives. With ``zeros``: reverse-mode ZCS on the dummy-weighted sum
``omega = sum(a * u)``. With ``leaf``: one backward pass per field and parent in CHAIN to
the leaf gives that parent's derivatives in every coordinate (the leaf's last axis).
"""

from __future__ import annotations

import torch

from pdecomp.backends.engines.api import _by_suffix, _fields, _links
from pdecomp.backends.engines.given import _link_groups
from pdecomp.backends.engines.torch_runtime import _grads, _keep

COORDS: tuple = ()  # placeholders: the generated module's tables
FIELDS: tuple = ()
CHAIN: dict = {}
DERIVATIVES: dict = {}


# ---- generated modules copy everything below this line ----
def _given_derivatives(fields, zeros, leaf, wanted, create_graph, field_axis, cache):
    """The fields and the derivatives `wanted` of output `fields` (see residuals_from)."""
    fields = _fields(fields, field_axis)
    values = dict(zip(FIELDS, fields))
    cache = {} if cache is None else cache
    if zeros is not None:
        zeros = list(zeros)
        if len(zeros) != len(COORDS) or any(z.ndim != 0 or not z.requires_grad for z in zeros):
            raise TypeError(
                f"zeros must be {len(COORDS)} scalar tensors with requires_grad, one per "
                f"coordinate ({', '.join(COORDS)})"
            )
        derived = _given_zcs(fields, zeros, wanted, cache)
    else:
        if not isinstance(leaf, torch.Tensor) or not leaf.requires_grad:
            raise TypeError("leaf must be the model's input tensor, with requires_grad")
        if leaf.ndim == 0 or leaf.shape[-1] != len(COORDS):
            raise ValueError(
                f"leaf has shape {tuple(leaf.shape)}; its last axis must hold the "
                f"{len(COORDS)} coordinates ({', '.join(COORDS)})"
            )
        derived = _given_leaf(fields, leaf, wanted, cache)
    for name in wanted:
        values[name] = _keep(derived[name], create_graph)
    return values


def _given_zcs(fields, zeros, wanted, cache):
    """Derivatives by ZCS from the zero scalars the fields were computed with."""
    if "omega" not in cache:
        weights = [torch.ones_like(u, requires_grad=True) for u in fields]
        cache["weights"] = weights
        cache["omega"] = {"": sum((a * u).sum() for a, u in zip(weights, fields))}
    omega, weights = cache["omega"], cache["weights"]
    links = [s for s in _links(wanted) if s not in omega]
    for parent, children in _link_groups(links):
        grads = _grads(omega[parent], [zeros[k] for _, k in children], create_graph=True)
        omega.update((suffix, g) for (suffix, _), g in zip(children, grads))
    derived = cache.setdefault("derived", {})
    todo = [name for name in wanted if name not in derived]
    for suffix, group in _by_suffix(todo):
        grads = _grads(omega[suffix], [weights[f] for _, f in group], create_graph=True)
        for (name, f), g in zip(group, grads):
            derived[name] = torch.zeros_like(fields[f]) if g is None else g
    return derived


def _given_leaf(fields, leaf, wanted, cache):
    """Derivatives by backward passes to the leaf, one per field and parent link."""
    values = cache.setdefault("leaf", {})  # (field index, suffix) -> derivative
    grads = cache.setdefault("leaf_grads", {})  # (field index, parent) -> d/d(leaf)
    for f, field in enumerate(FIELDS):
        mine = [name for name in wanted if DERIVATIVES[name][0] == field]
        values.setdefault((f, ""), fields[f])
        for suffix in _links(mine):
            if (f, suffix) in values:
                continue
            parent, k = CHAIN[suffix]
            if (f, parent) not in grads:
                grads[(f, parent)] = _leaf_grad(values[(f, parent)], leaf)
            values[(f, suffix)] = _column(grads[(f, parent)], k, fields[f].shape)
    return {
        name: values[(FIELDS.index(DERIVATIVES[name][0]), DERIVATIVES[name][1])] for name in wanted
    }


def _leaf_grad(value, leaf):
    """d(value)/d(leaf) summed over the points: one backward pass (all-ones seed)."""
    if not value.requires_grad:
        return torch.zeros_like(leaf)
    (g,) = torch.autograd.grad(
        value, leaf, grad_outputs=torch.ones_like(value), create_graph=True, allow_unused=True
    )
    return torch.zeros_like(leaf) if g is None else g


def _column(g, k, shape):
    """Coordinate k of the leaf gradient `g`, in the field's shape (one view when it can)."""
    if tuple(g.shape) == tuple(shape) and g.shape[-1] == 1:
        return g
    if tuple(g.shape[:-1]) + (1,) == tuple(shape):
        return g[..., k : k + 1]
    return g.select(-1, k).reshape(shape)
