"""Residuals of the PDE system 'burgers' from burgers.pde.

Compiled by pdecomp 0.1.0 for torch. Derivatives by method 'zcs-or-pointwise':
per-point leaves where the layout allows, reverse-mode ZCS elsewhere:
every coordinate of the output's shape and each output independent of the other
points' coordinates (checked once per model and shapes, by perturbing half of the
points) -> one backward pass per parent in CHAIN w.r.t. the shifted coordinates;
otherwise zero scalars z added to the coordinates, scalar passes of omega = sum(a * u)
and one pass w.r.t. a per derivative field or linear operator

Coordinates (model arguments, in order): x, t; time: t
Fields (model outputs, in order): u
Params (keywords, with defaults): nu

Equations (residual = lhs - rhs):
    burgers: dt(u) + u*dx(u) = nu*dxx(u)
    ic: u = -g

Derivatives computed (highest order 2): u_x, u_t, u_xx

Use: residuals(model, x, t, **params_and_inputs) -> {equation: residual}; residual(name, model, ...).
Fields already evaluated (the model not called again): residuals_from(fields,
coords, zeros=... or leaf=...).
This file is generated: edit the .pde file and compile again.
"""


import math
import weakref
import torch


# =============================================================================
# This system, 'burgers': its tables and equations.
# =============================================================================


COORDS = ("x", "t")
FIELDS = ("u",)
FUNCTIONS = ()
OUTPUTS = FIELDS + FUNCTIONS  # what the engines differentiate
PARAMS = {
    "nu": (1/100)/math.pi,
}
INPUTS = ()

# The derivative chain, parents first: suffix -> (parent suffix, coordinate
# position). Each link is one derivative of the previous one in one coordinate,
# so every shared lower-order derivative is computed once.
CHAIN = {
    "x": ("", 0),
    "t": ("", 1),
    "xx": ("x", 0),
}
# Derivatives the equations read: name -> (field, chain suffix).
DERIVATIVES = {
    "u_x": ("u", "x"),
    "u_t": ("u", "t"),
    "u_xx": ("u", "xx"),
}
# Linear operators read as one value: name -> (field, ((derivative, coefficient),
# ...)). Reverse ZCS sums the members' omega-derivatives first: one pass w.r.t. a.
COMBINATIONS = {}
# Vector, tensor and complex equations: name -> its scalar equations, in order.
GROUPS = {}


def eq_burgers(u, u_x, u_t, u_xx, nu):
    """burgers: dt(u) + u*dx(u) = nu*dxx(u)"""
    return -nu*u_xx + u*u_x + u_t


def eq_ic(x, u):
    """ic: u = -g"""
    return u + torch.sin(math.pi*x)


EQUATIONS = {
    "burgers": (eq_burgers, ("u", "u_x", "u_t", "u_xx", "nu")),
    "ic": (eq_ic, ("x", "u")),
}


# =============================================================================
# The engine (torch, method 'zcs-or-pointwise'): the same for every system.
# =============================================================================


# ---- The public functions of every generated module, and the helpers all engines share


def residuals(model, /, *coords, create_graph=True, field_axis=-1, **values):
    """All residuals at the same points: a dict equation name -> array.

    model: callable taking the coordinates positionally (in COORDS order) and returning
        the fields (FIELDS): one array for one field; a tuple/list in field order or a
        dict by field name for several (or one array with the fields on `field_axis`).
    coords: one array per coordinate, of any shapes the model accepts.
    values: params (optional, defaults in PARAMS), inputs and functions (required by the
        equations that read them), as keywords. A function is a callable of the
        coordinates, called with the same (shifted) coordinates as the model; an array is
        accepted where the equations evaluated need no derivative of it.
    create_graph: keep the graph of the derivatives (needed to train through them).
    """
    return _evaluate(tuple(EQUATIONS), model, coords, create_graph, field_axis, values)


