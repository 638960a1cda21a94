"""The JAX backend: a printer table, the runtime checks and the derivative engines.

Input: a Plan (through :class:`pdecomp.backends.base.Backend.emit`). Output: module text
that imports only ``jax`` and ``jax.numpy`` (and ``math`` where constants appear). The
residuals are pure functions: usable under ``jax.jit``, ``jax.grad`` and ``jax.vmap``.
``create_graph`` is accepted for parity with torch and has no effect (nothing to keep).
"""

from __future__ import annotations

import itertools

import sympy

from pdecomp.backends._printer import BASE_FUNCTIONS, FrameworkPrinter
from pdecomp.backends.base import Backend
from pdecomp.errors import PDEError
from pdecomp.ir import Plan


class JaxPrinter(FrameworkPrinter):
    module = "jnp"
    functions = {
        **BASE_FUNCTIONS,
        "asin": "arcsin",
        "acos": "arccos",
        "atan": "arctan",
        "atan2": "arctan2",
    }


RUNTIME = '''
def _check_coords(coords):
    """The coordinates as JAX arrays, after checking their number, kind and dtype."""
    if len(coords) != len(COORDS):
        raise TypeError(
            f"expected {len(COORDS)} coordinate arrays ({', '.join(COORDS)}), got {len(coords)}"
        )
    for name, c in zip(COORDS, coords):
        if not hasattr(c, "dtype") or not hasattr(c, "shape"):
            raise TypeError(f"coordinate {name!r} must be an array, got {type(c).__name__}")
        if not jnp.issubdtype(c.dtype, jnp.floating):
            raise TypeError(f"coordinate {name!r} must be floating point, got {c.dtype}")
        if c.dtype != coords[0].dtype:
            raise TypeError(
                f"coordinate {name!r} is {c.dtype}, but {COORDS[0]!r} is {coords[0].dtype}"
            )
    return tuple(jnp.asarray(c) for c in coords)


def _to_value(name, value, like):
    """A param or input as an array of the coordinates' dtype."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None and jnp.issubdtype(dtype, jnp.floating) and dtype != like.dtype:
        raise TypeError(f"{name!r} is {dtype}, the coordinates are {like.dtype}")
    try:
        return jnp.asarray(value, dtype=like.dtype)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name!r} must be a number or an array: {error}") from None


def _is_array(value):
    return isinstance(value, jax.Array)


def _unstack(out, axis):
    """One array with the fields on ``axis`` -> a tuple of fields."""
    return tuple(jnp.moveaxis(out, axis, 0))
'''

ZCS = '''
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by reverse-mode ZCS.

    z: one zero scalar per coordinate, added to it before the model call.
    omega(z, a) = sum(a * u(z)) over the fields, a = ones (the dummy weights); each link
    of CHAIN is one jax.grad in one z, and a last jax.grad w.r.t. a gives the fields.
    """
    zs = tuple(jnp.zeros((), c.dtype) for c in coords)

    def fields_at(z):
        return _fields(model(*(c + zk for c, zk in zip(coords, z))), field_axis)

    def omega(z, a):
        return sum(jnp.sum(w * u) for w, u in zip(a, fields_at(z)))

    def grad_in(f, k):
        return lambda z, a: jax.grad(f)(z, a)[k]

    fields = fields_at(zs)
    values = dict(zip(FIELDS, fields))
    weights = tuple(jnp.ones_like(u) for u in fields)
    functions = {"": omega}
    for suffix in _links(wanted):
        parent, k = CHAIN[suffix]
        functions[suffix] = grad_in(functions[parent], k)
    for suffix, group in _by_suffix(wanted):
        grads = jax.grad(functions[suffix], argnums=1)(zs, weights)
        for name, f in group:
            values[name] = grads[f]
    return values
'''

ZCS_FWD = '''
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by forward-mode ZCS.

    Each link of CHAIN is one jax.jvp in one zero scalar z_k (a one-hot tangent on z,
    i.e. an all-ones tangent on coordinate k), nested along the chain.
    """
    zs = tuple(jnp.zeros((), c.dtype) for c in coords)

    def fields_at(z):
        return _fields(model(*(c + zk for c, zk in zip(coords, z))), field_axis)

    def jvp_in(f, k):
        tangent = tuple(jnp.ones_like(z) if i == k else jnp.zeros_like(z) for i, z in enumerate(zs))
        return lambda z: jax.jvp(f, (z,), (tangent,))[1]

    functions = {"": fields_at}
    for suffix in _links(wanted):
        parent, k = CHAIN[suffix]
        functions[suffix] = jvp_in(functions[parent], k)
    values = dict(zip(FIELDS, fields_at(zs)))
    for suffix, group in _by_suffix(wanted):
        result = functions[suffix](zs)
        for name, f in group:
            values[name] = result[f]
    return values
'''

