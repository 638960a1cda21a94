"""Train a Burgers PINN with the compiled torch residual under DistributedDataParallel.

One command, 2 processes on this CPU with the ``gloo`` backend::

    python examples/distributed_torch.py                  # torch.multiprocessing.spawn
    torchrun --nproc_per_node=2 examples/distributed_torch.py   # the same, by torchrun

The residual is ``pdecomp.compile("examples/burgers.pde", backend="torch")``, unchanged:
the DDP-wrapped network is the ``model`` it calls. Every rank draws the same global point
set (same seed) and keeps its own share of it (``points[rank::world]``); DDP averages the
gradients over the ranks, so each rank's loss is its squared residuals summed and scaled
by ``world / N`` (N the global number of points): the average over ranks is then exactly
the mean-square loss over all N points, for any split. ``--backend nccl`` puts each rank
on ``cuda:LOCAL_RANK`` (the multi-GPU route, see docs/scaling.md; not tested here).
``--chunk K`` evaluates each rank's loss K points at a time (``pdecomp.chunking``), with
one all-reduce per step.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import tempfile
import warnings
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel

import pdecomp
from pdecomp.chunking import chunked_loss_backward

PDE_FILE = Path(__file__).with_name("burgers.pde")


class MLP(torch.nn.Module):
    """u(x, t): a tanh multilayer perceptron, pointwise in the points."""

    def __init__(self, width: int = 32, depth: int = 3):
        super().__init__()
        sizes = [2] + [width] * depth + [1]
        self.layers = torch.nn.ModuleList(
            torch.nn.Linear(a, b) for a, b in itertools.pairwise(sizes)
        )

    def forward(self, x, t):
        h = torch.stack([x, t], dim=-1)
        for layer in self.layers[:-1]:
            h = torch.tanh(layer(h))
        return self.layers[-1](h)[..., 0]


def make_points(n_interior: int, n_initial: int, seed: int = 0, dtype=torch.float64):
    """The global point set: interior (x, t) in [-1, 1] x [0, 1] and initial (x, 0)."""
    g = torch.Generator().manual_seed(seed)
    x = 2 * torch.rand(n_interior, generator=g, dtype=dtype) - 1
    t = torch.rand(n_interior, generator=g, dtype=dtype)
    x0 = 2 * torch.rand(n_initial, generator=g, dtype=dtype) - 1
    return {"burgers": (x, t), "ic": (x0, torch.zeros_like(x0))}


def shard(points: dict, rank: int, world: int) -> dict:
    """This rank's share of every point set: every ``world``-th point from ``rank``."""
    return {name: tuple(c[rank::world] for c in xs) for name, xs in points.items()}


def loss_on(pde, model, local: dict, totals: dict, world: int = 1):
    """Sum of the equations' losses on this rank's points, scaled so that the average
    over ``world`` ranks is the mean-square loss over all points (``totals``: N per
    equation)."""
    loss = 0.0
    for name, coords in local.items():
        r = pde.residual(name, model, *coords)
        loss = loss + r.pow(2).sum() * (world / totals[name])
    return loss


def chunked_backward(pde, ddp, local: dict, totals: dict, world: int, chunk: int):
    """``loss_on(...).backward()`` chunk by chunk (pdecomp.chunking), with one all-reduce:
    every chunk but the very last runs under ``ddp.no_sync()``. Returns the loss value."""
    total, names = 0.0, list(local)
    for name in names:
        coords = local[name]
        weight = world * coords[0].numel() / totals[name]  # local mean -> share of the mean
        last = name == names[-1]
        with contextlib.nullcontext() if last else ddp.no_sync():
            total += weight * chunked_loss_backward(
                pde, name, ddp, coords, chunk, weight=weight, no_sync=ddp.no_sync
            )
    return total


def init_process_group(rank: int, world: int, init_file: str | None, backend: str) -> None:
    """Join the process group: through a shared file (spawn) or torchrun's environment."""
    if init_file is None:
        dist.init_process_group(backend)  # torchrun: RANK, WORLD_SIZE, MASTER_ADDR/PORT
    else:
        dist.init_process_group(
            backend, init_method=f"file://{init_file}", rank=rank, world_size=world
        )


def device_for(backend: str) -> torch.device:
    if backend == "nccl":
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", dist.get_rank())))
    return torch.device("cpu")


