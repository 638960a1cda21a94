"""Taylor-mode propagation for PyTorch: truncated Taylor series through a model.

Input: tensors as jets (a value and its Taylor coefficients along R directions at once).
Output: whatever the model returns, with jets where it depends on them. A jet is an
ordinary Python object with ``__torch_function__`` (the protocol torch offers to
tensor-like types): ``torch.tanh``, ``F.linear``, ``torch.einsum``, ``torch.stack``,
indexing, arithmetic ... on it return jets. Elementwise functions follow Faa di Bruno's
formula; products the Cauchy product; shape and reduction operations, being linear,
act on each coefficient (by ``torch.vmap`` over the direction axis, so their semantics
are torch's own). An operation outside the table raises ``_NotTaylor`` naming it.

The top order may be *collapsed* (Dangel et al., "Collapsing Taylor mode automatic
differentiation"): when only fixed combinations ``mix @ c_K`` of the directions' top
coefficients are needed, those are propagated instead of the R coefficients; the top
coefficient of every operation is linear in its input's top coefficient.
"""

from __future__ import annotations

import math

import torch

# ---- generated modules copy everything below this line ----


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