LEAF_GRAD = '''
def _grad_of_sum(f, k):
    """xs -> d(sum f(xs))/d xs[k]: one derivative w.r.t. a coordinate leaf."""
    return lambda *xs: jax.grad(lambda *ys: jnp.sum(f(*ys)), argnums=k)(*xs)
'''

FUNCLOOP = (
    LEAF_GRAD
    + '''

def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by the FuncLoop baseline.

    The coordinates, broadcast to one shape P, are the differentiated arguments; the
    output has shape (functions..., *P). For each output function (row) and each link of
    CHAIN, one jax.grad of the row's sum w.r.t. a coordinate.
    """
    leaves = jnp.broadcast_arrays(*coords)
    points = leaves[0].shape
    fields = _fields(model(*leaves), field_axis)
    values = dict(zip(FIELDS, fields))

    for f, field in enumerate(FIELDS):
        mine = [name for name in wanted if DERIVATIVES[name][0] == field]
        if not mine:
            continue
        shape = fields[f].shape
        if tuple(shape[len(shape) - len(points):]) != tuple(points):
            raise ValueError(
                f"funcloop needs the output's trailing dimensions to be the points' shape "
                f"{tuple(points)}; field {field!r} has shape {tuple(shape)}"
            )
        rows = {name: [] for name in mine}
        count = 1
        for n in shape[: len(shape) - len(points)]:
            count *= n
        for m in range(count):
            def row(*xs, m=m, f=f):
                return _fields(model(*xs), field_axis)[f].reshape(-1, *points)[m]

            functions = {"": row}
            for suffix in _links(mine):
                parent, k = CHAIN[suffix]
                functions[suffix] = _grad_of_sum(functions[parent], k)
            for name in mine:
                rows[name].append(functions[DERIVATIVES[name][1]](*leaves))
        for name in mine:
            values[name] = jnp.stack(rows[name]).reshape(shape)
    return values
'''
)

DATAVECT = (
    LEAF_GRAD
    + '''

def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by the DataVect baseline.

    The coordinates are repeated to the output's shape (found by jax.eval_shape) so the
    model runs on every (function, point) pair; each link of CHAIN is one jax.grad of
    the sum w.r.t. a repeated coordinate.
    """
    shape = jax.eval_shape(lambda *xs: _fields(model(*xs), field_axis)[0], *coords).shape
    leaves = tuple(jnp.broadcast_to(c, shape) for c in coords)
    fields = _fields(model(*leaves), field_axis)
    values = dict(zip(FIELDS, fields))

    for f, field in enumerate(FIELDS):
        mine = [name for name in wanted if DERIVATIVES[name][0] == field]
        functions = {"": lambda *xs, f=f: _fields(model(*xs), field_axis)[f]}
        for suffix in _links(mine):
            parent, k = CHAIN[suffix]
            functions[suffix] = _grad_of_sum(functions[parent], k)
        for name in mine:
            values[name] = functions[DERIVATIVES[name][1]](*leaves)
    return values
'''
)


