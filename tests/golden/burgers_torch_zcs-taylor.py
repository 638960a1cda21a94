"""Residuals of the PDE system 'burgers' from burgers.pde.

Compiled by pdecomp 0.1.0 for torch. Derivatives by method 'zcs-taylor':
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
    return u + torch.sin(math.pi*x)


EQUATIONS = {
    "burgers": (eq_burgers, ("u", "u_x", "u_t", "u_xx", "nu")),
    "ic": (eq_ic, ("x", "u")),
}


# =============================================================================
# The engine (torch, method 'zcs-taylor'): the same for every system.
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


# ---- Taylor-mode propagation for PyTorch: truncated Taylor series through a model


class _NotTaylor(TypeError):
    """The model calls an operation that Taylor mode does not propagate."""


class _Frame:
    """What all jets of one evaluation share: the order K, the batch sizes, the collapse.

    ``sizes[k - 1]`` is how many directions c_k holds (None: all): the directions come
    ordered by the highest order they are needed at, so those of c_k are a prefix of
    those of c_(k-1), and a direction read only at low orders costs nothing above them.
    ``mix`` is None, or a (Q, R_K) tensor: the top coefficient then holds Q combinations
    of the top directions' coefficients.
    """

    def __init__(self, order, mix, sizes=None):
        self.order, self.mix, self.sizes = order, mix, sizes

    def cut(self, t, k):
        """A coefficient of order below k restricted to the directions of c_k."""
        if t is None or self.sizes is None or t.shape[0] <= self.sizes[k - 1]:
            return t
        return t[: self.sizes[k - 1]]

    def top(self, lower):
        """Cross terms of order K (one per direction) as the top coefficient holds them."""
        if lower is None or self.mix is None:
            return lower
        flat = lower.reshape(lower.shape[0], -1)
        return (self.mix @ flat).reshape((self.mix.shape[0],) + tuple(lower.shape[1:]))


class _Jet:
    """x(s) = value + c_1 s + ... + c_K s^K, along R directions at once.

    ``series[k - 1]`` is c_k: None (zero) or a tensor of ``value.ndim + 1`` dims whose
    first is the direction (the collapsed combination at k = K) and whose others
    broadcast to ``value``'s shape.
    """

    __slots__ = ("value", "series", "frame")

    def __init__(self, value, series, frame):
        self.value, self.series, self.frame = value, list(series), frame

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        return _dispatch(func, args, kwargs or {})

    # Read-only facts come from the value.
    shape = property(lambda self: self.value.shape)
    dtype = property(lambda self: self.value.dtype)
    device = property(lambda self: self.value.device)
    ndim = property(lambda self: self.value.ndim)

    def dim(self):
        return self.value.dim()

    def size(self, *dim):
        return self.value.size(*dim)

    def numel(self):
        return self.value.numel()

    def __len__(self):
        return len(self.value)

    def __getattr__(self, name):
        method = getattr(torch.Tensor, name, None)
        if method is None or name.startswith("_"):
            raise AttributeError(name)
        if not callable(method):  # a tensor attribute (.T, .grad, ...): no Taylor rule
            raise _NotTaylor(f"Tensor.{name}")
        return lambda *args, **kwargs: _dispatch(method, (self, *args), kwargs)

    def __repr__(self):
        return f"_Jet(order={self.frame.order}, shape={tuple(self.value.shape)})"

    def __add__(self, other):
        return _add(self, other, 1)

    def __radd__(self, other):
        return _add(other, self, 1)

    def __sub__(self, other):
        return _add(self, other, -1)

    def __rsub__(self, other):
        return _add(other, self, -1)

    def __neg__(self):
        return _scale(self, -1)

    def __mul__(self, other):
        return _mul(self, other)

    def __rmul__(self, other):
        return _mul(other, self)

    def __truediv__(self, other):
        return _div(self, other)

    def __rtruediv__(self, other):
        return _div(other, self)

    def __pow__(self, other):
        return _pow(self, other)

    def __rpow__(self, other):
        return _exp(_mul(_jet_log(other), self))

    def __matmul__(self, other):
        return _bilinear(torch.matmul, self, other)

    def __rmatmul__(self, other):
        return _bilinear(torch.matmul, other, self)

    def __getitem__(self, index):
        return _linear(lambda t: t[index], self)

    # Piecewise-constant results (masks, signs) carry no series: plain tensors.
    def __gt__(self, other):
        return _value(self) > _value(other)

    def __lt__(self, other):
        return _value(self) < _value(other)

    def __ge__(self, other):
        return _value(self) >= _value(other)

    def __le__(self, other):
        return _value(self) <= _value(other)


def _value(x):
    return x.value if isinstance(x, _Jet) else x


def _frame_of(*xs):
    frames = {id(x.frame): x.frame for x in xs if isinstance(x, _Jet)}
    if len(frames) != 1:
        raise _NotTaylor("jets of two different Taylor evaluations were combined")
    return next(iter(frames.values()))


def _series(x, ndim):
    """X's coefficients (None for a plain tensor or number), each with ndim + 1 dims."""
    if not isinstance(x, _Jet):
        return None
    return [None if s is None else _lift(s, ndim) for s in x.series]


