"""The passes of reverse-mode Zero Coordinate Shift for PyTorch (``zcs``, ``zcs-or-pointwise``).

Input: the fields computed at coordinates shifted by zero scalars, the scalars, and the
derivative names wanted (derivatives and linear operators, ``COMBINATIONS``). Output: a
dict of the field values and those derivatives. Reads ``OUTPUTS`` and ``CHAIN``.
"""

from __future__ import annotations

import torch

from pdecomp.backends.engines.api import _by_suffix, _by_terms, _children, _links
from pdecomp.backends.engines.torch_runtime import _grads

OUTPUTS: tuple = ()  # placeholders: the generated module's tables
CHAIN: dict = {}


# ---- generated modules copy everything below this line ----
def _zcs(fields, zs, wanted, create_graph):
    """The ZCS passes on fields computed at coordinates shifted by the zero scalars zs.

    A linear operator of COMBINATIONS is summed on the omega-derivatives first, so one
    pass w.r.t. a gives it (for every field with the same terms at once).
    """
    values = dict(zip(OUTPUTS, fields))
    if not wanted:
        return values
    weights = [torch.ones_like(u, requires_grad=True) for u in fields]
    omega = {"": sum((a * u).sum() for a, u in zip(weights, fields))}
    for parent, children in _children(_links(wanted)):
        # One backward pass from a parent gives all its children (u_x and u_t from u).
        grads = _grads(omega[parent], [zs[k] for _, k in children], create_graph=True)
        omega.update((suffix, g) for (suffix, _), g in zip(children, grads))
    sums = [(omega[suffix], group) for suffix, group in _by_suffix(wanted)]
    for terms, group in _by_terms(wanted):
        parts = [c * omega[suffix] for suffix, c in terms if omega[suffix] is not None]
        sums.append((sum(parts) if parts else None, group))
    for scalar, group in sums:
        grads = _grads(scalar, [weights[f] for _, f in group], create_graph)
        for (name, f), g in zip(group, grads):
            values[name] = torch.zeros_like(fields[f]) if g is None else g
    return values
