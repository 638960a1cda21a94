"""``pdecomp verify``: check compiled residuals against two independent references.

Input: a `.pde` file (or a System), a backend and a derivative method. Output: a
:class:`Report` with one row per equation, printed as a table by the CLI, which exits
non-zero when any row disagrees.

The check builds a tiny random network per field (two tanh layers, float64, seeded),
draws random points, and evaluates every residual three ways:

1. with the compiled module and the chosen method (``pde.residuals``), the code under test;
2. with plain per-point automatic differentiation written here, independently of the
   generated engines: ``torch.autograd.grad`` on one scalar leaf per coordinate of one
   point at a time, or ``jax.grad`` of a per-point scalar function (vectorised with
   ``jax.vmap``). Only the generated module's ``EQUATIONS`` table (the per-equation
   arithmetic and its argument names) and, for periodic equations, its ``DOMAIN``
   bounds are reused (``u_x__hi_x`` is ``u_x`` with ``x`` at its upper bound); which
   derivative a name such as ``u_xt`` stands for is read from the name itself, not
   from the module's ``CHAIN`` or ``DERIVATIVES`` tables, so a wrong derivative chain is
   caught too;
3. with high-order central finite differences (12th-order accurate stencils, exact
   Fornberg weights) of the same network, with no automatic differentiation at all.

A row agrees when ``max |method - reference| <= tol * max(1, max |reference|)``: ``tol`` is
1e-8 against autograd (both are exact up to rounding) and grows with the derivative
order against finite differences (whose truncation and rounding errors do).

Every method is accepted (``auto`` as the method it stands for). ``fd2`` and ``fd4`` are
approximations of order p on a uniform grid: they are evaluated on a grid and on the grid
of twice its spacing, and a row agrees when, at the interior points both share, the
error is at most 3 times the Richardson estimate ``|R(2h) - R(h)| / (2^p - 1)`` (a wrong
stencil is wrong on both grids alike, so it cannot hide in the estimate).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pdecomp import pipeline
from pdecomp.ir import System

# Every method: the exact ones on random points, fd2/fd4 on a uniform grid (they are
# approximations, judged against their own estimated truncation error).
METHODS = ("zcs", "zcs-fwd", "zcs-taylor", "funcloop", "datavect", "fd2", "fd4", "auto")
GRID_METHODS = {"fd2": 2, "fd4": 4}  # method -> order of accuracy p
GRID_POINTS = 1500  # about this many grid points in all (per axis: its d-th root)
# A finite-difference residual R(h) of order p is judged by its Richardson estimate:
# |R(h) - exact| <= RICHARDSON_FACTOR * |R(2h) - R(h)| / (2^p - 1), at the points both
# grids share, away from the edges (there the composed stencils are central).
RICHARDSON_FACTOR = 3.0
AUTOGRAD_TOL = 1e-8
HIDDEN = 16
FD_ACCURACY = 12  # order of accuracy of the central stencils
# Step of the stencil and tolerance against finite differences, by derivative order
# (orders above the table use its last entry). Calibrated on networks like the one below.
FD_STEP = {1: 0.02, 2: 0.02, 3: 0.02, 4: 0.02, 5: 0.02, 6: 0.03, 7: 0.05, 8: 0.06}
FD_TOL = {0: 1e-12, 1: 1e-8, 2: 1e-8, 3: 1e-7, 4: 1e-6, 5: 1e-5, 6: 1e-4, 7: 1e-2}


@dataclass(frozen=True)
class Comparison:
    """The method against one reference, for one equation."""

    max_abs: float
    max_rel: float  # max |difference| / max |reference|
    ok: bool
    points: int  # points where both are finite (NaN where both are NaN is agreement)


@dataclass(frozen=True)
class Row:
    equation: str
    order: int  # highest derivative order the equation reads
    autograd: Comparison
    finite_differences: Comparison

    @property
    def ok(self) -> bool:
        return self.autograd.ok and self.finite_differences.ok


@dataclass(frozen=True)
class Report:
    file: str
    backend: str
    method: str
    points: int
    rows: tuple[Row, ...]
    approximation: str = ""  # for fd2/fd4: the grid and the tolerance it is judged with

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    def table(self) -> str:
        """The rows as a plain-text table, with a one-line verdict."""
        where = self.approximation or f"{self.points} random points"
        head = f"verify {self.file}: backend {self.backend}, method {self.method}, {where}, float64"
        header = (
            "equation",
            "order",
            "vs autograd: max abs",
            "max rel",
            "vs finite diff: max abs",
            "max rel",
            "result",
        )
        lines = [header] + [
            (
                r.equation,
                str(r.order),
                f"{r.autograd.max_abs:.2e}",
                f"{r.autograd.max_rel:.2e}",
                f"{r.finite_differences.max_abs:.2e}",
                f"{r.finite_differences.max_rel:.2e}",
                "ok" if r.ok else "MISMATCH",
            )
            for r in self.rows
        ]
        widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
        body = [
            "  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in lines
        ]
        bad = [r.equation for r in self.rows if not r.ok]
        verdict = "all equations agree" if not bad else f"MISMATCH in {', '.join(bad)}"
        return "\n".join([head, *body, verdict])


def verify(
    source: System | str | os.PathLike,
    backend: str = "torch",
    method: str = "zcs",
    points: int = 8,
    seed: int = 0,
) -> Report:
    """Compile ``source`` and compare its residuals with per-point autograd and FD.

    Every method is accepted: ``auto`` is checked as the method it stands for, the exact
    methods on ``points`` random points, ``fd2``/``fd4`` on a uniform grid with a
    tolerance for their truncation error (they are approximations).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; methods: {', '.join(METHODS)}")
    if points < 1:
        raise ValueError(f"verify needs at least one point, got points={points}")
    pde = pipeline.compile(source, backend=backend, method=method)
    return verify_compiled(pde, points=points, seed=seed)


