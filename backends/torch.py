"""The PyTorch backend: a printer table, the runtime checks and the derivative engines.

Input: a Plan (through :class:`backends.base.Backend.emit`). Output: module text that
imports only ``torch`` (and ``math`` where constants appear). Derivatives by ZCS use
``torch.autograd.grad`` on zero-valued scalars; ``zcs-fwd`` uses ``torch.func.jvp``.
"""

from __future__ import annotations

from pdecomp.backends._printer import BASE_FUNCTIONS, FrameworkPrinter
from pdecomp.backends.base import Backend


class TorchPrinter(FrameworkPrinter):
    module = "torch"
    functions = BASE_FUNCTIONS
    tensor_only = frozenset({"Min", "Max", "atan2"})


RUNTIME = '''
def _check_coords(coords):
    """The coordinates as given, after checking their number, kind, dtype and device."""
    if len(coords) != len(COORDS):
        raise TypeError(
            f"expected {len(COORDS)} coordinate tensors ({', '.join(COORDS)}), got {len(coords)}"
        )
    for name, c in zip(COORDS, coords):
        if not isinstance(c, torch.Tensor):
            raise TypeError(f"coordinate {name!r} must be a torch.Tensor, got {type(c).__name__}")
        if not c.is_floating_point():
            raise TypeError(f"coordinate {name!r} must be floating point, got {c.dtype}")
        if c.dtype != coords[0].dtype or c.device != coords[0].device:
            raise TypeError(
                f"coordinate {name!r} is {c.dtype} on {c.device}, but {COORDS[0]!r} is "
                f"{coords[0].dtype} on {coords[0].device}"
            )
    return coords


def _to_value(name, value, like):
    """A param or input as a tensor of the coordinates' dtype and device."""
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


def _is_array(value):
    return isinstance(value, torch.Tensor)


def _unstack(out, axis):
    """One array with the fields on ``axis`` -> a tuple of fields."""
    return tuple(out.unbind(axis))


def _grads(y, xs, create_graph):
    """[dy/dx for x in xs] in one backward pass; None where y does not depend on x."""
    if y is None or not y.requires_grad:
        return [None] * len(xs)
    return torch.autograd.grad(
        y, xs, create_graph=create_graph, retain_graph=True, allow_unused=True
    )


def _children(links):
    """The chain links grouped by parent, parents first: [(parent, [(suffix, k)])]."""
    groups = {}
    for suffix in links:
        parent, k = CHAIN[suffix]
        groups.setdefault(parent, []).append((suffix, k))
    return list(groups.items())


def _grad(y, x, create_graph):
    """dy/dx, or None when y does not depend on x (its derivative is zero)."""
    return _grads(y, [x], create_graph)[0]
'''

ZCS = '''
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by reverse-mode ZCS.

    z: one zero scalar per coordinate, added to it before the single model call.
    omega = sum(a * u) over the fields, a = ones (the dummy weights); a derivative of
    omega in z is a scalar (one backward pass per parent in CHAIN gives all its
    children), and one more pass w.r.t. a turns it into the derivative fields.
    """
    zs = [torch.zeros((), dtype=c.dtype, device=c.device, requires_grad=True) for c in coords]
    fields = _fields(model(*(c + z for c, z in zip(coords, zs))), field_axis)
    values = dict(zip(FIELDS, fields))
    if not wanted:
        return values
    weights = [torch.ones_like(u, requires_grad=True) for u in fields]
    omega = {"": sum((a * u).sum() for a, u in zip(weights, fields))}
    for parent, children in _children(_links(wanted)):
        # One backward pass from a parent gives all its children (u_x and u_t from u).
        grads = _grads(omega[parent], [zs[k] for _, k in children], create_graph=True)
        omega.update((suffix, g) for (suffix, _), g in zip(children, grads))
    for suffix, group in _by_suffix(wanted):
        grads = _grads(omega[suffix], [weights[f] for _, f in group], create_graph)
        for (name, f), g in zip(group, grads):
            values[name] = torch.zeros_like(fields[f]) if g is None else g
    return values
'''

ZCS_FWD = '''
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by forward-mode ZCS.

    Each link of CHAIN is one torch.func.jvp in one zero scalar z_k (a one-hot tangent on
    z, i.e. an all-ones tangent on coordinate k), nested along the chain.
    """
    zs = tuple(torch.zeros((), dtype=c.dtype, device=c.device) for c in coords)

    def fields_at(*z):
        return _fields(model(*(c + zk for c, zk in zip(coords, z))), field_axis)

    def jvp_in(f, k):
        tangent = tuple(
            torch.ones_like(z) if i == k else torch.zeros_like(z) for i, z in enumerate(zs)
        )
        return lambda *z: torch.func.jvp(f, z, tangent)[1]

    functions = {"": fields_at}
    for suffix in _links(wanted):
        parent, k = CHAIN[suffix]
        functions[suffix] = jvp_in(functions[parent], k)
    values = dict(zip(FIELDS, fields_at(*zs)))
    for suffix, group in _by_suffix(wanted):
        result = functions[suffix](*zs)
        for name, f in group:
            values[name] = result[f] if create_graph else result[f].detach()
    return values
'''