def _lift(s, ndim):
    missing = ndim + 1 - s.ndim
    return s if missing == 0 else s.reshape((s.shape[0],) + (1,) * missing + tuple(s.shape[1:]))


def _full(s, shape):
    """A coefficient expanded to the value's full ``shape`` (B, *shape)."""
    return _lift(s, len(shape)).expand((s.shape[0],) + tuple(shape))


def _plus(a, b):
    """A + b where None is zero."""
    if a is None:
        return b
    return a if b is None else a + b


def _times(a, b):
    """A * b where None is zero."""
    return None if a is None or b is None else a * b


def _add(a, b, sign):
    value = _value(a) + sign * _value(b)
    frame = _frame_of(a, b)
    sa, sb = _series(a, value.ndim), _series(b, value.ndim)
    if sa is None:
        series = [None if s is None else sign * s for s in sb]
    elif sb is None:
        series = sa
    else:
        series = [_plus(x, None if y is None else sign * y) for x, y in zip(sa, sb)]
    return _Jet(value, series, frame)


def _scale(x, c):
    return _Jet(x.value * c, [None if s is None else s * c for s in x.series], x.frame)


def _mul(a, b):
    """The Cauchy product; a plain factor scales every coefficient."""
    value = _value(a) * _value(b)
    frame = _frame_of(a, b)
    sa, sb = _series(a, value.ndim), _series(b, value.ndim)
    if sa is None or sb is None:
        jet, plain = (a, _value(b)) if sb is None else (b, _value(a))
        return _Jet(value, [_times(s, plain) for s in _series(jet, value.ndim)], frame)
    a0, b0, order = a.value, b.value, frame.order
    series = []
    for k in range(1, order + 1):
        cross = None
        for i in range(1, k):
            cross = _plus(cross, _times(frame.cut(sa[i - 1], k), frame.cut(sb[k - i - 1], k)))
        if k == order:
            cross = frame.top(cross)
        series.append(_plus(_plus(_times(sa[k - 1], b0), _times(a0, sb[k - 1])), cross))
    return _Jet(value, series, frame)


def _div(a, b):
    if not isinstance(b, _Jet):
        return _mul(a, 1 / b if not isinstance(b, torch.Tensor) else b.reciprocal())
    return _mul(a, _pow(b, -1))


def _compose(x, value, derivatives):
    """f(x) for a jet x, from f(x0) and d_j = f^(j)(x0) / j!, j = 1..K (Faa di Bruno).

    c_k of f(x) = sum over j of d_j [s^k] P(s)^j, P = c_1 s + ... + c_K s^K; for j >= 2
    only c_1 .. c_{K-1} enter, so the top order takes d_1 c_K plus collapsed cross terms.
    """
    frame, order = x.frame, x.frame.order
    lower = {i: s for i, s in enumerate(x.series[:-1], 1) if s is not None}
    cross = [None] * (order + 1)
    power = dict(lower)  # [s^k] P^j without the top coefficient, for j = 1, 2, ...
    for j in range(2, order + 1):
        power = {
            k: term
            for k in range(j, order + 1)
            if (term := _power_term(power, lower, k, frame)) is not None
        }
        if not power:
            break
        for k, term in power.items():
            cross[k] = _plus(cross[k], _times(derivatives[j - 1], term))
    cross[order] = frame.top(cross[order])
    series = [_plus(_times(derivatives[0], x.series[k - 1]), cross[k]) for k in range(1, order + 1)]
    return _Jet(value, series, frame)


def _power_term(previous, lower, k, frame):
    """[s^k] of (previous series) * (lower series), on the directions of c_k."""
    term = None
    for i, s in lower.items():
        if k - i in previous:
            term = _plus(term, frame.cut(previous[k - i], k) * frame.cut(s, k))
    return term


