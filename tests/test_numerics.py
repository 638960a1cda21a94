"""Numerical robustness on both backends and all point methods: float32 and float64 both
work (and agree), NaN and inf in the inputs propagate to their own points instead of
raising or spreading, and residuals do not depend on how the points are chunked."""

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
time t
fields u, v
params nu = 0.05
inputs f
eq burgers: dt(u) + u*dx(u) + v*dx(v) = nu*dxx(u) + f
eq wave: v_xt = sin(pi*x)*u
"""
METHODS = ("zcs", "zcs-fwd", "funcloop", "datavect")
RNG = np.random.default_rng(7)
WEIGHTS = [
    (RNG.normal(0, 1, (2, 16)), RNG.normal(0, 0.5, 16)),
    (RNG.normal(0, 0.25, (16, 16)), RNG.normal(0, 0.5, 16)),
    (RNG.normal(0, 0.25, (16, 2)), RNG.normal(0, 0.5, 2)),
]


class Torch:
    name = "torch"

    @staticmethod
    def evaluator(pde, model):
        return lambda x, t, f: pde.residuals(model, x, t, f=f)

    @staticmethod
    def array(values, dtype=np.float64):
        return torch.as_tensor(np.asarray(values, dtype=dtype))

    @staticmethod
    def numpy(value):
        return value.detach().numpy()

    @staticmethod
    def model(dtype):
        weights = [(Torch.array(w, dtype), Torch.array(b, dtype)) for w, b in WEIGHTS]

        def model(x, t):
            h = torch.stack([x, t], -1)
            for i, (w, b) in enumerate(weights):
                h = h @ w + b
                h = torch.tanh(h) if i < len(weights) - 1 else h
            return h[..., 0], h[..., 1]

        return model


class Jax:
    name = "jax"

    @staticmethod
    def evaluator(pde, model):
        """Under jax.jit: the module is pure, and compiled is much faster than eager here."""
        return jax.jit(lambda x, t, f: pde.residuals(model, x, t, f=f))

    @staticmethod
    def array(values, dtype=np.float64):
        return jnp.asarray(np.asarray(values, dtype=dtype))

    @staticmethod
    def numpy(value):
        return np.asarray(value)

    @staticmethod
    def model(dtype):
        weights = [(Jax.array(w, dtype), Jax.array(b, dtype)) for w, b in WEIGHTS]

        def model(x, t):
            h = jnp.stack([x, t], -1)
            for i, (w, b) in enumerate(weights):
                h = h @ w + b
                h = jnp.tanh(h) if i < len(weights) - 1 else h
            return h[..., 0], h[..., 1]

        return model


@pytest.fixture(params=[(fw, m) for fw in (Torch, Jax) for m in METHODS], ids=str)
def case(request):
    fw, method = request.param
    return fw, pdecomp.compile(pdecomp.loads(TEXT), backend=fw.name, method=method)


def _points(n, dtype=np.float64):
    rng = np.random.default_rng(n)
    return rng.uniform(0, 1, n).astype(dtype), rng.uniform(0, 1, n).astype(dtype)


def _evaluator(fw, pde, dtype=np.float64):
    """(x, t, f) numpy -> residuals numpy; for JAX one jitted function (one trace per shape)."""
    evaluate = fw.evaluator(pde, fw.model(dtype))

    def residuals(x, t, f):
        out = evaluate(*(fw.array(v, dtype) for v in (x, t, f)))
        return {name: fw.numpy(value) for name, value in out.items()}

    return residuals


def _residuals(fw, pde, x, t, f, dtype=np.float64):
    return _evaluator(fw, pde, dtype)(x, t, f)


def test_float32_and_float64(case):
    fw, pde = case
    if pde.method not in ("zcs", "zcs-fwd"):
        pytest.skip("the baselines share the ZCS methods' arithmetic; dtype is checked there")
    x, t = _points(32)
    f = np.cos(x)
    single = _residuals(fw, pde, x, t, f, np.float32)
    double = _residuals(fw, pde, x, t, f, np.float64)
    for name in double:
        assert single[name].dtype == np.float32 and double[name].dtype == np.float64, name
        scale = np.max(np.abs(double[name]))
        np.testing.assert_allclose(single[name], double[name], atol=2e-4 * scale, err_msg=name)


def test_nan_and_inf_stay_at_their_points(case):
    fw, pde = case
    x, t = _points(8)
    f = np.cos(x)
    x[2], f[5], t[6] = np.nan, np.inf, np.inf
    got = _residuals(fw, pde, x, t, f)
    clean = [0, 1, 3, 4, 7]
    for name, values in got.items():
        assert np.isnan(values[2]), name  # a NaN coordinate: NaN residual there
        assert np.all(np.isfinite(values[clean])), name  # and nowhere else
    assert np.isinf(got["burgers"][5])  # an infinite input gives an infinite residual
    assert np.all(np.isfinite(got["wave"][[5]]))  # ... only where the input is read
    # An infinite coordinate saturates the tanh network: the residual there is the limit
    # or NaN (0 * inf in some engines); either way nothing is raised and no other point
    # changes.


def test_results_do_not_depend_on_chunking(case):
    fw, pde = case
    x, t = _points(30)
    f = np.sin(3 * x)
    residuals = _evaluator(fw, pde)
    whole = residuals(x, t, f)
    chunks = [residuals(x[s], t[s], f[s]) for s in (slice(0, 10), slice(10, 20), slice(20, 30))]
    for name in whole:
        joined = np.concatenate([c[name] for c in chunks])
        np.testing.assert_allclose(joined, whole[name], rtol=1e-12, atol=1e-12, err_msg=name)


def test_float32_gradients_flow_torch():
    """Training in float32: the loss's gradient reaches every weight, finite."""
    pde = pdecomp.compile(pdecomp.loads(TEXT), backend="torch")
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 2))
    x, t = (torch.as_tensor(v) for v in _points(16, np.float32))

    def model(x, t):
        out = net(torch.stack([x, t], -1))
        return out[..., 0], out[..., 1]

    residuals = pde.residuals(model, x, t, f=torch.zeros(16))
    sum(r.pow(2).mean() for r in residuals.values()).backward()
    for p in net.parameters():
        assert p.grad is not None and p.grad.dtype == torch.float32
        assert torch.isfinite(p.grad).all()
