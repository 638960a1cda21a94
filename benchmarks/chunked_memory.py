"""Peak memory of the residual loss and its gradient, chunked vs unchunked, as N grows.

Run: ``python -m benchmarks.chunked_memory`` (about 2-4 minutes on 2 CPU cores). Writes
``benchmarks/results/chunked_memory.md`` and ``benchmarks/results/chunked_memory.png``.

The loss is ``mean(r**2)`` of the Burgers equation (``examples/burgers.pde``) for a tanh
MLP (2 -> 32 -> 32 -> 32 -> 1), float32, at N = 10^4, 10^5, 10^6 random points; chunked
with :mod:`pdecomp.chunking` at ``CHUNK`` points. Measured:

- torch, each (N, variant) in a fresh subprocess on one thread (``--worker``):
  the peak *live* bytes of the tensors autograd saves for backward (found with
  ``torch.autograd.graph.saved_tensors_hooks``; a storage counts from its first save
  until autograd frees the last node that holds it; each storage counted once), and the
  growth of the peak RSS over the RSS just before the step (``ru_maxrss``; it includes
  the allocator's own slack and any temporaries, so it is the number a user sees);
- JAX: ``memory_analysis().temp_size_in_bytes`` of ``jax.jit(jax.value_and_grad(loss))``
  compiled for that N (XLA's planned scratch memory; the arguments are not included).

The unchunked torch step is skipped at an N whose saved bytes, extrapolated linearly
from the previous N, would pass ``BUDGET_BYTES``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PDE_FILE = ROOT / "examples" / "burgers.pde"
RESULTS = ROOT / "benchmarks" / "results"
SIZES = (10_000, 100_000, 1_000_000)
CHUNK = 10_000
WIDTH, DEPTH = 32, 3
BUDGET_BYTES = 4 * 2**30  # the most an unchunked torch step may take here (4 GiB)
SEED = 0


def points(n: int):
    rng = np.random.default_rng(SEED)
    return rng.uniform(-1, 1, n).astype(np.float32), rng.uniform(0, 1, n).astype(np.float32)


# ---- torch (in a worker process) ---------------------------------------------------


class LiveSavedBytes:
    """Peak bytes of the storages autograd keeps saved for backward at any one time."""

    def __init__(self):
        self.live = self.peak = 0
        self.holders: dict[int, int] = {}  # storage address -> number of saves alive

    def pack(self, tensor):
        storage = tensor.untyped_storage()
        key = storage.data_ptr()
        if self.holders.get(key, 0) == 0:
            self.live += storage.nbytes()
            self.peak = max(self.peak, self.live)
        self.holders[key] = self.holders.get(key, 0) + 1
        return _Saved(self, key, storage.nbytes(), tensor)

    def release(self, key: int, nbytes: int) -> None:
        self.holders[key] -= 1
        if self.holders[key] == 0:
            self.live -= nbytes

    @staticmethod
    def unpack(saved):
        return saved.tensor


class _Saved:
    """What autograd holds instead of a saved tensor; freed with the node that holds it."""

    __slots__ = ("counter", "key", "nbytes", "tensor")

    def __init__(self, counter, key, nbytes, tensor):
        self.counter, self.key, self.nbytes, self.tensor = counter, key, nbytes, tensor

    def __del__(self):
        self.counter.release(self.key, self.nbytes)


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def torch_worker(n: int, variant: str) -> dict:
    """One loss-and-gradient step at N points; its saved bytes, RSS growth and time."""
    import torch

    import pdecomp
    from examples.distributed_torch import MLP
    from pdecomp.chunking import chunked_loss_backward

    torch.set_num_threads(1)
    pde = pdecomp.compile(PDE_FILE, backend="torch")
    torch.manual_seed(SEED)
    net = MLP(WIDTH, DEPTH)
    x, t = (torch.from_numpy(a) for a in points(n))

    def step():
        if variant == "chunked":
            return chunked_loss_backward(pde, "burgers", net, (x, t), CHUNK)
        loss = pde.residual("burgers", net, x, t).pow(2).mean()
        loss.backward()
        return loss

    counter = LiveSavedBytes()
    baseline = _rss_bytes()
    start = time.perf_counter()
    with torch.autograd.graph.saved_tensors_hooks(counter.pack, counter.unpack):
        loss = step()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    grad = sum(p.grad.double().pow(2).sum() for p in net.parameters()).sqrt().item()
    return {
        "saved_bytes": counter.peak,
        "rss_growth_bytes": max(0, peak - baseline),
        "seconds": seconds,
        "loss": loss.item(),
        "grad_norm": grad,
    }


def run_torch_worker(n: int, variant: str) -> dict:
    command = [sys.executable, "-m", "benchmarks.chunked_memory", "--worker", str(n), variant]
    out = subprocess.run(command, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_torch() -> dict:
    results = {}
    for variant in ("unchunked", "chunked"):
        previous = None
        for n in SIZES:
            if variant == "unchunked" and previous is not None:
                predicted = previous["saved_bytes"] * n / previous["n"]
                if predicted > BUDGET_BYTES:
                    results[(variant, n)] = {"skipped": predicted}
                    print(f"torch {variant:9s} N={n:>9,d}  skipped (~{_mb(predicted)})")
                    continue
            r = run_torch_worker(n, variant)
            results[(variant, n)] = r
            previous = {**r, "n": n}
            print(
                f"torch {variant:9s} N={n:>9,d}  saved {_mb(r['saved_bytes'])}  "
                f"RSS +{_mb(r['rss_growth_bytes'])}  {r['seconds']:.1f} s",
                flush=True,
            )
    return results


# ---- JAX (compile only) ------------------------------------------------------------


def measure_jax() -> dict:
    """XLA's planned temporary bytes for the jitted loss-and-gradient, per N and variant."""
    os.environ.setdefault("JAX_PLATFORMS", "cpu")
    import jax
    import jax.numpy as jnp

    import pdecomp
    from examples.distributed_jax import init_mlp, mlp
    from pdecomp.chunking import chunked_loss

    pde = pdecomp.compile(PDE_FILE, backend="jax")
    params = init_mlp(jax.random.PRNGKey(SEED), WIDTH, DEPTH)

    def unchunked(params, x, t):
        return jnp.mean(pde.residual("burgers", lambda x, t: mlp(params, x, t), x, t) ** 2)

    def chunked(params, x, t):
        return chunked_loss(pde, "burgers", lambda x, t: mlp(params, x, t), (x, t), CHUNK)

    results = {}
    for variant, loss in (("unchunked", unchunked), ("chunked", chunked)):
        for n in SIZES:
            shape = jax.ShapeDtypeStruct((n,), jnp.float32)
            compiled = jax.jit(jax.value_and_grad(loss)).lower(params, shape, shape).compile()
            temp = compiled.memory_analysis().temp_size_in_bytes
            results[(variant, n)] = {"temp_bytes": temp}
            print(f"jax   {variant:9s} N={n:>9,d}  temp {_mb(temp)}", flush=True)
    return results


