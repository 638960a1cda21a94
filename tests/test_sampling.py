"""The generated module of a system with a domain: sample, loss and periodic residuals.

Both backends. Periodic residuals are compared with SymPy's own calculus of a
manufactured solution (every exact derivative method); sampled points are checked
against the box and faces exactly, bit for bit.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import sympy
import torch
from conftest import Framework, manufactured_model, sympy_residual

import pdecomp

SYSTEM = """
coords x, y
fields u
params c = 0.5
domain x in [0, 2*pi], y in [-1, 2]
eq inside: lap(u) = c*u
eq low: u = 0 on y = -1
eq sides: u_y = 0 on x = 0, x = 2*pi, y = 2
eq px: periodic(u, x)
eq pxx: periodic(u_x + x*u_xx, x)
eq py: periodic(y*u_xy - c*u, y)
"""
BOUNDS = {"x": (0.0, 2 * math.pi), "y": (-1.0, 2.0)}
X, Y = sympy.symbols("x y", real=True)
FORMULA = sympy.sin(X + sympy.Rational(3, 10)) * sympy.exp(Y / 2) + X * Y**2


@functools.cache
def compiled(backend, method="zcs"):
    return pdecomp.compile(pdecomp.loads(SYSTEM, "s.pde"), backend=backend, method=method)


def dtypes(backend):
    if backend == "torch":
        return {"float32": torch.float32, "float64": torch.float64}
    return {"float32": jnp.float32, "float64": jnp.float64}


def as_numpy(points):
    return [
        np.asarray(p.detach().cpu().numpy() if isinstance(p, torch.Tensor) else p) for p in points
    ]


# ---- sample -------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["uniform", "sobol"])
@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_points_satisfy_their_constraints_exactly(backend, method, precision):
    pde = compiled(backend)
    dtype = dtypes(backend)[precision]
    np_dtype = np.dtype(precision)
    lo = {c: np_dtype.type(b[0]) for c, b in BOUNDS.items()}  # the bounds in dtype
    hi = {c: np_dtype.type(b[1]) for c, b in BOUNDS.items()}
    n = 200
    for name in pde.equations:
        points = pde.sample(name, n, seed=7, method=method, dtype=dtype)
        assert len(points) == 2
        for p in points:
            assert tuple(p.shape) == (n,) and str(p.dtype).endswith(precision)
        x, y = as_numpy(points)
        for c, v in (("x", x), ("y", y)):
            assert np.all((v >= lo[c]) & (v <= hi[c])), (name, c)
        if name == "inside":
            # the box: both coordinates spread over their intervals
            assert np.ptp(x) > 0.9 * (hi["x"] - lo["x"]) and np.ptp(y) > 0.9 * (hi["y"] - lo["y"])
        elif name == "low":
            assert np.all(y == lo["y"]) and np.ptp(x) > 0.9 * (hi["x"] - lo["x"])
        elif name == "sides":
            # faces x = 0 and x = 2*pi (measure 3 each), y = 2 (measure 2*pi): n split
            # in proportion, face after face; each face's coordinate is its bound, bitwise
            # 200 * 3 / (6 + 2 pi) = 48.85 twice and 102.31: floors 48, 48, 102, and
            # the two odd points go to the largest remainders
            counts = [49, 49, 102]
            a, b = counts[0], counts[0] + counts[1]
            assert np.all(x[:a] == lo["x"]) and np.all(x[a:b] == hi["x"])
            assert np.all(y[b:] == hi["y"])
            for part in (y[:a], y[a:b], x[b:]):
                assert np.ptp(part) > 0.5
        elif name in ("px", "pxx"):  # the lower face of x
            assert np.all(x == lo["x"]) and np.ptp(y) > 0.9 * (hi["y"] - lo["y"])
        elif name == "py":
            assert np.all(y == lo["y"]) and np.ptp(x) > 0.9 * (hi["x"] - lo["x"])


def test_faces_hold_the_bound_to_the_bit(backend):
    """2*pi rounded once to the dtype: the same bits the residual puts on that face."""
    pde = compiled(backend)
    for precision, dtype in dtypes(backend).items():
        x, _ = as_numpy(pde.sample("sides", 50, seed=1, dtype=dtype))
        # 50 points: 12 on x = 0, 12 on x = 2*pi, 26 on y = 2
        upper = np.float64(2 * math.pi).astype(precision)
        assert x[12:24].tobytes() == np.full(12, upper).tobytes()
        assert x[:12].tobytes() == np.zeros(12, precision).tobytes()
        assert np.all(x[24:] != upper) and np.all(x[24:] != 0)


@pytest.mark.parametrize("method", ["uniform", "sobol"])
def test_reproducible_from_the_seed(backend, method):
    pde = compiled(backend)
    dtype = dtypes(backend)["float64"]
    for name in ("inside", "sides"):
        a = as_numpy(pde.sample(name, 64, seed=3, method=method, dtype=dtype))
        b = as_numpy(pde.sample(name, 64, seed=3, method=method, dtype=dtype))
        c = as_numpy(pde.sample(name, 64, seed=4, method=method, dtype=dtype))
        assert all(np.array_equal(p, q) for p, q in zip(a, b))
        assert not all(np.array_equal(p, q) for p, q in zip(a, c))


def test_sobol_is_more_even_than_uniform(backend):
    """Quasi-random points fill the box more evenly: fewer empty cells of an 8x8 grid."""
    pde = compiled(backend)
    dtype = dtypes(backend)["float64"]

    def empty_cells(method):
        x, y = as_numpy(pde.sample("inside", 64, seed=0, method=method, dtype=dtype))
        i = np.minimum((x / (2 * math.pi) * 8).astype(int), 7)
        j = np.minimum(((y + 1) / 3 * 8).astype(int), 7)
        return 64 - len(set(zip(i, j)))

    assert empty_cells("sobol") < empty_cells("uniform")


def test_dtype_and_device_are_honoured(backend):
    pde = compiled(backend)
    if backend == "torch":
        x, y = pde.sample("inside", 5, dtype=torch.float32, device="meta")
        assert x.device.type == "meta" and y.dtype == torch.float32
        assert pde.sample("inside", 5)[0].dtype == torch.get_default_dtype()
        with pytest.raises(ValueError, match="floating-point"):
            pde.sample("inside", 5, dtype=torch.int64)
    else:
        device = jax.devices("cpu")[0]
        x, y = pde.sample("inside", 5, dtype=jnp.float32, device=device)
        assert x.dtype == jnp.float32 and x.devices() == {device}
        assert pde.sample("inside", 5)[0].dtype == jnp.zeros(()).dtype
        with pytest.raises(ValueError, match="floating-point"):
            pde.sample("inside", 5, dtype=jnp.int32)


def test_bad_calls(backend):
    pde = compiled(backend)
    with pytest.raises(ValueError, match="unknown equation 'nope'; equations: inside, low, sides"):
        pde.sample("nope", 5)
    for n in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="n must be a positive integer"):
            pde.sample("inside", n)
    with pytest.raises(ValueError, match="unknown sampling method 'halton'"):
        pde.sample("inside", 5, method="halton")
    with pytest.raises(ValueError, match="seed must be an integer"):
        pde.sample("inside", 5, seed=-1)


def test_no_domain_no_sampling(backend):
    pde = pdecomp.compile(pdecomp.loads("coords x\nfields u\neq e: u_x\n"), backend=backend)
    assert not hasattr(pde.module, "sample") and not hasattr(pde.module, "DOMAIN")
    with pytest.raises(ValueError, match="has no domain"):
        pde.sample("e", 5)
    with pytest.raises(ValueError, match="has no domain"):
        pde.loss(lambda x: x, {"e": ()})


# ---- periodic residuals -------------------------------------------------------------
def test_periodic_equals_the_sympy_difference(backend_method):
    """periodic(...) at sampled points == SymPy's difference of the two faces, every method."""
    backend, method = backend_method
    fw = Framework(backend)
    pde = compiled(backend, method)
    system = pde.system
    model = manufactured_model(fw, system.coord_symbols, [FORMULA])
    points = pde.sample("px", 9, seed=2, dtype=dtypes(backend)["float64"])
    # the periodic coordinate's value is ignored: move x off the face, the result stays
    x, y = fw.array(np.linspace(0.1, 0.9, 9)), points[1]
    got = pde.residuals(model, x, y)
    xs, ys = fw.numpy(x), fw.numpy(y)
    for name in ("px", "pxx", "py"):
        want = sympy_residual(system, name, [FORMULA], [xs, ys])
        np.testing.assert_allclose(fw.numpy(got[name]), want, rtol=1e-12, atol=1e-12)
    # one equation alone, and the non-periodic ones beside them at the points given
    np.testing.assert_allclose(
        fw.numpy(pde.residual("pxx", model, x, y)), fw.numpy(got["pxx"]), rtol=0, atol=0
    )
    want = sympy_residual(system, "inside", [FORMULA], [xs, ys])
    np.testing.assert_allclose(fw.numpy(got["inside"]), want, rtol=1e-12, atol=1e-12)


