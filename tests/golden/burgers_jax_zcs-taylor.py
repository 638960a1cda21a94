"""Residuals of the PDE system 'burgers' from burgers.pde.

Compiled by pdecomp 0.1.0 for jax. Derivatives by method 'zcs-taylor':
Taylor-mode Zero Coordinate Shift: one jet along each direction in the space
of the zero scalars gives all orders of directional derivatives at once; mixed
derivatives are exact combinations of directions (polarization); torch propagates
all directions in one model call and only the combinations read at the top order

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
import jax
import jax.numpy as jnp
from jax.experimental import jet


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

# Taylor mode: directions v in z-space (one jet each), and per derivative read
# (order k, ((direction, weight), ...)): d^alpha u = sum of weight * D^k_v u.
TAYLOR_DIRECTIONS = (
    (1, 0),
    (0, 1),
)
TAYLOR = {
    "u_x": (1, ((0, 1),)),
    "u_t": (1, ((1, 1),)),
    "u_xx": (2, ((0, 1),)),
}


def eq_burgers(u, u_x, u_t, u_xx, nu):
    """burgers: dt(u) + u*dx(u) = nu*dxx(u)"""
    return -nu*u_xx + u*u_x + u_t


def eq_ic(x, u):
    """ic: u = -g"""
    return u + jnp.sin(math.pi*x)


EQUATIONS = {
    "burgers": (eq_burgers, ("u", "u_x", "u_t", "u_xx", "nu")),
    "ic": (eq_ic, ("x", "u")),
}


# =============================================================================
# The engine (jax, method 'zcs-taylor'): the same for every system.
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


# ---- The JAX runtime of every generated module: argument checks and small helpers


ARRAY = "jax.Array"
ARRAYS = "arrays"


def _check_coords(coords):
    """The coordinates as JAX arrays, after checking their number, kind and dtype."""
    if len(coords) != len(COORDS):
        raise TypeError(
            f"expected {len(COORDS)} coordinate arrays ({', '.join(COORDS)}), got {len(coords)}"
        )
    for name, c in zip(COORDS, coords):
        if _foreign(c) or not hasattr(c, "dtype") or not hasattr(c, "shape"):
            raise TypeError(f"coordinate {name!r} must be an array, got {_kind(c)}")
        if not jnp.issubdtype(c.dtype, jnp.floating):
            raise TypeError(f"coordinate {name!r} must be floating point, got {c.dtype}")
        if c.dtype != coords[0].dtype:
            raise TypeError(
                f"coordinate {name!r} is {c.dtype}, but {COORDS[0]!r} is {coords[0].dtype}"
            )
    return tuple(jnp.asarray(c) for c in coords)


def _foreign(value):
    """Whether ``value`` is another framework's tensor (torch)."""
    return type(value).__module__.split(".")[0] == "torch"


def _kind(value):
    """How a value is named in messages: another framework's tensor says which."""
    if _foreign(value):
        return "a torch.Tensor: this module is compiled for JAX (pass jax arrays)"
    return type(value).__name__


def _to_value(name, value, like):
    """A param or input as an array of the coordinates' dtype."""
    if _foreign(value):
        raise TypeError(f"{name!r} must be a number or an array, got {_kind(value)}")
    dtype = getattr(value, "dtype", None)
    if dtype is not None and jnp.issubdtype(dtype, jnp.floating) and dtype != like.dtype:
        raise TypeError(f"{name!r} is {dtype}, the coordinates are {like.dtype}")
    try:
        return jnp.asarray(value, dtype=like.dtype)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{name!r} must be a number or an array: {error}") from None


def _broadcast_function(name, value, like):
    """A function's value (array or number) broadcast to the fields' shape ``like``."""
    if not _is_array(value):  # a number: the fields' dtype; an array stays as it is
        value = _to_value(name, value, like)
    try:
        return jnp.broadcast_to(value, like.shape)
    except ValueError:
        raise ValueError(
            f"function {name!r} has shape {tuple(value.shape)}, not broadcastable to the "
            f"fields' shape {tuple(like.shape)}"
        ) from None


def _differentiate(engine, model, coords, wanted, create_graph, field_axis):
    """The engine's fields and derivatives (JAX has no autograd mode to restore)."""
    return engine(model, coords, wanted, create_graph, field_axis)


def _fill(value, like):
    """``value`` (a number, or an array of fewer axes) broadcast to the shape of ``like``."""
    return jnp.zeros_like(like) + value


def _squeeze(out, axis):
    return jnp.squeeze(out, axis)


def _is_array(value):
    return isinstance(value, jax.Array)


def _unstack(out, axis):
    """One array with the fields on ``axis`` -> a tuple of fields."""
    return tuple(jnp.moveaxis(out, axis, 0))


def _keep(value, create_graph):
    """``value`` as it is: JAX keeps no graph, so ``create_graph`` changes nothing."""
    return value


# ---- Taylor-mode Zero Coordinate Shift for JAX (method zcs-taylor), by jax.experimental.jet


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
    values = dict(zip(OUTPUTS, fields))
    for name in wanted:
        k, terms = TAYLOR[name]
        f = OUTPUTS.index(DERIVATIVES[name][0])
        values[name] = sum(w * series[j][f][k - 1] for j, w in terms)
    return values


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


# ---- JAX derivatives of fields given as a function of the shifts (for residuals_from)


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