def _polynomial_derivatives(y, step, order):
    """d_j for f with f' = step(f) polynomial in y = f(x): tanh (1 - y^2), sigmoid (y - y^2)."""
    poly, out = [0, 1], []
    for j in range(1, order + 1):
        derivative = [i * c for i, c in enumerate(poly)][1:]
        poly = [0] * (len(derivative) + len(step) - 1)
        for i, c in enumerate(derivative):
            for m, e in enumerate(step):
                poly[i + m] += c * e
        value = 0
        for c in reversed(poly):
            value = value * y + c / math.factorial(j)
        out.append(value)
    return out


def _periodic(x, functions):
    """f(x) for a jet x where f^(j) = functions[j % period]: sin, cos (4); sinh, cosh (2)."""
    values = [g(x.value) for g in functions]
    derivatives = [values[j % len(values)] / math.factorial(j) for j in range(1, x.frame.order + 1)]
    return _compose(x, values[0], derivatives)


def _unary(name, x):
    x0, order = x.value, x.frame.order
    if name == "tanh":
        y = torch.tanh(x0)
        return _compose(x, y, _polynomial_derivatives(y, [1, 0, -1], order))
    if name == "sigmoid":
        y = torch.sigmoid(x0)
        return _compose(x, y, _polynomial_derivatives(y, [0, 1, -1], order))
    if name == "exp":
        return _exp(x)
    if name == "log":
        return _jet_log(x)
    if name in ("sin", "cos"):
        cycle = [torch.sin, torch.cos, lambda t: -torch.sin(t), lambda t: -torch.cos(t)]
        shift = 0 if name == "sin" else 1
        return _periodic(x, cycle[shift:] + cycle[:shift])
    if name in ("sinh", "cosh"):
        return _periodic(
            x, [torch.sinh, torch.cosh] if name == "sinh" else [torch.cosh, torch.sinh]
        )
    if name == "sqrt":
        return _pow(x, 0.5)
    if name == "rsqrt":
        return _pow(x, -0.5)
    if name == "reciprocal":
        return _pow(x, -1)
    if name == "square":
        return _mul(x, x)
    if name == "neg":
        return _scale(x, -1)
    if name in ("relu", "abs"):
        slope = (x0 > 0).to(x0.dtype) if name == "relu" else torch.sign(x0)
        return _compose(
            x, torch.relu(x0) if name == "relu" else x0.abs(), [slope] + [None] * (order - 1)
        )
    if name == "atan":
        # atan^(j)(x) = (j - 1)! cos(t)^j sin(j (t + pi / 2)), t = atan(x)
        t = torch.atan(x0)
        cos = torch.cos(t)
        derivatives = [cos**j * torch.sin(j * (t + math.pi / 2)) / j for j in range(1, order + 1)]
        return _compose(x, t, derivatives)
    if name == "silu":
        return _mul(x, _unary("sigmoid", x))
    if name == "softplus":
        s = torch.sigmoid(x0)
        slope = [s] + _polynomial_derivatives(s, [0, 1, -1], order - 1)
        return _compose(
            x, torch.nn.functional.softplus(x0), [d / j for j, d in enumerate(slope, 1)]
        )
    raise _NotTaylor(name)


def _exp(x):
    y = torch.exp(x.value)
    return _compose(x, y, [y / math.factorial(j) for j in range(1, x.frame.order + 1)])


def _jet_log(x):
    if not isinstance(x, _Jet):
        return math.log(x) if not isinstance(x, torch.Tensor) else torch.log(x)
    x0 = x.value
    derivatives = [(-1) ** (j - 1) / (j * x0**j) for j in range(1, x.frame.order + 1)]
    return _compose(x, torch.log(x0), derivatives)


def _pow(x, p):
    """X ** p for a jet x and a number p (an exponent that is a jet: exp(p log x))."""
    if isinstance(p, _Jet) or isinstance(p, torch.Tensor) and p.ndim:
        return _exp(_mul(p, _jet_log(x)))
    p = float(p)
    x0, order = x.value, x.frame.order
    derivatives = []
    for j in range(1, order + 1):
        coefficient = math.prod(p - i for i in range(j)) / math.factorial(j)
        # a polynomial's derivatives past its degree are zero, not 0 * x**(p - j)
        derivatives.append(None if coefficient == 0 else coefficient * x0 ** (p - j))
    return _compose(x, x0**p, derivatives)