def test_periodic_reads_both_faces_exactly(backend):
    """The model sees the periodic coordinate only at its two bounds, in the points' dtype."""
    seen = []

    def model(x, y):
        seen.append(np.asarray(x.detach().numpy() if backend == "torch" else x))
        return x * 0 + y

    pde = compiled(backend, "funcloop")  # plain leaves: the model sees the values themselves
    points = pde.sample("px", 4, seed=0, dtype=dtypes(backend)["float32"])
    r = pde.residual("px", model, *points)
    assert {float(v) for s in seen for v in s.ravel()} == {0.0, float(np.float32(2 * math.pi))}
    np.testing.assert_array_equal(as_numpy([r])[0], np.zeros(4, np.float32))


# ---- loss ---------------------------------------------------------------------------
def test_loss_is_the_weighted_sum_of_mean_squares(backend):
    fw = Framework(backend)
    pde = compiled(backend)
    model = manufactured_model(fw, pde.system.coord_symbols, [FORMULA])
    dtype = dtypes(backend)["float64"]
    points = {
        name: pde.sample(name, 20 + i, seed=i, dtype=dtype) for i, name in enumerate(pde.equations)
    }
    weights = {"low": 10.0, "px": 0.5}
    got = as_numpy([pde.loss(model, points, weights, c=0.25)])[0]
    reference = _with_c(pde.system, sympy.Rational(1, 4))  # the param as passed to loss
    want = 0.0
    for name, coords in points.items():
        r = sympy_residual(reference, name, [FORMULA], as_numpy(coords))
        want += weights.get(name, 1.0) * float(np.mean(r**2))
    assert got == pytest.approx(want, rel=1e-12)
    (alone,) = as_numpy([pde.loss(model, {"low": points["low"]})])
    low = fw.numpy(pde.residual("low", model, *points["low"]))
    assert alone == pytest.approx(float(np.mean(low**2)), rel=1e-14)