# ---- report ------------------------------------------------------------------------


def _mb(nbytes: float) -> str:
    return f"{nbytes / 2**20:,.1f} MiB"


def _cell(result: dict, key: str) -> str:
    if "skipped" in result:
        return f"skipped (~{result['skipped'] / 2**30:.1f} GiB predicted)"
    return _mb(result[key])


def table(torch_results: dict, jax_results: dict) -> str:
    head = (
        "| N | torch saved, unchunked | torch saved, chunked | torch RSS growth, unchunked "
        "| torch RSS growth, chunked | JAX temp, unchunked | JAX temp, chunked |\n"
        "|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for n in SIZES:
        u, c = torch_results[("unchunked", n)], torch_results[("chunked", n)]
        ju, jc = jax_results[("unchunked", n)], jax_results[("chunked", n)]
        cells = [
            f"{n:,d}",
            _cell(u, "saved_bytes"),
            _cell(c, "saved_bytes"),
            _cell(u, "rss_growth_bytes"),
            _cell(c, "rss_growth_bytes"),
            _mb(ju["temp_bytes"]),
            _mb(jc["temp_bytes"]),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return head + "\n".join(rows) + "\n"


def write_report(torch_results: dict, jax_results: dict, seconds: float) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    timing = "\n".join(
        f"- torch {variant} N={n:,d}: {r['seconds']:.1f} s, loss {r['loss']:.6g}, "
        f"|grad| {r['grad_norm']:.6g}"
        for (variant, n), r in torch_results.items()
        if "skipped" not in r
    )
    text = f"""# Chunked vs unchunked residual loss: peak memory

Produced by `python -m benchmarks.chunked_memory` ({seconds:.0f} s here). Burgers residual
(`examples/burgers.pde`), tanh MLP 2-{WIDTH}x{DEPTH}-1, float32, one loss-and-gradient
step at N random points; chunked with `pdecomp.chunking` at {CHUNK:,d} points per chunk.
CPU, one thread per process; torch {_version("torch")}, jax {_version("jax")}.

- torch saved: peak live bytes of the tensors autograd saved for backward
  (`saved_tensors_hooks`), each storage counted once;
- torch RSS growth: peak RSS minus the RSS just before the step, fresh process per cell;
- JAX temp: `memory_analysis().temp_size_in_bytes` of the compiled
  `jax.jit(jax.value_and_grad(loss))` (the arguments, O(N) coordinates, not included).

{table(torch_results, jax_results)}
Unchunked memory grows linearly with N; chunked memory stays at the size of one chunk
(the O(N) coordinates themselves aside). A skipped cell would have passed the
{BUDGET_BYTES / 2**30:.0f} GiB budget of this benchmark, extrapolated linearly from the
previous N. The chunked and unchunked steps give the same loss and gradient (see
`tests/test_distributed.py`); the wall times below are from a shared 2-core machine and
only indicative:

{timing}

![memory vs N](chunked_memory.png)
"""
    (RESULTS / "chunked_memory.md").write_text(text, encoding="utf-8")


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def plot(torch_results: dict, jax_results: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    series = [
        ("torch saved", torch_results, "saved_bytes", "tab:blue"),
        ("torch RSS growth", torch_results, "rss_growth_bytes", "tab:green"),
        ("JAX temp", jax_results, "temp_bytes", "tab:red"),
    ]
    for label, results, key, color in series:
        for variant, style in (("unchunked", "-o"), ("chunked", "--s")):
            ns = [n for n in SIZES if key in results[(variant, n)]]
            values = [results[(variant, n)][key] / 2**20 for n in ns]
            ax.plot(ns, values, style, color=color, label=f"{label}, {variant}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("points N")
    ax.set_ylabel("MiB")
    ax.set_title(f"Burgers loss + gradient, chunks of {CHUNK:,d} points")
    ax.legend(fontsize=7)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(RESULTS / "chunked_memory.png", dpi=120)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worker", nargs=2, metavar=("N", "VARIANT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(torch_worker(int(args.worker[0]), args.worker[1])))
        return
    start = time.perf_counter()
    torch_results = measure_torch()
    jax_results = measure_jax()
    write_report(torch_results, jax_results, time.perf_counter() - start)
    plot(torch_results, jax_results)
    print(f"wrote {RESULTS / 'chunked_memory.md'} and chunked_memory.png")


if __name__ == "__main__":
    main()