def residual(name, model, /, *coords, create_graph=True, field_axis=-1, **values):
    """The residual of one equation, computing only the derivatives it reads.

    A vector, tensor or complex equation (a name in GROUPS) gives the tuple of its
    components' residuals, in order (momentum_x, momentum_y; nls_re, nls_im).
    """
    if name in GROUPS:
        result = _evaluate(GROUPS[name], model, coords, create_graph, field_axis, values)
        return tuple(result[n] for n in GROUPS[name])
    if name not in EQUATIONS:
        known = ", ".join(EQUATIONS) + "".join(f"; {g} = {', '.join(GROUPS[g])}" for g in GROUPS)
        raise ValueError(f"unknown equation {name!r}; equations: {known}")
    return _evaluate((name,), model, coords, create_graph, field_axis, values)[name]


def _evaluate(names, model, coords, create_graph, field_axis, values):
    coords = _check_coords(coords)
    field_axis = _field_axis(coords, field_axis)
    env = dict(zip(COORDS, coords))
    env.update(_keywords(names, values, coords[0]))
    wanted = []
    for name in names:
        wanted += [
            a
            for a in EQUATIONS[name][1]
            if (a in DERIVATIVES or a in COMBINATIONS) and a not in wanted
        ]
    if FUNCTIONS:
        model = _with_functions(model, _functions(names, values, coords[0]), field_axis)
    derived = _differentiate(_derivatives, model, coords, wanted, create_graph, field_axis)
    env.update(_combine(derived, wanted))
    return _finish(names, env, env[FIELDS[0]])


def _field_axis(coords, field_axis):
    """``field_axis`` checked; None where one field's coordinates come in columns (N, 1).

    One field with a size-1 axis at ``field_axis`` is that field without the axis, unless
    the coordinates have that axis too (DeepXDE's columns): then the output is the field.
    """
    if field_axis is not None and (not isinstance(field_axis, int) or field_axis is True):
        raise TypeError(f"field_axis must be an int or None, got {field_axis!r}")
    if len(FIELDS) == 1 and field_axis is not None and field_axis < 0:
        points = _broadcast_all([tuple(c.shape) for c in coords])
        if points and len(points) >= -field_axis and points[field_axis] == 1:
            return None  # coordinates in columns, (N, 1): the output is the field
    return field_axis


def _finish(names, env, like):
    """The residuals of ``names`` from the values in ``env``, each of the shape of ``like``."""
    shape = tuple(like.shape)
    _check_shapes(names, env, shape)
    result = {}
    for name in names:
        value = EQUATIONS[name][0](*(env[a] for a in EQUATIONS[name][1]))
        if not _is_array(value) or tuple(value.shape) != shape:
            value = _fill(value, like)  # a constant, or a term of fewer axes
        result[name] = value
    return result


def _check_shapes(names, env, shape):
    """Every coordinate, and every param and input read, fits in the fields' shape.

    The one rule: a residual has exactly the shape of the field values. A term that
    would broadcast it beyond (fields (N, 1) from a model given coordinates (N,) make
    (N, N) with a term in x) is an error naming the term, never a larger residual.
    """
    read = [a for name in names for a in EQUATIONS[name][1] if a in PARAMS or a in INPUTS]
    for arg in (*COORDS, *dict.fromkeys(read)):
        got = tuple(getattr(env[arg], "shape", ()))
        wider = _broadcast(got, shape)
        if wider != shape:
            kind = "coordinate" if arg in COORDS else "param" if arg in PARAMS else "input"
            would = f" (a term in it would make the residual {wider})" if wider else ""
            raise ValueError(
                f"{kind} {arg!r} has shape {got}, which does not broadcast to the fields' "
                f"shape {shape}{would}; every residual has the fields' shape: give {arg!r} "
                "a shape that broadcasts to it"
            )


def _check_repeatable(coords, shape):
    """DataVect repeats every coordinate to the output's shape: each must broadcast to it."""
    for name, c in zip(COORDS, coords):
        if _broadcast(tuple(c.shape), shape) != shape:
            raise ValueError(
                f"datavect repeats the coordinates to the output's shape {shape}; coordinate "
                f"{name!r} has shape {tuple(c.shape)}, which does not broadcast to it"
            )


def _broadcast_all(shapes):
    """The broadcast of several shapes, or None."""
    out = ()
    for shape in shapes:
        out = _broadcast(out, shape)
        if out is None:
            return None
    return out


def _broadcast(a, b):
    """The broadcast of two shapes, or None where they do not broadcast."""
    out = []
    for i in range(1, max(len(a), len(b)) + 1):
        m = a[-i] if i <= len(a) else 1
        n = b[-i] if i <= len(b) else 1
        if m != n and 1 not in (m, n):
            return None
        out.append(n if m == 1 else m)
    return tuple(reversed(out))


