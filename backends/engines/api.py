"""The public functions of every generated module, and the helpers all engines share.

Framework-independent: ``residuals``/``residual`` (keyword handling, then one call of
the method's ``_derivatives``), the normaliser of the model's output ``_fields``, and the
chain walkers ``_links``/``_by_suffix``. They read the per-system tables (``COORDS``,
``FIELDS``, ``FUNCTIONS``, ``OUTPUTS``, ``PARAMS``, ``INPUTS``, ``CHAIN``, ``DERIVATIVES``,
``COMBINATIONS``, ``EQUATIONS``, ``GROUPS``) and the framework runtime's ``ARRAY``,
``_check_coords``, ``_to_value``, ``_is_array``, ``_unstack`` and ``_broadcast``; the
engine supplies ``_derivatives``.

`functions` (known functions of the coordinates) reach the engines as extra outputs: the
model is wrapped (module ``functions``, spliced when a system has them) so that it
returns its fields, then each function's value at the very coordinates the model was
given (``OUTPUTS = FIELDS + FUNCTIONS``). Every engine differentiates them as it does the
fields, sharing the derivative chain.
"""

from __future__ import annotations

# Placeholders: a generated module defines these in its per-system part and runtime.
COORDS: tuple = ()
FIELDS: tuple = ()
FUNCTIONS: tuple = ()
OUTPUTS: tuple = ()
PARAMS: dict = {}
INPUTS: tuple = ()
CHAIN: dict = {}
DERIVATIVES: dict = {}
COMBINATIONS: dict = {}
EQUATIONS: dict = {}
GROUPS: dict = {}
ARRAY = ARRAYS = "array"
_check_coords = _to_value = _is_array = _unstack = _derivatives = None
_differentiate = _fill = _squeeze = None
_functions = _with_functions = None


# ---- generated modules copy everything below this line ----
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