# Central finite differences on the output grid (methods fd2, fd4): one engine, the
# stencil order a constant of the generated module.
FD = '''
# First-derivative stencils, weights times the spacing h. CENTRAL: offsets -m..m; EDGE[r]:
# one-sided stencil of the same order for row r from the near edge, on rows 0..2m
# (mirrored, with the sign flipped, at the far edge).
FD_STENCILS = {
    2: ((-1 / 2, 0, 1 / 2), ((-3 / 2, 2, -1 / 2),)),
    4: (
        (1 / 12, -2 / 3, 0, 2 / 3, -1 / 12),
        ((-25 / 12, 4, -3, 4 / 3, -1 / 4), (-1 / 4, -5 / 6, 3 / 2, -1 / 2, 1 / 12)),
    ),
}
FD_CENTRAL, FD_EDGE = FD_STENCILS[FD_ORDER]


def _grid_axes(coords):
    """Per coordinate: (axis, h), the axis (negative) along which its grid varies, uniformly.

    The axes and spacings are read from the grids' values, so the grids must be concrete
    (under jax.jit, close over them rather than passing them as traced arguments).
    """
    try:
        with jax.ensure_compile_time_eval():
            return [_grid_axis(name, c) for name, c in zip(COORDS, coords)]
    except jax.errors.ConcretizationTypeError:
        raise ValueError(
            f"method fd{FD_ORDER} reads the grid spacing from the coordinate values, which "
            f"are traced here: under jax.jit or jax.vmap, close over the coordinate grids "
            f"instead of passing them as traced arguments"
        ) from None


def _grid_axis(name, c):
    tol = 64 * float(jnp.finfo(c.dtype).eps) * float(jnp.max(jnp.abs(c))) if c.size else 0.0
    varying = [
        a
        for a in range(-c.ndim, 0)
        if c.shape[a] > 1 and float(jnp.max(jnp.abs(jnp.diff(c, axis=a)))) > tol
    ]
    if len(varying) != 1:
        raise ValueError(
            f"method fd{FD_ORDER} needs each coordinate grid to vary along exactly one "
            f"axis; {name!r} (shape {tuple(c.shape)}) varies along axes {varying}"
        )
    axis = varying[0]
    steps = jnp.diff(c, axis=axis)
    h = float(jnp.mean(steps))
    if float(jnp.max(jnp.abs(steps - h))) > tol:
        raise ValueError(
            f"method fd{FD_ORDER} needs uniform spacing; {name!r} has steps from "
            f"{float(jnp.min(steps))} to {float(jnp.max(steps))} along axis {axis}"
        )
    if c.shape[axis] < len(FD_CENTRAL):
        raise ValueError(
            f"method fd{FD_ORDER} needs at least {len(FD_CENTRAL)} points along each "
            f"grid axis; {name!r} has {c.shape[axis]} along axis {axis}"
        )
    return axis, h


def _difference(u, axis, h):
    """du/dx along `axis` of u, spacing h: central stencil inside, one-sided at the edges."""
    m, n = len(FD_EDGE), u.shape[axis]
    v = jnp.moveaxis(u, axis, -1)
    inner = sum(w * v[..., m + k : n - m + k] for k, w in zip(range(-m, m + 1), FD_CENTRAL) if w)
    head = [sum(w * v[..., j] for j, w in enumerate(row)) for row in FD_EDGE]
    tail = [-sum(w * v[..., n - 1 - j] for j, w in enumerate(row)) for row in FD_EDGE[::-1]]
    du = jnp.concatenate([jnp.stack(head, -1), inner, jnp.stack(tail, -1)], -1) / h
    return jnp.moveaxis(du, -1, axis)


def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by finite differences on the output grid.

    Each coordinate grid varies along one axis with uniform spacing; the output's trailing
    dimensions are the grid's (leading ones, batch or channels, are kept). Each link of
    CHAIN is one first-derivative stencil along that coordinate's axis.
    """
    axes = _grid_axes(coords)
    fields = _fields(model(*coords), field_axis)
    values = dict(zip(FIELDS, fields))
    shape = fields[0].shape
    for name, c, (axis, _) in zip(COORDS, coords, axes):
        if len(shape) < -axis or shape[axis] != c.shape[axis]:
            raise ValueError(
                f"the output's trailing dimensions must be the grid's: {name!r} varies along "
                f"axis {axis} of shape {tuple(c.shape)}, the fields have shape {tuple(shape)}"
            )
    d = {"": jnp.stack(fields)}
    for suffix in _links(wanted):
        parent, k = CHAIN[suffix]
        d[suffix] = _difference(d[parent], *axes[k])
    for suffix, group in _by_suffix(wanted):
        for name, f in group:
            values[name] = d[suffix][f]
    return values
'''
FD2 = "\nFD_ORDER = 2\n" + FD
FD4 = "\nFD_ORDER = 4\n" + FD

ZCS_TAYLOR = '''
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by Taylor-mode ZCS.

    Along each direction v of TAYLOR_DIRECTIONS, the line s -> z + s v through the zero
    scalars is pushed through the model by jet.jet: one pass gives every directional
    derivative D^k_v u up to the highest order needed. A derivative is a fixed
    combination of those (TAYLOR: polarization, solved exactly at compile time).
    """
    zero = jnp.zeros((), coords[0].dtype)
    order = max(TAYLOR[name][0] for name in wanted) if wanted else 0
    used = sorted({j for name in wanted for j, _ in TAYLOR[name][1]})

    def along(direction):
        def line(s):
            return _fields(model(*(c + s * v for c, v in zip(coords, direction))), field_axis)

        unit = (jnp.ones_like(zero),) + (jnp.zeros_like(zero),) * (order - 1)
        return jet.jet(line, (zero,), (unit,))

    series = {}
    for j in used:
        fields, series[j] = along(TAYLOR_DIRECTIONS[j])
    if not used:
        fields = _fields(model(*coords), field_axis)
    values = dict(zip(FIELDS, fields))
    for name in wanted:
        k, terms = TAYLOR[name]
        f = FIELDS.index(DERIVATIVES[name][0])
        values[name] = sum(w * series[j][f][k - 1] for j, w in terms)
    return values
'''

# Taylor mode handles this many unknown derivatives of one order at most (a 2-D fourth
# order has 5, a 3-D fourth order 15); past it the exact solve gets slow: use zcs.
MAX_TAYLOR_BASIS = 35