def _keywords(names, values, like):
    """Params (file defaults filled in) and the inputs the equations `names` read."""
    for key in values:
        if key not in PARAMS and key not in INPUTS and key not in FUNCTIONS:
            raise TypeError(
                f"unknown keyword argument {key!r}; params: {', '.join(PARAMS) or 'none'}; "
                f"inputs: {', '.join(INPUTS) or 'none'}"
                + (f"; functions: {', '.join(FUNCTIONS)}" if FUNCTIONS else "")
            )
    env = {}
    for name in names:
        for arg in EQUATIONS[name][1]:
            if arg in PARAMS:
                env[arg] = _to_value(arg, values.get(arg, PARAMS[arg]), like)
            elif arg in INPUTS:
                if arg not in values:
                    raise TypeError(f"equation {name!r} needs the input {arg!r} (a keyword)")
                env[arg] = _to_value(arg, values[arg], like)
    return env


class _Outputs(tuple):
    """A wrapped model's output: fields, then functions (OUTPUTS), already normalised."""


def _fields(out, field_axis):
    """The model's output as a tuple of arrays, one per field, in FIELDS order."""
    if isinstance(out, _Outputs):  # from _with_functions: fields and functions (OUTPUTS)
        return tuple(out)
    if isinstance(out, dict):
        missing = [f for f in FIELDS if f not in out]
        unknown = [k for k in out if k not in FIELDS]
        if missing or unknown:
            raise ValueError(
                f"the model returned a dict with keys {sorted(map(str, out))}; "
                f"expected the fields {list(FIELDS)}"
            )
        out = tuple(out[f] for f in FIELDS)
    elif isinstance(out, (tuple, list)):
        if len(out) != len(FIELDS):
            raise ValueError(
                f"the model returned {len(out)} outputs; expected {len(FIELDS)} "
                f"(fields {', '.join(FIELDS)})"
            )
        out = tuple(out)
    elif _is_array(out):
        if field_axis is not None and out.ndim and not -out.ndim <= field_axis < out.ndim:
            raise ValueError(
                f"field_axis={field_axis} is out of range for the model's output of shape "
                f"{tuple(out.shape)}"
            )
        if len(FIELDS) == 1:
            # One field with a size-1 field axis, (N, 1), (M, N, 1), (B, H, W, 1): the
            # axis is dropped and the field is (N,), (M, N), (B, H, W).
            squeeze = field_axis is not None and out.ndim and out.shape[field_axis] == 1
            out = (_squeeze(out, field_axis) if squeeze else out,)
        elif field_axis is None:
            raise ValueError(
                f"with field_axis=None and {len(FIELDS)} fields ({', '.join(FIELDS)}) the "
                f"model must return a tuple or dict of fields, not one {ARRAY}"
            )
        elif out.ndim == 0 or out.shape[field_axis] != len(FIELDS):
            raise ValueError(
                f"the model returned one {ARRAY} of shape {tuple(out.shape)}; with "
                f"{len(FIELDS)} fields ({', '.join(FIELDS)}) expected size {len(FIELDS)} "
                f"on field_axis={field_axis}, or a tuple or dict of fields"
            )
        else:
            out = _unstack(out, field_axis)
    else:
        raise TypeError(
            f"the model must return a {ARRAY}, a tuple/list or a dict of {ARRAYS}, "
            f"got {type(out).__name__}"
        )
    for name, u in zip(FIELDS, out):
        if not _is_array(u):
            raise TypeError(f"field {name!r} from the model is a {type(u).__name__}, not a {ARRAY}")
    if len({tuple(u.shape) for u in out}) > 1:
        shapes = ", ".join(f"{n} {tuple(u.shape)}" for n, u in zip(FIELDS, out))
        raise ValueError(f"the model returned fields of mismatched shapes: {shapes}")
    return out


def _links(wanted):
    """The chain suffixes the derivatives `wanted` need, parents first."""
    needed = set()
    for name in _members(wanted):
        suffix = DERIVATIVES[name][1]
        while suffix and suffix not in needed:
            needed.add(suffix)
            suffix = CHAIN[suffix][0]
    return [suffix for suffix in CHAIN if suffix in needed]


