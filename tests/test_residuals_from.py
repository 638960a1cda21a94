"""``residuals_from``: residuals of fields the caller already evaluated, on both backends,
equal to the ordinary ``residuals`` (which call the model themselves)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import pdecomp

SYSTEM = """
pde coupled
coords x, t
fields u, v
params nu = 0.1
eq one: dt(u) + u*dx(u) = nu*dxx(u) + v*x
eq two: dx(dx(dx(v))) + dt(dx(v)) = u*t
"""


def _torch_net():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(2, 16, dtype=torch.float64),
        torch.nn.Tanh(),
        torch.nn.Linear(16, 2, dtype=torch.float64),
    )


def _points(n=11):
    g = torch.Generator().manual_seed(3)
    return torch.rand(n, generator=g, dtype=torch.float64), torch.rand(
        n, generator=g, dtype=torch.float64
    )


@pytest.fixture(scope="module")
def torch_pde():
    return pdecomp.compile(pdecomp.loads(SYSTEM), backend="torch")


def test_torch_zeros_equal_residuals(torch_pde):
    net = _torch_net()
    x, t = _points()
    expected = torch_pde.residuals(lambda x, t: net(torch.stack([x, t], -1)), x, t)
    zs = [torch.zeros((), dtype=torch.float64, requires_grad=True) for _ in range(2)]
    fields = net(torch.stack([x + zs[0], t + zs[1]], -1))
    got = torch_pde.module.residuals_from(fields, (x, t), zeros=zs)
    for name in ("one", "two"):
        torch.testing.assert_close(got[name], expected[name], rtol=1e-12, atol=1e-13)


def test_torch_leaf_keeps_column_shapes_and_trains_the_same(torch_pde):
    net = _torch_net()
    x, t = _points()
    expected = torch_pde.residuals(lambda x, t: net(torch.stack([x, t], -1)), x, t)
    loss0 = sum(r.pow(2).mean() for r in expected.values())
    grads0 = torch.autograd.grad(loss0, list(net.parameters()))
    leaf = torch.stack([x, t], -1).requires_grad_()
    y = net(leaf)  # (N, 2)
    got = torch_pde.module.residuals_from(y, (leaf[:, 0], leaf[:, 1]), leaf=leaf)
    for name in ("one", "two"):
        assert got[name].shape == (11,)
        torch.testing.assert_close(got[name], expected[name], rtol=1e-12, atol=1e-13)
    loss = sum(r.pow(2).mean() for r in got.values())
    for a, b in zip(torch.autograd.grad(loss, list(net.parameters())), grads0):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-13)


def test_torch_leaf_of_an_n_by_1_network_gives_n_by_1_residuals():
    pde = pdecomp.compile(pdecomp.loads("coords x, t\nfields u\neq e: dt(u) + u*dx(u) = dxx(u)\n"))
    torch.manual_seed(1)
    net = torch.nn.Sequential(
        torch.nn.Linear(2, 8, dtype=torch.float64),
        torch.nn.Tanh(),
        torch.nn.Linear(8, 1, dtype=torch.float64),
    )
    x, t = _points()
    leaf = torch.stack([x, t], -1).requires_grad_()
    squeezed = pde.module.residuals_from(net(leaf), leaf=leaf)["e"]  # the shape rule: (N,)
    got = pde.module.residuals_from(net(leaf), leaf=leaf, field_axis=None)["e"]
    assert squeezed.shape == (11,) and got.shape == (11, 1)
    expected = pde.residual("e", lambda x, t: net(torch.stack([x, t], -1))[:, 0], x, t)
    torch.testing.assert_close(got[:, 0], expected, rtol=1e-12, atol=1e-13)
    torch.testing.assert_close(squeezed, expected, rtol=1e-12, atol=1e-13)


def test_torch_cache_shares_the_chain_between_calls(torch_pde):
    net = _torch_net()
    x, t = _points()
    leaf = torch.stack([x, t], -1).requires_grad_()
    y = net(leaf)
    cache = {}
    first = torch_pde.module.residuals_from(y, (x, t), leaf=leaf, names=["two"], cache=cache)
    passes = len(cache["leaf_grads"])
    again = torch_pde.module.residuals_from(y, (x, t), leaf=leaf, names=["two"], cache=cache)
    assert len(cache["leaf_grads"]) == passes  # no new backward pass
    assert again["two"] is not None and torch.equal(again["two"], first["two"])
    both = torch_pde.module.residuals_from(y, (x, t), leaf=leaf, cache=cache)
    fresh = torch_pde.module.residuals_from(y, (x, t), leaf=leaf)
    for name in ("one", "two"):
        torch.testing.assert_close(both[name], fresh[name], rtol=0, atol=0)


def test_torch_bad_calls(torch_pde):
    x, t = _points()
    leaf = torch.stack([x, t], -1).requires_grad_()
    y = _torch_net()(leaf)
    with pytest.raises(TypeError, match="exactly one of zeros= or leaf="):
        torch_pde.module.residuals_from(y, (x, t))
    with pytest.raises(TypeError, match="reads the coordinate 'x': pass coords"):
        torch_pde.module.residuals_from(y, leaf=leaf)
    with pytest.raises(ValueError, match="last axis must hold the 2 coordinates"):
        torch_pde.module.residuals_from(y, (x, t), leaf=leaf[:, :1])
    with pytest.raises(ValueError, match="unknown equation 'three'"):
        torch_pde.module.residuals_from(y, (x, t), leaf=leaf, names=["three"])


@pytest.mark.parametrize("method", ["zcs", "zcs-fwd", "zcs-taylor"])
def test_jax_zeros_and_leaf_equal_residuals(method):
    pde = pdecomp.compile(pdecomp.loads(SYSTEM), backend="jax", method=method)
    key1, key2 = jax.random.split(jax.random.PRNGKey(0))
    w1, w2 = jax.random.normal(key1, (2, 16)), jax.random.normal(key2, (16, 2)) / 4

    def net(points):
        return jnp.tanh(points @ w1) @ w2

    x, t = (jnp.asarray(c.numpy()) for c in _points())
    expected = pde.residuals(lambda x, t: net(jnp.stack([x, t], -1)), x, t)
    by_zeros = pde.module.residuals_from(
        lambda z: net(jnp.stack([x + z[0], t + z[1]], -1)),
        (x, t),
        zeros=(jnp.zeros(()), jnp.zeros(())),
    )
    leaf = jnp.stack([x, t], -1)
    by_leaf = jax.jit(
        lambda leaf: pde.module.residuals_from(net, (leaf[:, 0], leaf[:, 1]), leaf=leaf)
    )(leaf)
    for name in ("one", "two"):
        np.testing.assert_allclose(by_zeros[name], expected[name], rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(by_leaf[name], expected[name], rtol=1e-12, atol=1e-13)
    with pytest.raises(TypeError, match="fields must be a function"):
        pde.module.residuals_from(net(leaf), (x, t), leaf=leaf)
