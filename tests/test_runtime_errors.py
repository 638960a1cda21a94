"""Calling a compiled residual badly (docs/language.md): each mistake is a TypeError or ValueError
whose message names the problem, on both backends, raised before any derivative is taken.
A field that does not depend on a coordinate is not a mistake: its derivatives there are
zeros of its shape, for every method."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import pdecomp

jax.config.update("jax_enable_x64", True)

TEXT = """
coords x, t
fields u, v
params nu = 0.1
inputs f
eq a: dt(u) = nu*dxx(u) + f
eq b: v = u_x
"""
N = 5


class Torch:
    name = "torch"
    sin, cos, exp, stack = torch.sin, torch.cos, torch.exp, torch.stack

    @staticmethod
    def array(values, dtype=np.float64):
        return torch.as_tensor(np.asarray(values, dtype=dtype))

    @staticmethod
    def numpy(value):
        return value.detach().numpy()


class Jax:
    name = "jax"
    sin, cos, exp, stack = jnp.sin, jnp.cos, jnp.exp, jnp.stack

    @staticmethod
    def array(values, dtype=np.float64):
        return jnp.asarray(np.asarray(values, dtype=dtype))

    @staticmethod
    def numpy(value):
        return np.asarray(value)


@pytest.fixture(params=[Torch, Jax], ids=["torch", "jax"])
def fw(request):
    return request.param


@pytest.fixture
def call(fw):
    """call(model=..., coords=..., **keywords) with good defaults for everything."""
    pde = pdecomp.compile(pdecomp.loads(TEXT), backend=fw.name)
    x = fw.array(np.linspace(0.1, 0.9, N))
    t = fw.array(np.linspace(0.2, 0.6, N))

    def good(x, t):
        return fw.sin(x + t), fw.cos(x * t)

    def run(model=good, coords=(x, t), name=None, **keywords):
        keywords.setdefault("f", fw.array(np.ones(N)))
        keywords = {k: v for k, v in keywords.items() if v is not None}
        if name is not None:
            return pde.residual(name, model, *coords, **keywords)
        return pde.residuals(model, *coords, **keywords)

    run.x, run.t = x, t
    return run


def test_a_good_call_works(call):
    residuals = call()
    assert set(residuals) == {"a", "b"} and residuals["a"].shape == (N,)


@pytest.mark.parametrize(
    ("keywords", "error", "message"),
    [
        ({"f": None}, TypeError, "equation 'a' needs the input 'f' \\(a keyword\\)"),
        ({"mu": 1.0}, TypeError, "unknown keyword argument 'mu'; params: nu; inputs: f"),
        ({"u": 1.0}, TypeError, "unknown keyword argument 'u'"),
        ({"f": "data"}, TypeError, "'f' must be a number or a"),
    ],
)
def test_keywords(call, keywords, error, message):
    with pytest.raises(error, match=message):
        call(**keywords)


def test_missing_input_only_for_equations_that_read_it(call):
    assert call(name="b", f=None).shape == (N,)  # b reads no input
    with pytest.raises(TypeError, match="needs the input 'f'"):
        call(name="a", f=None)


def test_unknown_equation(call):
    with pytest.raises(ValueError, match="unknown equation 'c'; equations: a, b"):
        call(name="c")


@pytest.mark.parametrize("count", [0, 1, 3])
def test_wrong_number_of_coordinates(call, count):
    coords = [call.x] * count
    with pytest.raises(TypeError, match=f"expected 2 coordinate \\w+ \\(x, t\\), got {count}"):
        call(coords=coords)


def test_coordinate_that_is_not_an_array(call):
    with pytest.raises(TypeError, match="coordinate 'x' must be a"):
        call(coords=([0.1, 0.2], call.t))


def test_integer_coordinates(call, fw):
    with pytest.raises(TypeError, match="coordinate 'x' must be floating point"):
        call(coords=(fw.array(np.arange(N), dtype=np.int64), call.t))


OUTPUTS = {
    "a float": (lambda x, t: 1.0, TypeError, "must return a .*got float"),
    "None": (lambda x, t: None, TypeError, "must return a .*got NoneType"),
    "a string": (lambda x, t: "u", TypeError, "must return a .*got str"),
    "a numpy array": (lambda x, t: np.zeros(N), TypeError, "must return a .*got ndarray"),
    "three fields": (lambda x, t: (x, t, x), ValueError, "returned 3 outputs; expected 2"),
    "one field in a tuple": (lambda x, t: (x,), ValueError, "returned 1 outputs; expected 2"),
    "a list of three": (lambda x, t: [x, t, x], ValueError, "returned 3 outputs; expected 2"),
    "dict with a wrong key": (
        lambda x, t: {"u": x, "w": t},
        ValueError,
        r"dict with keys \['u', 'w'\]; expected the fields \['u', 'v'\]",
    ),
    "dict with a missing key": (lambda x, t: {"u": x}, ValueError, r"dict with keys \['u'\]"),
    "dict with an extra key": (
        lambda x, t: {"u": x, "v": t, "p": x},
        ValueError,
        "dict with keys",
    ),
    "a field that is a float": (lambda x, t: (x, 1.0), TypeError, "field 'v' from the model is"),
    "mismatched shapes": (
        lambda x, t: (x, t[:3]),
        ValueError,
        r"fields of mismatched shapes: u \(5,\), v \(3,\)",
    ),
    "one array with 3 on the field axis": (
        lambda x, t: x[:, None] + t[:, None] * np.ones(3),
        ValueError,
        "expected size 2 on field_axis=-1",
    ),
    "a scalar array": (lambda x, t: x.sum(), ValueError, "one .* of shape \\(\\)"),
}


@pytest.mark.parametrize("name", list(OUTPUTS))
def test_model_output_of_the_wrong_kind_or_shape(call, fw, name):
    model, error, message = OUTPUTS[name]
    if name == "one array with 3 on the field axis":
        model = lambda x, t: fw.stack([x, t, x], -1)  # noqa: E731
    with pytest.raises(error, match=message):
        call(model=model)


def test_one_array_with_the_fields_on_an_axis_is_accepted(call, fw):
    def stacked(x, t):
        return fw.stack([fw.sin(x + t), fw.cos(x * t)], 0)

    expected = call()
    got = call(model=stacked, field_axis=0)
    for name in expected:
        np.testing.assert_allclose(fw.numpy(got[name]), fw.numpy(expected[name]), rtol=1e-12)


def test_dtype_mismatch_between_coordinates(call, fw):
    x32 = fw.array(np.linspace(0.1, 0.9, N), dtype=np.float32)
    with pytest.raises(TypeError, match="coordinate 't' is .*float64.* but 'x' is .*float32"):
        call(coords=(x32, call.t))


@pytest.mark.parametrize("keyword", ["f", "nu"])
def test_dtype_mismatch_of_keywords(call, fw, keyword):
    value = fw.array(np.ones(N) if keyword == "f" else 0.5, dtype=np.float32)
    with pytest.raises(TypeError, match=f"'{keyword}' is .*float32, the coordinates are .*float64"):
        call(**{keyword: value})


def test_device_mismatch(call, fw):
    if fw.name == "jax":
        if len({d.platform for d in jax.devices()}) < 2:
            pytest.skip("one JAX platform only: arrays cannot be on different devices")
    meta = torch.empty(N, dtype=torch.float64, device="meta")  # a second device on any machine
    with pytest.raises(TypeError, match="coordinate 't' is torch.float64 on meta, but 'x'"):
        call(coords=(call.x, meta))
    with pytest.raises(TypeError, match="'f' is on meta, the coordinates on cpu"):
        call(f=meta)
    if torch.cuda.is_available():  # pragma: no cover - CPU machines skip this branch
        with pytest.raises(TypeError, match="on cuda"):
            call(coords=(call.x, call.t.cuda()))


# ---- zero derivatives -----------------------------------------------------------------

ZEROS = """
coords x, t
fields u, v, w
eq ut: u_t = 0
eq utt: d(u, t, 2) = 0
eq uxt: u_xt = 0
eq ux: u_x = 0
eq vx: v_x = 0
eq vxx: v_xx = 0
eq vt: v_t = 0
eq wx: w_x = 0
eq wxt: w_xt = 0
"""
METHODS = ("zcs", "zcs-fwd", "funcloop", "datavect")


@pytest.mark.parametrize("method", METHODS)
def test_a_field_independent_of_a_coordinate_has_zero_derivatives(fw, method):
    """u ignores t, v ignores x, w ignores both: those derivatives are zeros, not errors."""
    pde = pdecomp.compile(pdecomp.loads(ZEROS), backend=fw.name, method=method)
    x = fw.array(np.linspace(0.1, 0.9, N))
    t = fw.array(np.linspace(0.2, 0.6, N))

    def model(x, t):
        return fw.sin(x), fw.exp(t), fw.array(np.full(N, 2.0))

    got = {k: fw.numpy(v) for k, v in pde.residuals(model, x, t).items()}
    for name in ("ut", "utt", "uxt", "vx", "vxx", "wx", "wxt"):
        assert got[name].shape == (N,), name
        np.testing.assert_array_equal(got[name], np.zeros(N), err_msg=name)
    np.testing.assert_allclose(got["ux"], np.cos(fw.numpy(x)), rtol=1e-13)
    np.testing.assert_allclose(got["vt"], np.exp(fw.numpy(t)), rtol=1e-13)


@pytest.mark.parametrize("method", ["zcs", "zcs-fwd"])
def test_zero_derivatives_keep_the_output_shape(fw, method):
    """DeepONet layout: output (M, N) from N trunk points; u_t is zeros of shape (M, N)."""
    pde = pdecomp.compile(pdecomp.loads(ZEROS), backend=fw.name, method=method)
    x = fw.array(np.linspace(0.1, 0.9, N))
    t = fw.array(np.linspace(0.2, 0.6, N))
    rows = fw.array(np.arange(1.0, 4.0)[:, None])

    def model(x, t):
        return rows * fw.sin(x), rows * fw.exp(t), rows * 0 + x * 0 + 2

    got = pde.residuals(model, x, t)
    for name in ("ut", "utt", "uxt", "vx", "vxx", "wx", "wxt"):
        assert tuple(got[name].shape) == (3, N), name
        np.testing.assert_array_equal(fw.numpy(got[name]), 0.0)
    expected = np.arange(1.0, 4.0)[:, None] * np.cos(fw.numpy(x))
    np.testing.assert_allclose(fw.numpy(got["ux"]), expected, rtol=1e-13)
