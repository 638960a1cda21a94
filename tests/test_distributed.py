"""The compiled residual, unchanged, under torch DDP and JAX sharding, and chunked losses.

Each distributed run is compared with an independent single-process run on all points,
written here without the examples' sharding and scaling helpers: plain
``mean(r_burgers**2) + mean(r_ic**2)``. Float64 throughout.

- torch: ``examples/distributed_torch.py``'s ``one_step`` in 2 spawned processes (gloo,
  an odd number of initial points, so the two shards differ in size); the all-reduced
  gradients on both ranks, plain and chunked (``pdecomp.chunking`` under ``no_sync``), and
  the parameters after an SGD step, equal the single run's.
- JAX: ``examples/distributed_jax.py --check`` in a subprocess (so that ``XLA_FLAGS``
  makes 2 host devices before jax is imported); the loss and gradients of the sharded,
  jitted run equal a single-device run in this process.
- chunking: ``pdecomp.chunking`` gives the unchunked loss and gradients, both backends,
  with a last chunk shorter than the others and a per-point input.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import pdecomp
from examples import distributed_torch as dt
from pdecomp.chunking import chunked_loss, chunked_loss_backward

ROOT = Path(__file__).resolve().parents[1]
BURGERS = ROOT / "examples" / "burgers.pde"
TOL = 1e-6  # the required bound; the measured differences are ~1e-16


# ---- torch DistributedDataParallel ---------------------------------------------------


def single_process_step(args, before):
    """Gradients and SGD-updated parameters of the plain full-batch loss, one process."""
    pde = pdecomp.compile(BURGERS, backend="torch")
    net = dt.MLP(args.width).to(torch.float64)
    net.load_state_dict(before)
    points = dt.make_points(args.points, args.points // 4, seed=args.seed)
    loss = sum(pde.residual(name, net, *xs).pow(2).mean() for name, xs in points.items())
    loss.backward()
    grads = {k: p.grad.detach().clone() for k, p in net.named_parameters()}
    torch.optim.SGD(net.parameters(), lr=args.lr).step()
    return loss.detach(), grads, dict(net.named_parameters())


def max_diff(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max((a[k] - b[k]).abs().max().item() for k in a)


def test_ddp_gradients_equal_single_process(tmp_path):
    # 510 interior and 127 initial points: shards of 255/255 and 64/63 points.
    args = dt.parse_args(["--dtype", "float64", "--points", "510", "--width", "16"])
    dt.spawn(dt.one_step, args, str(tmp_path), world=2)
    ranks = [torch.load(tmp_path / f"rank{r}.pt") for r in range(2)]
    loss, grads, after = single_process_step(args, ranks[0]["before"])

    assert max_diff(ranks[0]["before"], ranks[1]["before"]) == 0.0
    for rank in ranks:
        assert max_diff(rank["grads"], grads) < TOL
        assert max_diff(rank["chunked_grads"], grads) < TOL  # chunks of 16, one all-reduce
        assert max_diff(rank["after"], {k: p.detach() for k, p in after.items()}) < TOL
    # each rank's loss is its share: they add up to twice the global loss (DDP averages)
    assert abs((ranks[0]["loss"] + ranks[1]["loss"]) / 2 - loss).item() < TOL
    # a real check: the gradients are not trivially small
    assert max(g.abs().max().item() for g in grads.values()) > 1e-2


# ---- JAX sharding --------------------------------------------------------------------


def mlp(params, x, t):
    h = jnp.stack([x, t], axis=-1)
    for w, b in params[:-1]:
        h = jnp.tanh(h @ w + b)
    w, b = params[-1]
    return (h @ w + b)[..., 0]


def test_jax_sharded_loss_and_gradients_equal_single_device(tmp_path):
    out = tmp_path / "check.npz"
    command = [sys.executable, "examples/distributed_jax.py", "--check", str(out)]
    command += ["--points", "512", "--width", "16"]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=120)
    saved = np.load(out)
    assert int(saved["point_devices"]) == 2  # the points really were split over 2 devices
    assert bool(saved["grad_replicated"])  # and the gradient comes back replicated

    layers = sorted({k.split("_")[0] for k in saved.files if k.startswith("param")})
    params = [(saved[f"{p}_w"], saved[f"{p}_b"]) for p in layers]
    points = {
        name: (saved[f"points_{name}_0"], saved[f"points_{name}_1"]) for name in ("burgers", "ic")
    }
    pde = pdecomp.compile(BURGERS, backend="jax")

    def loss(params):
        def model(x, t):
            return mlp(params, x, t)

        return sum(jnp.mean(pde.residual(n, model, *xs) ** 2) for n, xs in points.items())

    value, grads = jax.jit(jax.value_and_grad(loss))(params)  # one device: no mesh
    assert jax.devices()[0].platform == "cpu" and value.dtype == jnp.float64
    assert abs(float(value) - float(saved["loss"])) < TOL
    for i, (gw, gb) in enumerate(grads):
        assert np.max(np.abs(np.asarray(gw) - saved[f"grad{i}_w"])) < TOL
        assert np.max(np.abs(np.asarray(gb) - saved[f"grad{i}_b"])) < TOL
    assert max(np.max(np.abs(np.asarray(g))) for g in jax.tree.leaves(grads)) > 1e-2


# ---- chunked losses ------------------------------------------------------------------

FORCED = "coords x, t\nfields u\nparams nu = 0.05\ninputs f\neq e: dt(u) + u*dx(u) - nu*dxx(u) = f"
# 301 points: 43 chunks of 7; 3 chunks of 97 and a last one of 10; a single chunk
CHUNKS = (7, 97, 1000)


def forced_points(n=301):
    rng = np.random.default_rng(1)
    return rng.uniform(-1, 1, n), rng.uniform(0, 1, n), rng.normal(size=n)


@pytest.mark.parametrize("chunk", CHUNKS)
def test_torch_chunked_gradients_equal_unchunked(chunk):
    pde = pdecomp.compile(pdecomp.loads(FORCED), backend="torch")
    x, t, f = (torch.tensor(a, dtype=torch.float64) for a in forced_points())
    torch.manual_seed(0)
    net = dt.MLP(16, depth=2).to(torch.float64)
    nu = torch.tensor(0.05, dtype=torch.float64, requires_grad=True)  # a learned param

    full = pde.residual("e", net, x, t, f=f, nu=nu).pow(2).mean()
    full.mul(2.0).backward()
    reference = [p.grad.clone() for p in itertools.chain(net.parameters(), [nu])]
    for p in itertools.chain(net.parameters(), [nu]):
        p.grad = None

    value = chunked_loss_backward(
        pde, "e", net, (x, t), chunk, point_inputs={"f": f}, weight=2.0, nu=nu
    )
    assert abs(value - full).item() < 1e-12
    for g, p in zip(reference, itertools.chain(net.parameters(), [nu]), strict=True):
        assert (p.grad - g).abs().max().item() < 1e-12
    evaluated = chunked_loss(pde, "e", net, (x, t), chunk, point_inputs={"f": f}, nu=nu)
    assert not evaluated.requires_grad and abs(evaluated - full).item() < 1e-12


class TinyDeepONet(torch.nn.Module):
    """u[m, n] = branch(m) . trunk(x_n, t_n): output (M, N), pointwise in the points."""

    def __init__(self, functions=5, width=8):
        super().__init__()
        self.branch = torch.nn.Parameter(torch.randn(functions, width, dtype=torch.float64))
        self.trunk = dt.MLP(width, depth=1).to(torch.float64)
        self.trunk.layers[-1] = torch.nn.Linear(width, width).to(torch.float64)

    def forward(self, x, t):
        h = torch.stack([x, t], dim=-1)
        for layer in self.trunk.layers[:-1]:
            h = torch.tanh(layer(h))
        return self.branch @ torch.tanh(self.trunk.layers[-1](h)).T


def test_torch_chunked_deeponet_layout_slices_inputs_on_the_points_axis():
    pde = pdecomp.compile(pdecomp.loads(FORCED), backend="torch")
    x, t, _ = (torch.tensor(a, dtype=torch.float64) for a in forced_points(50))
    torch.manual_seed(0)
    net = TinyDeepONet()
    f = torch.randn(5, 50, dtype=torch.float64)  # one forcing per function: (M, N)
    pde.residual("e", net, x, t, f=f).pow(2).mean().backward()
    reference = [p.grad.clone() for p in net.parameters()]
    net.zero_grad(set_to_none=True)
    chunked_loss_backward(pde, "e", net, (x, t), 16, point_inputs={"f": f})
    for g, p in zip(reference, net.parameters(), strict=True):
        assert (p.grad - g).abs().max().item() < 1e-12


def test_jax_chunked_gradients_equal_unchunked(chunk=97):  # lax.map and a short tail
    pde = pdecomp.compile(pdecomp.loads(FORCED), backend="jax")
    x, t, f = (jnp.asarray(a) for a in forced_points())
    sizes = [2, 16, 1]
    keys = jax.random.split(jax.random.PRNGKey(0), len(sizes) - 1)
    params = [
        (jax.random.normal(k, (a, b)) / np.sqrt(a), 0.1 * jnp.ones(b))
        for k, a, b in zip(keys, sizes[:-1], sizes[1:], strict=True)
    ]

    def full(params, nu):
        r = pde.residual("e", lambda x, t: mlp(params, x, t), x, t, f=f, nu=nu)
        return jnp.mean(r**2)

    def chunked(params, nu):
        model = lambda x, t: mlp(params, x, t)  # noqa: E731 - closes over traced params
        return chunked_loss(pde, "e", model, (x, t), chunk, point_inputs={"f": f}, nu=nu)

    v1, g1 = jax.jit(jax.value_and_grad(full, argnums=(0, 1)))(params, 0.05)
    v2, g2 = jax.jit(jax.value_and_grad(chunked, argnums=(0, 1)))(params, 0.05)
    assert abs(float(v1) - float(v2)) < 1e-12
    for a, b in zip(jax.tree.leaves(g1), jax.tree.leaves(g2), strict=True):
        assert np.max(np.abs(np.asarray(a) - np.asarray(b))) < 1e-12


def test_chunked_loss_rejects_bad_chunks_and_backends():
    pde = pdecomp.compile(BURGERS, backend="jax")
    x = jnp.zeros(4)
    with pytest.raises(ValueError, match="chunk must be a positive int"):
        chunked_loss(pde, "ic", lambda x, t: x, (x, x), 0)
    with pytest.raises(TypeError, match="backend='torch'"):
        chunked_loss_backward(pde, "ic", lambda x, t: x, (x, x), 2)
    with pytest.raises(ValueError, match="points axis 0"):
        chunked_loss(pde, "ic", lambda x, t: x, (x, jnp.zeros(3)), 2)