def _linear(func, data):
    """Func applied to the value and to each coefficient of ``data``.

    ``data`` is a jet, or a list of jets and tensors (``torch.cat``/``torch.stack``), on
    which ``func`` is linear; a plain tensor there has zero coefficients.
    """
    items = list(data) if isinstance(data, (list, tuple)) else [data]
    frame = _frame_of(*items)
    value = func([_value(t) for t in items] if isinstance(data, (list, tuple)) else data.value)
    series = []
    for k in range(frame.order):
        parts = [t.series[k] if isinstance(t, _Jet) else None for t in items]
        batch = next((p.shape[0] for p in parts if p is not None), None)
        if batch is None:
            series.append(None)
            continue
        full = [
            torch.zeros((), dtype=_value(t).dtype, device=_value(t).device).expand(
                (batch,) + tuple(_value(t).shape)
            )
            if p is None
            else _full(p, _value(t).shape)
            for t, p in zip(items, parts)
        ]
        inputs = full if isinstance(data, (list, tuple)) else full[0]
        series.append(torch.vmap(func)(inputs))
    return _wrap(value, series, frame)


def _wrap(value, series, frame):
    """Jets from a value (a tensor or a tuple of them) and its batched coefficients."""
    if isinstance(value, torch.Tensor):
        return _Jet(value, series, frame)
    return type(value)(
        _wrap(v, [None if s is None else s[i] for s in series], frame) for i, v in enumerate(value)
    )


def _bilinear(func, a, b):
    """func(a, b) for func linear in each argument (matmul, einsum of two operands)."""
    if not isinstance(b, _Jet):
        return _linear(lambda t: func(t, b), a)
    if not isinstance(a, _Jet):
        return _linear(lambda t: func(a, t), b)
    value = func(a.value, b.value)
    frame = _frame_of(a, b)
    sa = [None if s is None else _full(s, a.value.shape) for s in a.series]
    sb = [None if s is None else _full(s, b.value.shape) for s in b.series]
    left = torch.vmap(func, in_dims=(0, None))
    right = torch.vmap(func, in_dims=(None, 0))
    both = torch.vmap(func)
    series = []
    for k in range(1, frame.order + 1):
        cross = None
        for i in range(1, k):
            if sa[i - 1] is not None and sb[k - i - 1] is not None:
                cross = _plus(cross, both(frame.cut(sa[i - 1], k), frame.cut(sb[k - i - 1], k)))
        if k == frame.order:
            cross = frame.top(cross)
        terms = [
            None if sa[k - 1] is None else left(sa[k - 1], b.value),
            None if sb[k - 1] is None else right(a.value, sb[k - 1]),
        ]
        series.append(_plus(_plus(*terms), cross))
    return _Jet(value, series, frame)


# Operations on which a jet argument enters linearly: applied to every coefficient.
_LINEAR = frozenset(
    "reshape view flatten unflatten squeeze unsqueeze transpose swapaxes swapdims permute "
    "movedim moveaxis select narrow expand expand_as repeat tile flip roll sum mean "
    "contiguous clone unbind split chunk cat concat concatenate stack hstack vstack "
    "diagonal tril triu __getitem__ to float double type_as".split()
)
# Elementwise functions with their Taylor rule.
_UNARY = frozenset(
    "tanh sigmoid exp log sin cos sinh cosh atan arctan sqrt rsqrt reciprocal square neg "
    "negative relu abs silu softplus".split()
)
# Results that are piecewise constant in the jet: computed from its value alone.
_CONSTANT = frozenset(
    "gt lt ge le eq ne sign isnan isfinite isinf floor ceil round argmax argmin "
    "zeros_like ones_like empty_like full_like detach".split()
)