def _children(links):
    """The chain links grouped by parent, parents first: [(parent, [(suffix, k)])]."""
    groups = {}
    for suffix in links:
        parent, k = CHAIN[suffix]
        groups.setdefault(parent, []).append((suffix, k))
    return list(groups.items())


def _members(wanted):
    """The derivatives `wanted` (names), each combination replaced by its members."""
    out = []
    for name in wanted:
        terms = COMBINATIONS[name][1] if name in COMBINATIONS else ((name, 1),)
        out += [member for member, _ in terms if member not in out]
    return out


def _by_terms(wanted):
    """The combinations in `wanted`, grouped by their terms: [(terms, [(name, field)])].

    Combinations of several fields with the same suffixes and coefficients (``mu*(u_xx +
    u_yy)`` and ``mu*(v_xx + v_yy)``) share one omega-level sum; terms are (suffix, c).
    """
    groups = {}
    for name in wanted:
        if name in COMBINATIONS:
            field, terms = COMBINATIONS[name]
            key = tuple((DERIVATIVES[member][1], c) for member, c in terms)
            groups.setdefault(key, []).append((name, OUTPUTS.index(field)))
    return list(groups.items())


def _combine(values, wanted):
    """``values`` with each combination in `wanted` added as the sum of its members."""
    for name in wanted:
        if name in COMBINATIONS and name not in values:
            terms = COMBINATIONS[name][1]
            values[name] = sum(c * values[member] for member, c in terms)
    return values


def _by_suffix(wanted):
    """The derivatives `wanted`, grouped by chain suffix: [(suffix, [(name, field)])].

    Combination names in `wanted` are skipped (see ``_by_terms``).
    """
    groups = {}
    for name in wanted:
        if name not in DERIVATIVES:
            continue
        field, suffix = DERIVATIVES[name]
        groups.setdefault(suffix, []).append((name, OUTPUTS.index(field)))
    return [(suffix, groups[suffix]) for suffix in CHAIN if suffix in groups]


# ---- The PyTorch runtime of every generated module: argument checks and small helpers


ARRAY = "torch.Tensor"
ARRAYS = "tensors"


def _check_coords(coords):
    """The coordinates as given, after checking their number, kind, dtype and device."""
    if len(coords) != len(COORDS):
        raise TypeError(
            f"expected {len(COORDS)} coordinate tensors ({', '.join(COORDS)}), got {len(coords)}"
        )
    for name, c in zip(COORDS, coords):
        if not isinstance(c, torch.Tensor):
            raise TypeError(f"coordinate {name!r} must be a torch.Tensor, got {_kind(c)}")
        if not c.is_floating_point():
            raise TypeError(f"coordinate {name!r} must be floating point, got {c.dtype}")
        if c.dtype != coords[0].dtype or c.device != coords[0].device:
            raise TypeError(
                f"coordinate {name!r} is {c.dtype} on {c.device}, but {COORDS[0]!r} is "
                f"{coords[0].dtype} on {coords[0].device}"
            )
    return coords


def _kind(value):
    """How a value is named in messages: another framework's array says which."""
    kind = type(value).__module__.split(".")[0]
    if kind in ("jax", "jaxlib"):
        return f"a JAX array ({type(value).__name__}): this module is compiled for torch"
    return type(value).__name__


def _to_value(name, value, like):
    """A param or input as a tensor of the coordinates' dtype and device."""
    if type(value).__module__.split(".")[0] in ("jax", "jaxlib"):
        raise TypeError(f"{name!r} must be a number or a torch.Tensor, got {_kind(value)}")
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


def _broadcast_function(name, value, like):
    """A function's value (tensor or number) broadcast to the fields' shape ``like``."""
    if not _is_array(value):  # a number: the fields' dtype; an array stays as it is
        value = _to_value(name, value, like)
    try:
        return value.expand(like.shape)
    except RuntimeError:
        raise ValueError(
            f"function {name!r} has shape {tuple(value.shape)}, not broadcastable to the "
            f"fields' shape {tuple(like.shape)}"
        ) from None