def taylor_tables(plan: Plan) -> tuple[list[tuple[int, ...]], dict[str, tuple[int, list]]]:
    """Directions in z-space and, per derivative read, (order, [(direction, weight)]).

    For order k, D^k_v u = sum over multi-indices b of k!/b! v^b d^b u. Directions are
    unit vectors first (pure derivatives need nothing else), then mixes (1, +-1),
    (1, +-2), ... over the coordinates the order involves, added while they raise the
    rank; the system is inverted exactly (SymPy rationals), so weights are exact.
    """
    ncoords = len(plan.system.coords)
    directions: list[tuple[int, ...]] = []
    weights: dict[str, tuple[int, list]] = {}
    nodes = {n.index: n for n in plan.chain}
    by_order: dict[int, list] = {}
    for name, (_, suffix) in plan.derivatives.items():
        index = next(i for i, n in nodes.items() if n.suffix == suffix)
        by_order.setdefault(sum(index), []).append((name, index))
    for order, reads in sorted(by_order.items()):
        involved = sorted({c for _, i in reads for c in range(ncoords) if i[c]})
        basis = [
            tuple(combo.count(c) for c in range(ncoords))
            for combo in itertools.combinations_with_replacement(involved, order)
        ]
        if len(basis) > MAX_TAYLOR_BASIS:
            raise PDEError(
                f"method zcs-taylor: order {order} in {len(involved)} coordinates has "
                f"{len(basis)} unknown derivatives (at most {MAX_TAYLOR_BASIS}); use zcs"
            )
        chosen, rows = [], []
        for v in _candidate_directions(involved, ncoords):
            row = [_taylor_coefficient(order, b, v) for b in basis]
            if sympy.Matrix([*rows, row]).rank() == len(rows) + 1:
                rows.append(row)
                chosen.append(v)
            if len(rows) == len(basis):
                break
        inverse = sympy.Matrix(rows).inv()
        for name, index in reads:
            terms = []
            for j, v in enumerate(chosen):
                w = inverse[basis.index(index), j]
                if w != 0:
                    if v not in directions:
                        directions.append(v)
                    terms.append((directions.index(v), w))
            weights[name] = (order, terms)
    return directions, weights


def _pairs(terms: list, printer: FrameworkPrinter) -> str:
    """``((0, 1/12), (3, -1/6))``: a tuple of (direction, weight) pairs, as code."""
    items = [f"({j}, {printer.doprint(w)})" for j, w in terms]
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _taylor_coefficient(order: int, b: tuple[int, ...], v: tuple[int, ...]) -> sympy.Expr:
    multinomial = sympy.factorial(order) / sympy.prod([sympy.factorial(n) for n in b])
    return multinomial * sympy.prod([sympy.Integer(vc) ** n for vc, n in zip(v, b)])


def _candidate_directions(involved: list[int], ncoords: int):
    def vector(entries):
        v = [0] * ncoords
        for c, e in zip(involved, entries):
            v[c] = e
        return tuple(v)

    for i in range(len(involved)):
        yield vector([int(i == j) for j in range(len(involved))])
    for scale in itertools.count(1):
        steps = [s for s in range(-scale, scale + 1) if s]
        for rest in itertools.product(steps, repeat=len(involved) - 1):
            if max(map(abs, rest), default=scale) == scale:
                yield vector((1, *rest))


class JaxBackend(Backend):
    name = "jax"
    array = "jax.Array"
    arrays = "arrays"
    printer = JaxPrinter
    base_modules = ("jax", "jnp")
    imports = {
        "math": "import math",
        "jax": "import jax",
        "jnp": "import jax.numpy as jnp",
    }
    runtime = RUNTIME
    methods = {
        "zcs": ZCS,
        "zcs-fwd": ZCS_FWD,
        "funcloop": FUNCLOOP,
        "datavect": DATAVECT,
        "fd2": FD2,
        "fd4": FD4,
        "zcs-taylor": ZCS_TAYLOR,
    }
    method_imports = {"zcs-taylor": ("from jax.experimental import jet",)}

    def method_tables(self, plan: Plan, method: str, printer: FrameworkPrinter) -> str:
        if method != "zcs-taylor":
            return ""
        directions, weights = taylor_tables(plan)
        rows = "".join(f"    {d},\n" for d in directions)
        entries = "".join(
            f'    "{name}": ({k}, {_pairs(terms, printer)}),\n'
            for name, (k, terms) in weights.items()
        )
        return (
            "# Taylor mode: directions v in z-space (one jet each), and per derivative read\n"
            "# (order k, ((direction, weight), ...)): d^alpha u = sum of weight * D^k_v u.\n"
            f"TAYLOR_DIRECTIONS = (\n{rows})\n"
            f"TAYLOR = {{\n{entries}}}"
        )


BACKEND = JaxBackend()