def verify_compiled(pde, points: int = 8, seed: int = 0) -> Report:
    """Compare an already compiled residual (a CompiledPDE) with the two references."""
    module = pde.module
    fw = _FRAMEWORKS[pde.backend]()
    rng = np.random.default_rng(seed)
    ncoords = len(module.COORDS)
    # One random network per field and per `functions` name (passed as a callable).
    outputs = (*module.FIELDS, *getattr(module, "FUNCTIONS", ()))
    nets = [_network(rng, ncoords) for _ in outputs]
    derivatives = _derivatives(module)  # name -> (field position, coordinate path)
    paths = {name: path for name, (_, path) in derivatives.items()}
    order = max((len(p) for p in paths.values()), default=0)
    accuracy = GRID_METHODS.get(pde.method)
    if accuracy:  # a uniform grid with an odd number of points: every other is coarse
        band = max(order, 1) * accuracy // 2
        n = 2 * (max(round(GRID_POINTS ** (1 / ncoords)), 4 * band + 9) // 2) + 1
        axis = np.linspace(0.2, 0.8, n)
        grid = np.meshgrid(*[axis] * ncoords, indexing="ij")
        shape, xs = grid[0].shape, np.stack([g.reshape(-1) for g in grid])
        inner = np.ones(shape, dtype=bool)  # shared by both grids, away from the edges
        for k in range(ncoords):
            index = np.arange(n).reshape([-1 if j == k else 1 for j in range(ncoords)])
            inner &= (index % 2 == 0) & (index >= 2 * band) & (index < n - 2 * band)
        inner = inner.reshape(-1)
        coarse = tuple([slice(None, None, 2)] * ncoords)
        note = (
            f"{pde.method} is an approximation: a {'x'.join([str(n)] * ncoords)} grid, "
            f"h = {axis[1] - axis[0]:.3g}, judged at {int(inner.sum())} interior points "
            f"against {RICHARDSON_FACTOR:g}x its Richardson error estimate from spacing 2h"
        )
    else:
        xs = rng.uniform(0.2, 0.8, size=(ncoords, points))
        shape, inner, note = xs.shape[1:], slice(None), ""
    inputs = {name: rng.uniform(0.5, 1.5, size=xs.shape[1]) for name in module.INPUTS}

    coords = [fw.array(x.reshape(shape)) for x in xs]
    model = fw.model(nets[: len(module.FIELDS)])
    functions = {
        name: (lambda *c, net=net: fw.field(net, c))
        for name, net in zip(outputs[len(module.FIELDS) :], nets[len(module.FIELDS) :])
    }
    keywords = {name: fw.array(v.reshape(shape)) for name, v in inputs.items()} | functions
    by_method = fw.residuals(pde, model, coords, keywords)
    if accuracy:  # the same residuals on the grid of twice the spacing
        on_coarse = fw.residuals(
            pde,
            model,
            [fw.array(x.reshape(shape)[coarse]) for x in xs],
            {name: fw.array(v.reshape(shape)[coarse]) for name, v in inputs.items()} | functions,
        )
        on_coarse_points = inner.reshape(shape)[coarse].reshape(-1)

    flat = [fw.array(x) for x in xs]
    fields = {f: fw.numpy(fw.field(net, flat)) for f, net in zip(outputs, nets)}
    by_autograd = {**fields, **fw.point_derivatives(nets, derivatives, xs)}
    by_fd = {**fields, **_finite_differences(fw, nets, derivatives, xs)}
    for site, at in _faces(module, xs):  # periodic equations: values read at the faces
        on_face = [fw.array(x) for x in at]
        fields = {f: fw.numpy(fw.field(net, on_face)) for f, net in zip(outputs, nets)}
        for values, found in (
            (by_autograd, fw.point_derivatives(nets, derivatives, at)),
            (by_fd, _finite_differences(fw, nets, derivatives, at)),
        ):
            values.update((f"{name}__{site}", v) for name, v in {**fields, **found}.items())

    rows = []
    for name, (function, args) in module.EQUATIONS.items():
        members = [m for a in args for m, _ in _terms(getattr(module, "COMBINATIONS", {}), a)]
        bases = [a.partition("__")[0] for a in members]  # u_x__lo_x: u_x at a face
        order = max((len(paths[a]) for a in bases if a in paths), default=0)
        method_values = fw.numpy(by_method[name]).reshape(-1)[inner]
        references = [
            _evaluate(fw, function, args, module, xs, inputs, values)[inner]
            for values in (by_autograd, by_fd)
        ]
        if accuracy:
            rough = fw.numpy(on_coarse[name]).reshape(-1)[on_coarse_points]
            estimate = np.max(np.abs(rough - method_values), initial=0.0) / (2**accuracy - 1)
            scale = max(1.0, np.max(np.abs(references[0]), initial=0.0))
            tol = RICHARDSON_FACTOR * estimate / scale + 1e-12
            tols = (tol, tol)
        else:
            tols = (AUTOGRAD_TOL, FD_TOL[min(order, max(FD_TOL))])
        rows.append(
            Row(
                equation=name,
                order=order,
                autograd=_compare(method_values, references[0], tols[0]),
                finite_differences=_compare(method_values, references[1], tols[1]),
            )
        )
    count = int(np.size(np.arange(xs.shape[1])[inner]))
    return Report(pde.system.file, pde.backend, pde.method, count, tuple(rows), note)


# ---- the network, the references, the comparison -------------------------------------


def _network(rng, inputs: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Weights of a 2-hidden-layer tanh MLP: inputs -> HIDDEN -> HIDDEN -> 1."""
    sizes = [inputs, HIDDEN, HIDDEN, 1]
    return [
        (rng.normal(0, 1 / np.sqrt(n), size=(n, m)), rng.normal(0, 0.5, size=m))
        for n, m in zip(sizes[:-1], sizes[1:])
    ]


def _derivatives(module) -> dict[str, tuple[int, tuple[int, ...]]]:
    """Every derivative the equations read: name -> (field position, coordinate path).

    Decoded from the name alone (``u_xxt``, ``h_re_xt`` for the real part of a complex
    field, or ``u_x1_x1_x2`` for longer coordinate names), as the equations' argument
    names spell it; the path lists the positions of
    the coordinates differentiated, in ``coords`` order.
    """
    coords = list(module.COORDS)
    fields = [*module.FIELDS, *getattr(module, "FUNCTIONS", ())]  # functions: as fields
    combinations = getattr(module, "COMBINATIONS", {})
    result = {}
    for _, args in module.EQUATIONS.values():
        # a linear operator read as one value (_lin0_w) is checked through its members
        for name in [m for a in args for m, _ in _terms(combinations, a)]:
            name = name.partition("__")[0]  # a value read at a face: u_x__lo_x is u_x
            # the field is the longest one the name starts with (h_re_x: h_re, x)
            field = max((f for f in fields if name.startswith(f + "_")), key=len, default=None)
            if field is None:
                continue  # a coordinate, field, param or input
            suffix = name[len(field) + 1 :]
            if all(len(c) == 1 for c in coords):
                parts = list(suffix)
            else:
                parts = suffix.split("_")
            path = sorted(coords.index(c) for c in parts)
            result[name] = (fields.index(field), tuple(path))
    return result


def _terms(combinations: dict, name: str) -> tuple:
    """((member, coefficient), ...) of a linear operator read as one value, else ((name, 1),)."""
    return combinations[name][1] if name in combinations else ((name, 1),)


def _faces(module, xs):
    """[(site, points)]: the faces periodic equations read (``lo_x``: x at its lower bound)."""
    sites = sorted({a.partition("__")[2] for _, args in module.EQUATIONS.values() for a in args})
    result = []
    for site in filter(None, sites):
        side, _, coord = site.partition("_")
        at = xs.copy()
        at[module.COORDS.index(coord)] = float(module.DOMAIN[coord][0 if side == "lo" else 1])
        result.append((site, at))
    return result


def _evaluate(fw, function, args, module, xs, inputs, values) -> np.ndarray:
    """One equation's residual from the values of its arguments (coords, fields, ...)."""
    env = {c: fw.array(x) for c, x in zip(module.COORDS, xs)}
    env.update({p: fw.array(np.float64(v)) for p, v in module.PARAMS.items()})
    env.update({i: fw.array(v) for i, v in inputs.items()})
    env.update({name: fw.array(v) for name, v in values.items()})
    for name, (_, terms) in getattr(module, "COMBINATIONS", {}).items():
        if name in args:  # the references' operator: the sum of their member derivatives
            env[name] = sum(c * env[member] for member, c in terms)
    result = fw.numpy(function(*(env[a] for a in args)))
    return np.broadcast_to(result, xs.shape[1:]).reshape(-1)


def _compare(values: np.ndarray, reference: np.ndarray, tol: float) -> Comparison:
    both_nan = np.isnan(values) & np.isnan(reference)
    finite = np.isfinite(values) & np.isfinite(reference)
    mismatched_kind = ~(finite | both_nan)  # finite on one side only, or inf against NaN
    if not finite.any():
        return Comparison(0.0, 0.0, not mismatched_kind.any(), 0)
    difference = np.abs(values[finite] - reference[finite])
    scale = np.max(np.abs(reference[finite]))
    max_abs = float(np.max(difference))
    max_rel = max_abs / scale if scale > 0 else (0.0 if max_abs == 0 else np.inf)
    ok = max_abs <= tol * max(1.0, scale) and not mismatched_kind.any()
    return Comparison(max_abs, float(max_rel), bool(ok), int(finite.sum()))


def _finite_differences(fw, nets, derivatives, xs) -> dict[str, np.ndarray]:
    """Every derivative by tensor products of central stencils of the network's values."""
    result = {}
    for name, (field, path) in derivatives.items():
        counts = [path.count(k) for k in range(xs.shape[0])]
        step = FD_STEP[min(sum(counts), max(FD_STEP))]  # rounding grows as step**-order
        stencils = [_stencil(n, step) if n else (np.zeros(1), np.ones(1), 1.0) for n in counts]
        offsets = list(itertools.product(*(range(len(s[0])) for s in stencils)))
        shifted = [
            np.concatenate([xs[k] + stencils[k][2] * stencils[k][0][o[k]] for o in offsets])
            for k in range(len(counts))
        ]
        net = nets[field]
        values = fw.numpy(fw.field(net, [fw.array(s) for s in shifted])).reshape(len(offsets), -1)
        weights = np.array(
            [np.prod([stencils[k][1][o[k]] for k in range(len(counts))]) for o in offsets]
        )
        scale = np.prod([s[2] ** n for s, n in zip(stencils, counts)])
        result[name] = (weights[:, None] * values).sum(axis=0) / scale
    return result


def _stencil(order: int, step: float) -> tuple[np.ndarray, np.ndarray, float]:
    """Offsets, weights and step of a central stencil for d^order/dx^order."""
    half = (order + 1) // 2 - 1 + FD_ACCURACY // 2
    nodes = [Fraction(i) for i in range(-half, half + 1)]
    weights = _fornberg(nodes, order)
    return np.array([float(n) for n in nodes]), np.array([float(w) for w in weights]), step


def _fornberg(nodes: list[Fraction], order: int) -> list[Fraction]:
    """Exact weights of the ``order``-th derivative at 0 from values at ``nodes``.

    B. Fornberg, "Calculation of weights in finite difference formulas", SIAM Review 40
    (1998), in exact rational arithmetic.
    """
    n = len(nodes)
    c = [[Fraction(0)] * (order + 1) for _ in range(n)]
    c[0][0] = Fraction(1)
    c1, c4 = Fraction(1), nodes[0]
    for i in range(1, n):
        top = min(i, order)
        c2, c5, c4 = Fraction(1), c4, nodes[i]
        for j in range(i):
            c3 = nodes[i] - nodes[j]
            c2 *= c3
            if j == i - 1:
                for k in range(top, 0, -1):
                    c[i][k] = c1 * (k * c[i - 1][k - 1] - c5 * c[i - 1][k]) / c2
                c[i][0] = -c1 * c5 * c[i - 1][0] / c2
            for k in range(top, 0, -1):
                c[j][k] = (c4 * c[j][k] - k * c[j][k - 1]) / c3
            c[j][0] = c4 * c[j][0] / c3
        c1 = c2
    return [c[j][order] for j in range(n)]


# ---- the two frameworks --------------------------------------------------------------


class _Torch:
    def __init__(self):
        import torch

        self.torch = torch

    def array(self, values):
        return self.torch.as_tensor(np.asarray(values), dtype=self.torch.float64)

    def numpy(self, value) -> np.ndarray:
        return (
            value.detach().cpu().numpy()
            if isinstance(value, self.torch.Tensor)
            else np.asarray(value)
        )

    def residuals(self, pde, model, coords, keywords):
        return pde.residuals(model, *coords, **keywords)

    def field(self, net, coords):
        h = self.torch.stack(list(coords), dim=-1)
        for i, (w, b) in enumerate(net):
            h = h @ self.array(w) + self.array(b)
            h = self.torch.tanh(h) if i < len(net) - 1 else h
        return h[..., 0]

    def model(self, nets):
        def model(*coords):
            out = tuple(self.field(net, coords) for net in nets)
            return out[0] if len(out) == 1 else out

        return model

    def point_derivatives(self, nets, derivatives, xs) -> dict[str, np.ndarray]:
        """One point at a time: scalar leaves, nested torch.autograd.grad along each path."""
        torch = self.torch
        result = {name: np.zeros(xs.shape[1]) for name in derivatives}
        for i in range(xs.shape[1]):
            leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs[:, i]]
            values = {(f, ()): self.field(net, leaves) for f, net in enumerate(nets)}
            for name, (f, path) in derivatives.items():
                for n in range(1, len(path) + 1):  # shared prefixes are computed once
                    if (f, path[:n]) not in values:
                        values[f, path[:n]] = self._grad(
                            values[f, path[: n - 1]], leaves[path[n - 1]]
                        )
                result[name][i] = float(values[f, path].detach())
        return result

    def _grad(self, value, leaf):
        """The derivative of value by leaf, with its graph; zero if value ignores leaf."""
        if not value.requires_grad:
            return self.torch.zeros((), dtype=self.torch.float64)
        (grad,) = self.torch.autograd.grad(value, leaf, create_graph=True, allow_unused=True)
        return self.torch.zeros((), dtype=self.torch.float64) if grad is None else grad


class _Jax:
    def __init__(self):
        import jax

        jax.config.update("jax_enable_x64", True)
        self.jax, self.jnp = jax, jax.numpy

    def array(self, values):
        return self.jnp.asarray(np.asarray(values, dtype=np.float64))

    def numpy(self, value) -> np.ndarray:
        return np.asarray(value)

    def residuals(self, pde, model, coords, keywords):
        """Under jax.jit (the generated module is pure; eager nested grads are slow).

        Finite differences read the spacing from the grids' values: they are closed over.
        """
        if pde.method in GRID_METHODS:
            return self.jax.jit(lambda: pde.residuals(model, *coords, **keywords))()
        return self.jax.jit(lambda *c: pde.residuals(model, *c, **keywords))(*coords)

    def field(self, net, coords):
        h = self.jnp.stack(list(coords), axis=-1)
        for i, (w, b) in enumerate(net):
            h = h @ self.array(w) + self.array(b)
            h = self.jnp.tanh(h) if i < len(net) - 1 else h
        return h[..., 0]

    def model(self, nets):
        def model(*coords):
            out = tuple(self.field(net, coords) for net in nets)
            return out[0] if len(out) == 1 else out

        return model

    def point_derivatives(self, nets, derivatives, xs) -> dict[str, np.ndarray]:
        """jax.grad of per-point scalar functions, nested along each path; vmapped, jitted."""
        functions = {}
        for f, net in enumerate(nets):

            def scalar(*point, net=net):
                return self.field(net, [self.jnp.reshape(p, (1,)) for p in point])[0]

            functions[f, ()] = scalar
        for f, path in derivatives.values():
            for n in range(1, len(path) + 1):
                if (f, path[:n]) not in functions:
                    parent = functions[f, path[: n - 1]]
                    functions[f, path[:n]] = self.jax.grad(parent, argnums=path[n - 1])

        def at_point(*point):
            return {name: functions[f, path](*point) for name, (f, path) in derivatives.items()}

        values = self.jax.jit(self.jax.vmap(at_point))(*(self.array(x) for x in xs))
        return {name: np.asarray(v, dtype=np.float64) for name, v in values.items()}


_FRAMEWORKS = {"torch": _Torch, "jax": _Jax}
