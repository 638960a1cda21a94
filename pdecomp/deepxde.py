"""pdecomp residuals as DeepXDE callables (DeepXDE's pytorch backend), one line each.

Input: a :class:`CompiledPDE` for ``backend="torch"`` and equation names. Output: the
functions DeepXDE's data classes call, computed by the generated module's
``residuals_from`` from DeepXDE's own tensors (no second forward pass of the network):

- :func:`pde` -> ``pde(x, y)`` for ``dde.data.PDE``/``TimePDE``: ``x`` is DeepXDE's input
  leaf, its columns the coordinates in order; ``y`` the network output, its columns the
  fields. Derivatives by backward passes to ``x``; residuals of shape ``(N, 1)``.
- :func:`bc` -> ``func(x, y, X)`` for ``dde.icbc.OperatorBC``.
- :func:`zcs` -> ``pde(zcs_parameters, y, aux)`` for ``dde.zcs.PDEOperatorCartesianProd``
  with ``dde.zcs.Model``: derivatives by ZCS on DeepXDE's zero scalars; ``aux`` names the
  input of the `.pde` file that DeepXDE's auxiliary variables feed.

Within one training step DeepXDE passes the same ``x`` and ``y`` to the PDE and to every
boundary condition; the callables made from one CompiledPDE share one derivative chain
for that pair (as DeepXDE's own gradient cache does), so ``u_xx`` is not taken twice.
"""

from __future__ import annotations

import sys
import weakref

from pdecomp.runtime import CompiledPDE

__all__ = ["bc", "pde", "zcs"]

# CompiledPDE -> [weak x, weak y, cache]: the derivative chain of the latest (x, y).
_CHAINS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def pde(compiled: CompiledPDE, *names: str, **values):
    """``pde(x, y)`` for ``dde.data.PDE``/``TimePDE``.

    It returns a list of residuals, the tensor itself for one name. ``values``: params
    and inputs; a callable is called with ``x``.
    """
    names = _names(compiled, names, "pde")

    def residual_fn(x, y):
        out = _leaf_residuals(compiled, names, x, y, values)
        return out[0] if len(out) == 1 else out

    residual_fn.__name__ = residual_fn.__qualname__ = f"pdecomp_{'_'.join(names)}"
    return residual_fn


def bc(compiled: CompiledPDE, name: str, **values):
    """``func(x, y, X)`` for ``dde.icbc.OperatorBC``: the residual of equation ``name``."""
    (name,) = _names(compiled, (name,), "bc")

    def bc_fn(x, y, X):  # noqa: N803 - DeepXDE's argument name
        return _leaf_residuals(compiled, (name,), x, y, values)[0]

    bc_fn.__name__ = bc_fn.__qualname__ = f"pdecomp_bc_{name}"
    return bc_fn


def zcs(compiled: CompiledPDE, *names: str, aux: str | None = None, **values):
    """``pde(zcs_parameters, y, aux)`` for DeepXDE's ZCS operator learning.

    It returns a list of residuals of shape ``(functions, points)``, the tensor itself
    for one name.
    """
    names = _names(compiled, names, "zcs")
    module = compiled.module
    if aux is not None and aux not in module.INPUTS:
        raise ValueError(
            f"aux={aux!r} is not an input of {compiled.system.name!r}; inputs: "
            f"{', '.join(module.INPUTS) or 'none'}"
        )
    for name in names:
        coords = [a for a in module.EQUATIONS[name][1] if a in module.COORDS]
        if coords:
            raise ValueError(
                f"equation {name!r} reads the coordinate {coords[0]!r}, but DeepXDE's ZCS "
                "pde(zcs_parameters, y, aux) receives no coordinates; write it as an input"
            )

    def residual_fn(zcs_parameters, y, aux_vars=None):
        _check_backend()
        keywords = dict(values)
        if aux is not None:
            if aux_vars is None:
                raise ValueError(f"aux={aux!r}, but DeepXDE passed no auxiliary variables")
            keywords[aux] = aux_vars
        out = module.residuals_from(
            y,
            zeros=zcs_parameters["leaves"],
            names=names,
            field_axis=None if len(module.FIELDS) == 1 else -1,
            **keywords,
        )
        out = [out[n] for n in names]
        return out[0] if len(out) == 1 else out

    residual_fn.__name__ = residual_fn.__qualname__ = f"pdecomp_zcs_{'_'.join(names)}"
    return residual_fn