def build(args, rank: int, world: int):
    """The compiled residual, this rank's points and the DDP-wrapped network."""
    device = device_for(args.backend)
    dtype = getattr(torch, args.dtype)
    pde = pdecomp.compile(PDE_FILE, backend="torch")
    points = make_points(args.points, args.points // 4, seed=args.seed, dtype=dtype)
    totals = {name: xs[0].numel() for name, xs in points.items()}
    local = {k: tuple(c.to(device) for c in xs) for k, xs in shard(points, rank, world).items()}
    # Gradients made under no_sync() (--chunk) can differ from DDP's buckets in the stride
    # of a size-1 axis (the last layer's (1, width) weight): harmless, says the warning.
    warnings.filterwarnings("ignore", message="Grad strides do not match bucket view")
    torch.manual_seed(args.seed)  # DDP broadcasts rank 0's parameters anyway
    net = MLP(args.width).to(device=device, dtype=dtype)
    ddp = DistributedDataParallel(net, device_ids=[device.index] if device.type == "cuda" else None)
    return pde, local, totals, ddp


def train(rank: int, world: int, args, init_file: str | None = None) -> None:
    """One rank's training loop (Adam); rank 0 reports the global loss."""
    torch.set_num_threads(1)
    init_process_group(rank, world, init_file, args.backend)
    try:
        pde, local, totals, ddp = build(args, rank, world)
        optimizer = torch.optim.Adam(ddp.parameters(), lr=args.lr)
        for step in range(args.steps + 1):
            optimizer.zero_grad()
            if args.chunk:
                loss = chunked_backward(pde, ddp, local, totals, world, args.chunk)
            else:
                loss = loss_on(pde, ddp, local, totals, world)
                loss.backward()  # DDP all-reduces (averages) the gradients here
            optimizer.step()
            if step % args.every == 0 or step == args.steps:
                total = loss.detach().clone()
                dist.all_reduce(total)  # the sum over ranks / world = the global loss
                if rank == 0:
                    print(f"step {step:5d}  loss {total.item() / world:.4e}", flush=True)
        if rank == 0 and args.save:
            torch.save(ddp.module.state_dict(), args.save)
    finally:
        dist.destroy_process_group()


def one_step(rank: int, world: int, args, init_file: str, out_dir: str) -> None:
    """One DDP step, for tests/test_distributed.py. Each rank saves to
    ``out_dir/rank{rank}.pt``: its loss share and all-reduced gradients, the gradients
    again by :func:`chunked_backward` (chunks of ``args.chunk or 16`` points), and its
    parameters before and after an SGD step of ``args.lr``."""
    torch.set_num_threads(1)
    init_process_group(rank, world, init_file, args.backend)
    try:
        pde, local, totals, ddp = build(args, rank, world)
        params = dict(ddp.module.named_parameters())
        before = {k: v.detach().clone() for k, v in params.items()}
        loss = loss_on(pde, ddp, local, totals, world)
        loss.backward()
        grads = {k: v.grad.detach().clone() for k, v in params.items()}
        ddp.zero_grad(set_to_none=True)
        chunked_backward(pde, ddp, local, totals, world, args.chunk or 16)
        chunked = {k: v.grad.detach().clone() for k, v in params.items()}
        torch.optim.SGD(ddp.parameters(), lr=args.lr).step()
        after = {k: v.detach().clone() for k, v in params.items()}
        result = {"loss": loss.detach(), "grads": grads, "chunked_grads": chunked}
        torch.save({**result, "before": before, "after": after}, Path(out_dir) / f"rank{rank}.pt")
    finally:
        dist.destroy_process_group()


def spawn(function, args, *extra, world: int = 2) -> None:
    """Run ``function(rank, world, args, init_file, *extra)`` in ``world`` processes."""
    with tempfile.TemporaryDirectory() as tmp:
        init_file = str(Path(tmp) / "rendezvous")
        mp.spawn(function, args=(world, args, init_file, *extra), nprocs=world, join=True)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--points", type=int, default=2048, help="global interior points")
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--every", type=int, default=50, help="report every this many steps")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    p.add_argument("--backend", choices=("gloo", "nccl"), default="gloo")
    p.add_argument("--world", type=int, default=2, help="processes to spawn (not torchrun)")
    p.add_argument("--chunk", type=int, default=0, help="chunked loss (pdecomp.chunking)")
    p.add_argument("--save", default="", help="write the trained state_dict here (rank 0)")
    return p.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    if "RANK" in os.environ:  # launched by torchrun: this process is one rank
        train(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), args)
    else:
        spawn(train, args, world=args.world)


if __name__ == "__main__":
    main()