def _dispatch(func, args, kwargs):
    """One torch operation on jets: by the tables above, else ``_NotTaylor``."""
    name = getattr(func, "__name__", str(func))
    if name.startswith("__r") and name.endswith("__") and len(args) == 2:  # other OP jet
        name, args = name[3:-2], (args[1], args[0])
    name = {"getitem": "__getitem__"}.get(name.strip("_"), name.strip("_"))
    if name in _CONSTANT:
        return func(*_values(args), **_values(kwargs))
    if kwargs.get("inplace") is False:  # F.silu(x, inplace=False), F.relu ...
        kwargs = {k: v for k, v in kwargs.items() if k != "inplace"}
    if name == "softplus" and tuple(args[1:]) in ((), (1,), (1, 20)) and not kwargs:
        args = args[:1]  # nn.Softplus() passes its defaults beta=1, threshold=20
    if name in _UNARY and len(args) == 1 and not kwargs:
        return _unary({"negative": "neg", "arctan": "atan"}.get(name, name), args[0])
    if name in ("add", "sub", "subtract") and len(args) == 2:
        alpha = kwargs.pop("alpha", 1)
        if not kwargs:
            return _add(
                args[0], args[1] if alpha == 1 else _mul(args[1], alpha), -1 if name != "add" else 1
            )
    if name in ("mul", "multiply") and len(args) == 2 and not kwargs:
        return _mul(*args)
    if name in ("div", "divide", "true_divide", "truediv") and len(args) == 2 and not kwargs:
        return _div(*args)
    if name == "pow" and len(args) == 2 and not kwargs:
        return _pow(*args) if isinstance(args[0], _Jet) else _exp(_mul(_jet_log(args[0]), args[1]))
    if name in _BIASED and args and isinstance(args[0], _Jet):
        return _biased(func, args, kwargs)
    if name in ("matmul", "mm", "bmm", "mv", "outer", "inner", "dot") and not kwargs:
        return _bilinear(func, *args)
    if name == "einsum":
        return _einsum(args)
    if name == "where" and len(args) == 3 and not kwargs and not isinstance(args[0], _Jet):
        condition, like = args[0], next(_value(t) for t in args[1:] if isinstance(t, _Jet))
        branches = [t if isinstance(t, _Jet) else torch.as_tensor(t).to(like) for t in args[1:]]
        return _linear(lambda ts: torch.where(condition, ts[0], ts[1]), branches)
    if name in _LINEAR and args and not _has_jet(args[1:]) and not _has_jet(kwargs):
        return _linear(lambda t: func(t, *args[1:], **kwargs), args[0])
    raise _NotTaylor(name)


# Linear in their input, plus a bias (argument 3 or ``bias=``): the bias enters the value
# only. F.linear acts on the last axis, so the direction axis passes as a batch axis; a
# convolution's coefficients go through torch.vmap.
_BIASED = frozenset(
    "linear conv1d conv2d conv3d conv_transpose1d conv_transpose2d conv_transpose3d".split()
)


def _biased(func, args, kwargs):
    """func(x, weight, bias, ...) of a jet x: every coefficient without the bias."""
    x, rest, kwargs = args[0], list(args[1:]), dict(kwargs)
    if _has_jet(rest) or _has_jet(kwargs):
        raise _NotTaylor(f"{func.__name__} with weights that depend on the coordinates")
    value = func(x.value, *rest, **kwargs)
    if len(rest) >= 2:
        rest[1] = None
    else:
        kwargs["bias"] = None

    def unbiased(t):
        return func(t, *rest, **kwargs)

    each = unbiased if func.__name__ == "linear" else torch.vmap(unbiased)
    series = [None if s is None else each(_full(s, x.shape)) for s in x.series]
    return _Jet(value, series, x.frame)


def _einsum(args):
    equation, operands = args[0], list(args[1:])
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = list(operands[0])
    jets = [i for i, t in enumerate(operands) if isinstance(t, _Jet)]
    if len(jets) > 2:
        raise _NotTaylor("einsum of more than two operands that depend on the coordinates")
    if len(jets) == 1:
        (i,) = jets

        def with_one(t):
            return torch.einsum(equation, *operands[:i], t, *operands[i + 1 :])

        return _linear(with_one, operands[i])
    i, j = jets
    rest = [(n, t) for n, t in enumerate(operands) if n not in jets]

    def with_two(a, b):
        items = dict(rest)
        items[i], items[j] = a, b
        return torch.einsum(equation, *(items[n] for n in range(len(operands))))

    return _bilinear(with_two, operands[i], operands[j])


def _values(x):
    """``x`` with every jet replaced by its value (through lists, tuples and dicts)."""
    if isinstance(x, _Jet):
        return x.value
    if isinstance(x, (list, tuple)):
        return type(x)(_values(v) for v in x)
    if isinstance(x, dict):
        return {k: _values(v) for k, v in x.items()}
    return x


def _has_jet(x):
    if isinstance(x, _Jet):
        return True
    if isinstance(x, (list, tuple)):
        return any(_has_jet(v) for v in x)
    if isinstance(x, dict):
        return any(_has_jet(v) for v in x.values())
    return False


# ---- The pass of collapsed Taylor-mode Zero Coordinate Shift for PyTorch (zcs-taylor)