def _names(compiled, names, what):
    if not isinstance(compiled, CompiledPDE):
        raise TypeError(
            f"pdecomp.deepxde.{what} needs a CompiledPDE (pdecomp.compile(...)), "
            f"got {type(compiled).__name__}"
        )
    if compiled.backend != "torch":
        raise ValueError(
            f"pdecomp.deepxde needs backend='torch' (DeepXDE's pytorch backend); this "
            f"CompiledPDE is for {compiled.backend!r}"
        )
    equations = compiled.equations
    if not names:
        raise TypeError(
            f"pdecomp.deepxde.{what} needs equation names; equations: {', '.join(equations)}"
        )
    for name in names:
        if name not in equations:
            raise ValueError(f"unknown equation {name!r}; equations: {', '.join(equations)}")
    return tuple(names)


def _check_backend():
    dde = sys.modules.get("deepxde")
    backend = getattr(getattr(dde, "backend", None), "backend_name", "pytorch")
    if backend != "pytorch":
        raise RuntimeError(
            f"pdecomp.deepxde works with DeepXDE's pytorch backend; DeepXDE is using "
            f"{backend!r} (set DDE_BACKEND=pytorch before importing deepxde)"
        )


def _chain(compiled, x, y) -> dict:
    """The derivative cache shared by every callable of ``compiled`` for this (x, y)."""
    entry = _CHAINS.get(compiled)
    if entry is None or entry[0]() is not x or entry[1]() is not y:
        entry = [weakref.ref(x), weakref.ref(y), {}]
        _CHAINS[compiled] = entry
    return entry[2]


def _leaf_residuals(compiled, names, x, y, values):
    _check_backend()
    module = compiled.module
    n = len(module.COORDS)
    if x.ndim != 2 or x.shape[1] != n:
        raise ValueError(
            f"x has shape {tuple(x.shape)}; expected (N, {n}): the coordinates "
            f"{', '.join(module.COORDS)} as columns"
        )
    fields = len(module.FIELDS)
    if y.ndim != 2 or y.shape[1] != fields:
        raise ValueError(
            f"y has shape {tuple(y.shape)}; expected (N, {fields}): the fields "
            f"{', '.join(module.FIELDS)} as columns"
        )
    reads = {a for name in names for a in module.EQUATIONS[name][1]}
    # Coordinates as (N, 1) columns, only when an equation reads one.
    coords = tuple(x[:, k : k + 1] for k in range(n)) if reads & set(module.COORDS) else None
    outputs = y if fields == 1 else tuple(y[:, i : i + 1] for i in range(fields))
    keywords = {k: (v(x) if callable(v) else v) for k, v in values.items()}
    cache = _chain(compiled, x, y)
    _share_first_derivatives(module, reads, x, y, cache)
    # field_axis=None: one field is y itself, (N, 1), so the residuals are (N, 1) too.
    out = module.residuals_from(
        outputs, coords, leaf=x, names=names, cache=cache, field_axis=None, **keywords
    )
    return [out[name] for name in names]


def _share_first_derivatives(module, reads, x, y, cache):
    """Take each field's first backward pass (dy_i/dx) through DeepXDE's gradient cache.

    DeepXDE's own boundary conditions (NeumannBC, RobinBC, ...) and these residuals then
    compute it once per step between them.
    """
    dde = sys.modules.get("deepxde")
    if dde is None:
        return
    grads = cache.setdefault("leaf_grads", {})  # the engine's (field, parent) -> d/dx
    for arg in sorted(reads & set(module.DERIVATIVES)):
        f = module.FIELDS.index(module.DERIVATIVES[arg][0])
        if (f, "") not in grads:
            grads[(f, "")] = dde.grad.jacobian(y, x, i=f, j=None)