def _differentiate(engine, model, coords, wanted, create_graph, field_axis):
    """The engine's fields and derivatives, with autograd on whatever the caller's mode.

    Under torch.no_grad() or torch.inference_mode() (a validation loop) autograd is
    switched back on inside, so derivatives are right, and every value comes back
    detached: the caller asked for no graph.
    """
    if torch.is_grad_enabled() and not torch.is_inference_mode_enabled():
        return engine(model, coords, wanted, create_graph, field_axis)
    with torch.inference_mode(False), torch.enable_grad():
        coords = tuple(c.clone() if c.is_inference() else c for c in coords)
        values = engine(model, coords, wanted, False, field_axis)
        return {name: value.detach() for name, value in values.items()}


def _fill(value, like):
    """``value`` (a number, or a tensor of fewer axes) broadcast to the shape of ``like``."""
    return torch.zeros_like(like) + value


def _squeeze(out, axis):
    return out.squeeze(axis)


def _is_array(value):
    """A tensor, or a tensor-like (torch's term): zcs-taylor's jets pass through _fields."""
    return torch.overrides.is_tensor_like(value)


def _unstack(out, axis):
    """One array with the fields on ``axis`` -> a tuple of fields."""
    return tuple(out.unbind(axis))


def _keep(value, create_graph):
    """``value``, detached from the graph unless ``create_graph``."""
    return value if create_graph else value.detach()


def _grads(y, xs, create_graph):
    """[dy/dx for x in xs] in one backward pass; None where y does not depend on x."""
    if y is None or not y.requires_grad:
        return [None] * len(xs)
    return torch.autograd.grad(
        y, xs, create_graph=create_graph, retain_graph=True, allow_unused=True
    )


def _grad(y, x, create_graph):
    """dy/dx, or None when y does not depend on x (its derivative is zero)."""
    return _grads(y, [x], create_graph)[0]


# ---- The passes of reverse-mode Zero Coordinate Shift for PyTorch (zcs, zcs-or-pointwise)


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


# ---- Per-point derivatives for PyTorch (pointwise, zcs-or-pointwise)


def _pointwise(fields, xs, wanted, create_graph):
    """Per field, one backward pass per parent in CHAIN w.r.t. the children's coordinates.

    The pass from a parent value p (a tensor of the points' shape) uses grad_outputs =
    ones: the gradients are d(sum p)/d xs[k], i.e. the per-point derivatives. Linear
    operators in `wanted` are left to the caller (their members are computed here).
    """
    values = dict(zip(OUTPUTS, fields))
    members = _members(wanted)
    for f, field in enumerate(OUTPUTS):
        mine = [name for name in members if DERIVATIVES[name][0] == field]
        if not mine:
            continue
        links = _links(mine)
        parents = {CHAIN[suffix][0] for suffix in links}
        d = {"": fields[f]}
        for parent, children in _children(links):
            y = d[parent]
            if y is None or not y.requires_grad:
                d.update((suffix, None) for suffix, _ in children)
                continue
            # a value that is itself a parent keeps its graph for the next pass
            keep = create_graph or any(suffix in parents for suffix, _ in children)
            grads = torch.autograd.grad(
                y,
                [xs[k] for _, k in children],
                torch.ones_like(y),
                create_graph=keep,
                retain_graph=True,
                allow_unused=True,
            )
            d.update((suffix, g) for (suffix, _), g in zip(children, grads))
        for name in mine:
            g = d[DERIVATIVES[name][1]]
            g = torch.zeros_like(fields[f]) if g is None else g
            values[name] = g if create_graph else g.detach()
    return values


def _points_shape_error(coords, shape):
    """None when every coordinate has the fields' shape, else what is wrong (text)."""
    for name, c in zip(COORDS, coords):
        if tuple(c.shape) != tuple(shape):
            return (
                f"coordinate {name!r} has shape {tuple(c.shape)}, the fields "
                f"{tuple(shape)}: per-point derivatives need one coordinate value per output"
            )
    return None


# ---- The choice by layout: per-point leaves where it allows, reverse ZCS elsewhere


_LAYOUTS = weakref.WeakKeyDictionary()  # model -> {(shapes, dtype, device, axis): bool}