def _with_c(system, value):
    from dataclasses import replace

    params = tuple(replace(p, default=value) for p in system.params)
    return replace(system, params=params)


def test_loss_is_differentiable(backend):
    """Its gradient in a model parameter equals the gradient of the hand-written sum."""
    pde = compiled(backend)
    if backend == "torch":
        a = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)

        def model(x, y):
            return torch.sin(a * x) * torch.exp(y / 2)

        points = {
            n: pde.sample(n, 16, seed=1, dtype=torch.float64) for n in ("inside", "px", "sides")
        }
        weights = {"px": 3.0}
        (g,) = torch.autograd.grad(pde.loss(model, points, weights), [a])
        hand = sum(
            weights.get(n, 1.0) * pde.residual(n, model, *p).pow(2).mean()
            for n, p in points.items()
        )
        (h,) = torch.autograd.grad(hand, [a])
        assert float(g) == pytest.approx(float(h), rel=1e-12) and float(g) != 0
    else:
        points = {
            n: pde.sample(n, 16, seed=1, dtype=jnp.float64) for n in ("inside", "px", "sides")
        }
        weights = {"px": 3.0}

        def loss(a):
            return pde.loss(lambda x, y: jnp.sin(a * x) * jnp.exp(y / 2), points, weights)

        def hand(a):
            model = lambda x, y: jnp.sin(a * x) * jnp.exp(y / 2)  # noqa: E731
            return sum(
                weights.get(n, 1.0) * jnp.mean(pde.residual(n, model, *p) ** 2)
                for n, p in points.items()
            )

        g, h = jax.grad(loss)(0.7), jax.grad(hand)(0.7)
        assert float(g) == pytest.approx(float(h), rel=1e-12) and float(g) != 0
        assert float(jax.jit(loss)(0.7)) == pytest.approx(float(loss(0.7)), rel=1e-12)


def test_loss_bad_calls(backend):
    pde = compiled(backend)
    points = {"low": pde.sample("low", 4)}

    def model(x, y):
        return x * y

    with pytest.raises(ValueError, match="unknown equation 'lo' in points; equations: inside"):
        pde.loss(model, {"lo": points["low"]})
    with pytest.raises(ValueError, match="unknown equation 'b' in weights"):
        pde.loss(model, points, {"b": 1.0})
    with pytest.raises(TypeError, match="non-empty dict"):
        pde.loss(model, {})
    with pytest.raises(TypeError, match=r"points\['low'\] must be a tuple of coordinates"):
        pde.loss(model, {"low": points["low"][0]})


def test_pdecomp_verify_checks_periodic_equations(backend):
    """Per-point autograd and finite differences at both faces agree with the module."""
    from pdecomp.verify import verify

    report = verify(pdecomp.loads(SYSTEM, "s.pde"), backend, "zcs", points=5)
    assert report.ok, report.table()
    assert {row.equation for row in report.rows} >= {"px", "pxx", "py"}


def test_vector_equations_sample_and_sum_their_components(backend):
    text = (
        "coords x, y\nfields u, v\ndomain x in [0, 1], y in [0, 1]\nvector w = (u, v)\n"
        "eq mom: lap(w) = w\neq wall: w = (0, 0) on y = 0\n"
    )
    fw = Framework(backend)
    pde = pdecomp.compile(pdecomp.loads(text), backend=backend)
    dtype = dtypes(backend)["float64"]
    points = pde.sample("wall", 6, seed=1, dtype=dtype)  # the components' face
    assert np.all(as_numpy(points)[1] == 0)
    formulas = [sympy.sin(X + Y), X * Y**2]
    model = manufactured_model(fw, pde.system.coord_symbols, formulas)
    got = as_numpy([pde.loss(model, {"wall": points}, {"wall": 2.0})])[0]
    want = sum(
        2.0 * np.mean(sympy_residual(pde.system, c, formulas, as_numpy(points)) ** 2)
        for c in ("wall_x", "wall_y")
    )
    assert got == pytest.approx(want, rel=1e-12)