FUNCLOOP = '''
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by the FuncLoop baseline.

    The coordinates, broadcast to one shape P, are leaves; the output has shape
    (functions..., *P). For each output function (row) and each link of CHAIN, one
    backward pass of the row's sum w.r.t. the coordinate leaf.
    """
    leaves = [c.detach().requires_grad_() for c in torch.broadcast_tensors(*coords)]
    points = leaves[0].shape
    fields = _fields(model(*leaves), field_axis)
    values = dict(zip(FIELDS, fields))
    for f, field in enumerate(FIELDS):
        mine = [name for name in wanted if DERIVATIVES[name][0] == field]
        if not mine:
            continue
        u = fields[f]
        if tuple(u.shape[u.ndim - len(points):]) != tuple(points):
            raise ValueError(
                f"funcloop needs the output's trailing dimensions to be the points' shape "
                f"{tuple(points)}; field {field!r} has shape {tuple(u.shape)}"
            )
        rows = {name: [] for name in mine}
        for row in u.reshape(-1, *points).unbind(0):
            d = {"": row}
            for suffix in _links(mine):
                parent, k = CHAIN[suffix]
                parent_value = d[parent]
                g = None if parent_value is None else _grad(parent_value.sum(), leaves[k], True)
                d[suffix] = g
            for name in mine:
                g = d[DERIVATIVES[name][1]]
                rows[name].append(torch.zeros_like(row) if g is None else g)
        for name in mine:
            value = torch.stack(rows[name]).reshape(u.shape)
            values[name] = value if create_graph else value.detach()
    return values
'''

DATAVECT = '''
def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by the DataVect baseline.

    The coordinates are repeated to the output's shape (found by one call without
    gradients) and made leaves, so the model runs on every (function, point) pair; each
    link of CHAIN is one backward pass of the sum w.r.t. a coordinate leaf.
    """
    with torch.no_grad():
        shape = _fields(model(*coords), field_axis)[0].shape
    leaves = [c.detach().expand(shape).clone().requires_grad_() for c in coords]
    fields = _fields(model(*leaves), field_axis)
    values = dict(zip(FIELDS, fields))
    for f, field in enumerate(FIELDS):
        mine = [name for name in wanted if DERIVATIVES[name][0] == field]
        d = {"": fields[f]}
        for suffix in _links(mine):
            parent, k = CHAIN[suffix]
            d[suffix] = None if d[parent] is None else _grad(d[parent].sum(), leaves[k], True)
        for name in mine:
            g = d[DERIVATIVES[name][1]]
            g = torch.zeros_like(fields[f]) if g is None else g
            values[name] = g if create_graph else g.detach()
    return values
'''


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
    """Per coordinate: (axis, h), the axis (negative) along which its grid varies, uniformly."""
    axes = []
    for name, c in zip(COORDS, coords):
        c = c.detach()
        tol = 64 * torch.finfo(c.dtype).eps * float(c.abs().max()) if c.numel() else 0.0
        varying = [
            a
            for a in range(-c.ndim, 0)
            if c.shape[a] > 1 and float(c.diff(dim=a).abs().max()) > tol
        ]
        if len(varying) != 1:
            raise ValueError(
                f"method fd{FD_ORDER} needs each coordinate grid to vary along exactly one "
                f"axis; {name!r} (shape {tuple(c.shape)}) varies along axes {varying}"
            )
        axis = varying[0]
        steps = c.diff(dim=axis)
        h = float(steps.mean())
        if float((steps - h).abs().max()) > tol:
            raise ValueError(
                f"method fd{FD_ORDER} needs uniform spacing; {name!r} has steps from "
                f"{float(steps.min())} to {float(steps.max())} along axis {axis}"
            )
        if c.shape[axis] < len(FD_CENTRAL):
            raise ValueError(
                f"method fd{FD_ORDER} needs at least {len(FD_CENTRAL)} points along each "
                f"grid axis; {name!r} has {c.shape[axis]} along axis {axis}"
            )
        axes.append((axis, h))
    return axes


def _difference(u, axis, h):
    """du/dx along `axis` of u, spacing h: central stencil inside, one-sided at the edges."""
    m, n = len(FD_EDGE), u.shape[axis]
    v = u.movedim(axis, -1)
    inner = sum(w * v[..., m + k : n - m + k] for k, w in zip(range(-m, m + 1), FD_CENTRAL) if w)
    head = [sum(w * v[..., j] for j, w in enumerate(row)) for row in FD_EDGE]
    tail = [-sum(w * v[..., n - 1 - j] for j, w in enumerate(row)) for row in FD_EDGE[::-1]]
    du = torch.cat([torch.stack(head, -1), inner, torch.stack(tail, -1)], -1) / h
    return du.movedim(-1, axis)


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
    d = {"": torch.stack(fields)}
    for suffix in _links(wanted):
        parent, k = CHAIN[suffix]
        d[suffix] = _difference(d[parent], *axes[k])
    for suffix, group in _by_suffix(wanted):
        for name, f in group:
            values[name] = d[suffix][f] if create_graph else d[suffix][f].detach()
    return values
'''
FD2 = "\nFD_ORDER = 2\n" + FD
FD4 = "\nFD_ORDER = 4\n" + FD


class TorchBackend(Backend):
    name = "torch"
    array = "torch.Tensor"
    arrays = "tensors"
    printer = TorchPrinter
    base_modules = ("torch",)
    imports = {"math": "import math", "torch": "import torch"}
    runtime = RUNTIME
    methods = {
        "zcs": ZCS,
        "zcs-fwd": ZCS_FWD,
        "funcloop": FUNCLOOP,
        "datavect": DATAVECT,
        "fd2": FD2,
        "fd4": FD4,
    }


BACKEND = TorchBackend()