def _taylor(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by Taylor-mode ZCS in one model call.

    The line s -> z + s v through the zero scalars, for every direction v of
    TAYLOR_DIRECTIONS at once, is pushed through the model as a jet: its coefficient
    c_k is D^k_v u / k!. A derivative is a fixed combination of those (TAYLOR). The
    highest order is collapsed: only the combinations the equations read (a whole
    ``lap(lap(w))``, say) are propagated, not every direction's coefficient.
    """
    if not wanted:
        return dict(zip(OUTPUTS, _fields(model(*coords), field_axis)))
    terms = {name: _taylor_terms(name) for name in wanted}
    need = {}  # direction -> the highest order read along it
    for parts in terms.values():
        for k, j, _ in parts:
            need[j] = max(need.get(j, 0), k)
    used = sorted(need, key=lambda j: (-need[j], j))  # highest first: c_k's are a prefix
    order = need[used[0]]
    sizes = [sum(need[j] >= k for j in used) for k in range(1, order + 1)]
    top = used[: sizes[-1]]
    row_of = {name: _top_row(parts, order, top) for name, parts in terms.items()}
    rows = []  # the top order's combinations of directions, one per distinct weighting
    for row in row_of.values():
        if any(row) and row not in rows:
            rows.append(row)
    like = coords[0]
    mix = None
    if len(rows) < len(top):
        mix = torch.tensor(rows, dtype=like.dtype, device=like.device)
    frame = _Frame(order, mix, sizes)
    directions = torch.tensor([TAYLOR_DIRECTIONS[j] for j in used], dtype=like.dtype)
    directions = directions.to(like.device)
    if order == 1 and mix is not None:  # c_1 is the top order: collapsed from the start
        directions = mix @ directions
    jets = []
    for i, c in enumerate(coords):
        moves = any(TAYLOR_DIRECTIONS[j][i] for j in used)  # from the table: no device sync
        start = directions[:, i].reshape((-1,) + (1,) * c.ndim) if moves else None
        jets.append(_Jet(c, [start] + [None] * (order - 1), frame))
    out = model(*jets)  # _NotTaylor from an operation without a Taylor rule
    outputs = _fields(out, field_axis)  # jets; a tensor where a field ignores the coordinates
    fields = [u.value if isinstance(u, _Jet) else u for u in outputs]
    values = dict(zip(OUTPUTS, fields))
    series = {}
    for k in sorted({k for parts in terms.values() for k, _, _ in parts}):
        batch = len(rows) if k == order and mix is not None else sizes[k - 1]
        series[k] = [_coefficient(u, k, batch) for u in outputs]
    for name, parts in terms.items():
        f = OUTPUTS.index(_field_of(name))
        total = torch.zeros_like(fields[f])
        for k, j, w in parts:
            if k < order or mix is None:
                total = total + w * series[k][f][used.index(j)]
        if mix is not None and any(row_of[name]):
            total = total + series[order][f][rows.index(row_of[name])]
        values[name] = _keep(total, create_graph)
    return values


def _taylor_terms(name):
    """A derivative or combination as [(order k, direction j, weight on c_k)]."""
    members = COMBINATIONS[name][1] if name in COMBINATIONS else ((name, 1),)
    parts = {}
    for member, c in members:
        k, pairs = TAYLOR[member]
        for j, w in pairs:
            parts[(k, j)] = parts.get((k, j), 0) + c * w * math.factorial(k)
    return [(k, j, w) for (k, j), w in parts.items() if w != 0]


def _top_row(parts, order, top):
    """The weights of one derivative's order-K terms on the top directions."""
    return tuple(sum(w for k, j, w in parts if k == order and j == d) for d in top)


def _field_of(name):
    return COMBINATIONS[name][0] if name in COMBINATIONS else DERIVATIVES[name][0]


def _coefficient(u, k, batch):
    """c_k of one output, (batch, *shape); zero for a field that ignores the coordinates."""
    s = u.series[k - 1] if isinstance(u, _Jet) else None
    if s is None:
        return torch.zeros((batch,) + tuple(u.shape), dtype=u.dtype, device=u.device)
    return s.expand((batch,) + tuple(u.shape))


# ---- Taylor-mode Zero Coordinate Shift for PyTorch (method zcs-taylor), collapsed


def _derivatives(model, coords, wanted, create_graph, field_axis):
    """The fields and the derivatives `wanted`, by collapsed Taylor-mode ZCS."""
    try:
        return _taylor(model, coords, wanted, create_graph, field_axis)
    except _NotTaylor as error:
        raise TypeError(
            f"method zcs-taylor: the model calls {error}, which Taylor mode does not "
            "propagate; compile with --method zcs, or auto (which falls back to zcs)"
        ) from None


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
