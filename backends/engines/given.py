"""Residuals from fields the caller already evaluated: the public ``residuals_from``.

Input: the model's output, computed by the caller from coordinates it can differentiate
through (one zero scalar per coordinate added before the model ran, or one leaf holding
the coordinates on its last axis), and the coordinates' values. Output: a dict equation
name -> residual, with no further call of the model. This is how a framework that
evaluates the network itself (a training library, an operator-learning data pipeline)
reuses its forward pass. Framework-independent; the runtime of each framework supplies
``_given_derivatives``. Reads the same tables as ``api``.
"""

from __future__ import annotations

from pdecomp.backends.engines.api import _keywords

COORDS: tuple = ()  # placeholders: the generated module's tables and runtime
CHAIN: dict = {}
DERIVATIVES: dict = {}
EQUATIONS: dict = {}
GROUPS: dict = {}
_check_coords = _given_derivatives = None


# ---- generated modules copy everything below this line ----
def residuals_from(
    fields,
    coords=None,
    /,
    *,
    zeros=None,
    leaf=None,
    names=None,
    cache=None,
    create_graph=True,
    field_axis=-1,
    **values,
):
    """Residuals from fields already evaluated: a dict equation name -> array.

    fields: PyTorch: the model's output (any form `residuals` accepts), computed from
        coordinates shifted by `zeros`, or from `leaf`. JAX, which differentiates
        functions rather than values: a function, `fields(zeros)` or `fields(leaf)`,
        returning that output.
    coords: one array per coordinate (COORDS order): the values the equations read;
        may be omitted when no equation reads a coordinate.
    zeros: one zero scalar per coordinate (COORDS order), added to that coordinate
        before the model ran; derivatives by Zero Coordinate Shift. Or:
    leaf: the model's input, holding the coordinates on its last axis (COORDS order);
        each point's output must depend on its own row only (a pointwise network).
        PyTorch: a tensor with requires_grad; derivatives by backward passes to it.
    names: the equations to evaluate (default: all; a vector, tensor or complex
        equation stands for its components); only the derivatives they read are computed.
    cache: a dict kept by the caller for one evaluation of `fields`: derivatives already
        in it are reused and new ones added, so several calls on the same fields share
        one derivative chain (treat its contents as private).
    values, create_graph, field_axis: as for `residuals`.
    """
    if (zeros is None) == (leaf is None):
        raise TypeError("residuals_from needs exactly one of zeros= or leaf=")
    if names is None:
        names = tuple(EQUATIONS)
    else:  # a vector, tensor or complex equation (GROUPS) stands for its components
        names = tuple(n for name in names for n in GROUPS.get(name, (name,)))
    for name in names:
        if name not in EQUATIONS:
            raise ValueError(f"unknown equation {name!r}; equations: {', '.join(EQUATIONS)}")
    env = {}
    if coords is not None:
        coords = _check_coords(tuple(coords))
        env.update(zip(COORDS, coords))
    like = coords[0] if coords else (leaf if zeros is None else zeros[0])
    env.update(_keywords(names, values, like))
    wanted = []
    for name in names:
        for arg in EQUATIONS[name][1]:
            if arg in COORDS and arg not in env:
                raise TypeError(f"equation {name!r} reads the coordinate {arg!r}: pass coords")
            if arg in DERIVATIVES and arg not in wanted:
                wanted.append(arg)
    env.update(_given_derivatives(fields, zeros, leaf, wanted, create_graph, field_axis, cache))
    return {name: EQUATIONS[name][0](*(env[a] for a in EQUATIONS[name][1])) for name in names}


def _link_groups(links):
    """The chain links grouped by parent, parents first: [(parent, [(suffix, k)])]."""
    groups = {}
    for suffix in links:
        parent, k = CHAIN[suffix]
        groups.setdefault(parent, []).append((suffix, k))
    return list(groups.items())