def _zcs_or_pointwise(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`: per-point leaves or reverse ZCS.

    A model already found pointwise at these shapes is called on the coordinates as
    leaves, as hand-written per-point autograd does (no zero scalars to carry through the
    training step), unless a coordinate is itself differentiated (requires grad).
    """
    known = _known_layouts(model)
    key = (tuple(tuple(c.shape) for c in coords), coords[0].dtype, coords[0].device, field_axis)
    if wanted and known.get(key) and not any(c.requires_grad for c in coords):
        xs = [c.detach().requires_grad_(True) for c in coords]
        return _pointwise(_fields(model(*xs), field_axis), xs, wanted, create_graph)
    zs = [torch.zeros((), dtype=c.dtype, device=c.device, requires_grad=True) for c in coords]
    xs = [c + z for c, z in zip(coords, zs)]
    fields = _fields(model(*xs), field_axis)
    if wanted and _is_pointwise(model, coords, fields, field_axis, known, key):
        return _pointwise(fields, xs, wanted, create_graph)
    return _zcs(fields, zs, wanted, create_graph)


def _known_layouts(model):
    """The layouts found for ``model``: {key: pointwise?} (a new dict if not weakly kept)."""
    try:
        return _LAYOUTS.setdefault(model, {})
    except TypeError:  # not weakly referenceable: check every time
        return {}


def _is_pointwise(model, coords, fields, field_axis, known, key):
    """Whether the per-point passes are exact here (the result is kept in ``known``)."""
    if _points_shape_error(coords, fields[0].shape):
        return False
    if key not in known:
        known[key] = _independent(model, coords, fields, field_axis)
    return known[key]


def _independent(model, coords, fields, field_axis):
    """Whether the outputs at unmoved points stay put when half of the points move.

    A pseudo-random half of the points (fixed seed) is shifted in every coordinate; a
    model whose outputs mix points (convolutions, normalisation over the batch, a random
    layer) changes the outputs of the other half, and per-point leaves would be wrong.
    """
    n = coords[0].numel()
    if n < 2:
        return True
    generator = torch.Generator().manual_seed(0)
    moved = torch.rand(n, generator=generator) < 0.5
    moved[0], moved[1] = True, False
    moved = moved.reshape(coords[0].shape).to(coords[0].device)
    with torch.no_grad():
        shifted = []
        for c in coords:
            span = (c.max() - c.min()) if c.numel() else 0.0
            shift = 0.1 * span + 0.01 * (1 + c.abs().max())
            shifted.append(torch.where(moved, c + shift, c))
        try:
            again = _fields(model(*shifted), field_axis)
        except Exception:  # the model rejects the moved points: use ZCS
            return False
        for u, v in zip(fields, again):
            u = u.detach()
            if v.shape != u.shape:
                return False
            tolerance = 64 * torch.finfo(u.dtype).eps * (1 + float(u.abs().max()))
            if bool(((u - v).abs() > tolerance)[~moved].any()):
                return False
    return True


# ---- Per-point leaves where the layout allows, reverse ZCS elsewhere (zcs-or-pointwise)


def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`: per-point leaves or reverse ZCS."""
    return _zcs_or_pointwise(model, coords, wanted, create_graph, field_axis)


# ---- Residuals from fields the caller already evaluated: the public residuals_from


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
    wanted, operators = [], []
    for name in names:
        for arg in EQUATIONS[name][1]:
            if arg in COORDS and arg not in env:
                raise TypeError(f"equation {name!r} reads the coordinate {arg!r}: pass coords")
            if arg in DERIVATIVES and arg not in wanted:
                wanted.append(arg)
            elif arg in COMBINATIONS:  # a linear operator: from its members
                operators.append(arg)
                wanted += [m for m in _members((arg,)) if m not in wanted]
    derived = _given_derivatives(fields, zeros, leaf, wanted, create_graph, field_axis, cache)
    env.update(_combine(derived, operators))
    return {name: EQUATIONS[name][0](*(env[a] for a in EQUATIONS[name][1])) for name in names}


def _link_groups(links):
    """The chain links grouped by parent, parents first: [(parent, [(suffix, k)])]."""
    groups = {}
    for suffix in links:
        parent, k = CHAIN[suffix]
        groups.setdefault(parent, []).append((suffix, k))
    return list(groups.items())


# ---- PyTorch derivatives of fields the caller evaluated (for residuals_from)


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
