"""Gradient flow: the compiled residual loss trains a real network, and its parameter
gradients equal those of the loss written with plain per-point autograd (the reference)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import pdecomp

BURGERS = "coords x, t\nfields u\nparams nu = 0.01/pi\neq burgers: dt(u) + u*dx(u) = nu*dxx(u)"


def _torch_mlp(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(2, 16),
        torch.nn.Tanh(),
        torch.nn.Linear(16, 16),
        torch.nn.Tanh(),
        torch.nn.Linear(16, 1),
    ).double()


def _reference_burgers_loss(net, x, t, nu):
    """Plain per-point autograd: coordinates are leaves, nested torch.autograd.grad."""
    x = x.clone().requires_grad_()
    t = t.clone().requires_grad_()
    u = net(torch.stack([x, t], -1))[:, 0]
    u_x, u_t = torch.autograd.grad(u.sum(), (x, t), create_graph=True)
    (u_xx,) = torch.autograd.grad(u_x.sum(), x, create_graph=True)
    return ((u_t + u * u_x - nu * u_xx) ** 2).mean()


@pytest.mark.parametrize("method", ["zcs", "zcs-fwd", "funcloop", "datavect"])
def test_torch_loss_gradients_match_per_point_autograd(method):
    pde = pdecomp.compile(pdecomp.loads(BURGERS), backend="torch", method=method)
    net = _torch_mlp()
    g = torch.Generator().manual_seed(1)
    x = torch.rand(64, generator=g, dtype=torch.float64) * 2 - 1
    t = torch.rand(64, generator=g, dtype=torch.float64)

    def model(x, t):
        return net(torch.stack(torch.broadcast_tensors(x, t), -1))[..., 0]

    loss = (pde.residual("burgers", model, x, t) ** 2).mean()
    grads = torch.autograd.grad(loss, list(net.parameters()))
    ref = _reference_burgers_loss(net, x, t, 0.01 / np.pi)
    ref_grads = torch.autograd.grad(ref, list(net.parameters()))
    assert abs(loss.item() - ref.item()) <= 1e-10 * max(1.0, ref.item())
    for a, b in zip(grads, ref_grads):
        assert torch.allclose(a, b, rtol=1e-9, atol=1e-11)


def test_torch_training_reduces_the_residual():
    pde = pdecomp.compile(pdecomp.loads(BURGERS), backend="torch")
    net = _torch_mlp(seed=3)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    x = torch.linspace(-1, 1, 50, dtype=torch.float64)
    t = torch.linspace(0, 1, 50, dtype=torch.float64)

    def model(x, t):
        return net(torch.stack([x, t], -1))[:, 0]

    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = (pde.residual("burgers", model, x, t) ** 2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_create_graph_false_gives_values_without_graph():
    pde = pdecomp.compile(pdecomp.loads(BURGERS), backend="torch")
    net = _torch_mlp()
    x = torch.linspace(-1, 1, 10, dtype=torch.float64)

    def model(x, t):
        return net(torch.stack([x, t], -1))[:, 0]

    kept = pde.residual("burgers", model, x, x.abs())
    evaluated = pde.residual("burgers", model, x, x.abs(), create_graph=False)
    assert torch.allclose(kept, evaluated, rtol=1e-12)
    u_xx_free = pde.module._derivatives(model, (x, x.abs()), ["u_xx"], False, -1)["u_xx"]
    assert not u_xx_free.requires_grad


def _jax_mlp(key, sizes=(2, 16, 16, 1)):
    params = []
    for i, (m, n) in enumerate(zip(sizes[:-1], sizes[1:])):
        k1, key = jax.random.split(jax.random.fold_in(key, i))
        params.append((jax.random.normal(k1, (m, n)) / np.sqrt(m), jnp.zeros(n)))
    return params


def _jax_apply(params, x, t):
    h = jnp.stack(jnp.broadcast_arrays(x, t), -1)
    for w, b in params[:-1]:
        h = jnp.tanh(h @ w + b)
    w, b = params[-1]
    return (h @ w + b)[..., 0]


@pytest.mark.parametrize("method", ["zcs", "zcs-fwd"])
def test_jax_loss_under_jit_and_grad_matches_per_point_reference(method):
    pde = pdecomp.compile(pdecomp.loads(BURGERS), backend="jax", method=method)
    params = _jax_mlp(jax.random.PRNGKey(0))
    x = jax.random.uniform(jax.random.PRNGKey(1), (32,), minval=-1, maxval=1)
    t = jax.random.uniform(jax.random.PRNGKey(2), (32,))
    nu = 0.01 / np.pi

    @jax.jit
    def loss(params):
        r = pde.residual("burgers", lambda x, t: _jax_apply(params, x, t), x, t)
        return jnp.mean(r**2)

    def reference(params):
        def u(xi, ti):
            return _jax_apply(params, xi, ti)

        u_x = jax.vmap(jax.grad(u, 0))(x, t)
        u_t = jax.vmap(jax.grad(u, 1))(x, t)
        u_xx = jax.vmap(jax.grad(jax.grad(u, 0), 0))(x, t)
        return jnp.mean((u_t + u(x, t) * u_x - nu * u_xx) ** 2)

    value, grads = jax.value_and_grad(loss)(params)
    ref_value, ref_grads = jax.value_and_grad(reference)(params)
    assert abs(float(value) - float(ref_value)) < 1e-10
    for a, b in zip(jax.tree_util.tree_leaves(grads), jax.tree_util.tree_leaves(ref_grads)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-9, atol=1e-11)


def test_jax_residual_under_vmap():
    pde = pdecomp.compile(pdecomp.loads(BURGERS), backend="jax")
    params = _jax_mlp(jax.random.PRNGKey(0))
    xs = jnp.linspace(-1, 1, 12).reshape(3, 4)
    ts = jnp.linspace(0, 1, 12).reshape(3, 4)

    def one(x, t):
        return pde.residual("burgers", lambda x, t: _jax_apply(params, x, t), x, t)

    batched = jax.vmap(one)(xs, ts)
    whole = one(xs.reshape(-1), ts.reshape(-1)).reshape(3, 4)
    np.testing.assert_allclose(np.asarray(batched), np.asarray(whole), rtol=1e-12, atol=1e-14)


def test_torch_and_jax_agree_on_the_same_weights():
    net = _torch_mlp(seed=5)
    params = [
        (jnp.asarray(layer.weight.detach().numpy().T), jnp.asarray(layer.bias.detach().numpy()))
        for layer in net
        if isinstance(layer, torch.nn.Linear)
    ]
    x = np.linspace(-1, 1, 20)
    t = np.linspace(0, 1, 20)
    system = pdecomp.loads(BURGERS + "\neq hi: d(u, x, 3) + lap(lap(u))")
    for method in ("zcs", "zcs-fwd", "funcloop", "datavect"):
        torch_pde = pdecomp.compile(system, backend="torch", method=method)
        jax_pde = pdecomp.compile(system, backend="jax", method=method)
        tr = torch_pde.residuals(
            lambda x, t: net(torch.stack([x, t], -1))[:, 0], torch.tensor(x), torch.tensor(t)
        )
        jr = jax_pde.residuals(
            lambda x, t: _jax_apply(params, x, t), jnp.asarray(x), jnp.asarray(t)
        )
        for name in tr:
            np.testing.assert_allclose(
                tr[name].detach().numpy(), np.asarray(jr[name]), rtol=1e-10, atol=1e-10
            )
