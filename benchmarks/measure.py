"""Measure benchmark cases in this process: ``python -m benchmarks.measure [--paired] JSON``.

Input: a JSON list of cases (the fields of :class:`benchmarks.cases.Case` plus
``device``, ``warmup``, ``repeats``, ``budget_s``). Output: one JSON line per case on
stdout with

- ``cpu_ms`` and ``time_ms``: median CPU time (of this process) and wall time of one
  training step (residuals -> loss -> gradients w.r.t. the network's parameters) after
  ``warmup`` steps; torch: ``loss.backward()``, JAX: ``jax.jit(jax.value_and_grad(loss))``
  compiled ahead of time;
- ``graph_bytes`` (torch): bytes of the tensors autograd saved during one step, found
  with ``torch.autograd.graph.saved_tensors_hooks`` and counted once per storage;
- ``temp_bytes`` (JAX): the compiled step's ``memory_analysis().temp_size_in_bytes``;
- ``peak_rss_bytes`` and ``rss_growth_bytes`` (peak minus the RSS before the first step);
  ``cuda_peak_bytes`` (torch on a GPU: ``torch.cuda.max_memory_allocated``);
- ``codegen_s`` (pdecomp.compile), ``trace_s`` and ``compile_s`` (JAX lowering and XLA
  compilation), ``first_step_s``.

``--paired``: the cases (same problem, backend and sizes; several methods) are built in
this one process and their steps timed interleaved, round after round, reversing the
order each round; one JSON line per case with ``paired_cpu_ms`` and ``paired_ms``
(medians over rounds). On a shared machine the load drifts between subprocesses;
interleaving cancels the drift out of the ratios.

On a CPU both frameworks run on one thread (the machine is shared), float32. Only the
framework the case needs is imported, so RSS is comparable within a backend.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time

import numpy as np

from benchmarks import models
from benchmarks.cases import problems

SEED = 0


def main(argv: list[str]) -> None:
    if argv[1] == "--paired":
        for line in paired(json.loads(argv[2])):
            print(json.dumps(line), flush=True)
        return
    for case in json.loads(argv[1]):
        try:
            result = measure(case)
        except Exception as error:  # reported in the tables, not fatal for the suite
            result = {"status": f"error: {type(error).__name__}: {error}"[:300]}
        print(json.dumps({**case, **result}), flush=True)


def measure(case: dict) -> dict:
    """All metrics of one case (see the module docstring)."""
    built = build_step(case)
    if isinstance(built, dict):
        return built  # unavailable
    step, info, after = built
    baseline = _rss_bytes()
    info.update(_time_steps(step, case))
    info["peak_rss_bytes"] = _peak_rss_bytes()
    info["rss_growth_bytes"] = max(0, info["peak_rss_bytes"] - baseline)
    info.update(after(step))
    return {"status": "ok", **info}


def paired(cases: list[dict]) -> list[dict]:
    """Interleaved step times of several methods on one problem (module docstring)."""
    steps, lines = [], []
    for case in cases:
        try:
            built = build_step(case)
        except Exception as error:  # reported in the tables, not fatal for the group
            built = {"status": f"error: {type(error).__name__}: {error}"[:300]}
        if isinstance(built, dict):
            lines.append({**case, **built})
            continue
        step, info, _ = built
        for _ in range(case["warmup"]):
            step()
        steps.append((case, step, [], []))
    begin, rounds = time.perf_counter(), cases[0]["repeats"]
    for r in range(rounds):
        for _, step, times, cpu in steps if r % 2 == 0 else reversed(steps):
            wall, clock = _timed(step)
            times.append(wall)
            cpu.append(clock)
        if r >= 2 and time.perf_counter() - begin > cases[0]["budget_s"]:
            break
    for case, _, times, cpu in steps:
        lines.append(
            {
                **case,
                "status": "ok",
                "paired_ms": 1e3 * statistics.median(times),
                "paired_cpu_ms": 1e3 * statistics.median(cpu),
                "rounds": len(times),
            }
        )
    return lines


def build_step(case: dict):
    """``(step, info, after)`` for a case, or a status dict when it cannot run here.

    ``after(step)`` returns the metrics taken once the timing is done (graph memory).
    """
    problem = problems()[case["problem"]]
    data = make_data(problem, case["M"], case["N"])
    if case["backend"] == "torch":
        return _torch_step(case, problem, data)
    return _jax_step(case, problem, data)


def make_data(problem, m: int, n: int) -> dict:
    """Deterministic coordinates ``(N,)``, sensor values ``(M, S)``, inputs at the points."""
    rng = np.random.default_rng(SEED)
    shape = (m, n) if problem.network == "deeponet" else (n,)
    return {
        "coords": [rng.uniform(0.0, 1.0, n).astype(np.float32) for _ in range(problem.n_coords)],
        "sensors": models.branch_inputs(m),
        "inputs": {k: rng.standard_normal(shape).astype(np.float32) for k in problem.inputs},
    }


def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _time_steps(step, case: dict) -> dict:
    """Warm up, then time steps until ``repeats`` (or the budget, after two steps).

    Slow baselines: a first step slower than the budget is the whole warm-up, and one
    timed step longer than three budgets is enough.
    """
    start = time.perf_counter()
    step()
    first = time.perf_counter() - start
    for _ in range(case["warmup"] - 1 if first < case["budget_s"] else 0):
        step()
    times, cpu, begin = [], [], time.perf_counter()
    while len(times) < case["repeats"]:
        wall, clock = _timed(step)
        times.append(wall)
        cpu.append(clock)
        spent = time.perf_counter() - begin
        if spent > case["budget_s"] and (len(times) >= 2 or spent > 3 * case["budget_s"]):
            break
    return {
        "time_ms": 1e3 * statistics.median(times),
        "time_min_ms": 1e3 * min(times),
        "cpu_ms": 1e3 * statistics.median(cpu),
        "steps": len(times),
        "first_step_s": first,
    }


def _timed(step) -> tuple[float, float]:
    """Wall and CPU seconds (this process, all threads) of one step.

    On a shared CPU the wall time includes waiting for a core; the CPU time does not,
    and with one compute thread it is the step's time on an idle core.
    """
    wall, clock = time.perf_counter(), time.process_time()
    step()
    return time.perf_counter() - wall, time.process_time() - clock


def _codegen(problem, backend: str, method: str):
    import pdecomp

    start = time.perf_counter()
    pde = pdecomp.compile(pdecomp.loads(problem.text), backend=backend, method=method)
    return pde, time.perf_counter() - start


# ---- PyTorch ----------------------------------------------------------------------


def _torch_step(case: dict, problem, data: dict):
    if case["method"] == "deepxde":
        os.environ["DDE_BACKEND"] = "pytorch"
        try:
            import deepxde  # noqa: F401
        except ImportError as error:
            return {"status": f"unavailable: {error}"}
    import torch

    cuda = case.get("device") == "cuda"
    if not cuda:
        torch.set_num_threads(1)
    device = torch.device("cuda" if cuda else "cpu")
    torch.manual_seed(SEED)
    coords = [torch.from_numpy(c).to(device) for c in data["coords"]]
    inputs = {k: torch.from_numpy(v).to(device) for k, v in data["inputs"].items()}
    residuals, module, info = _torch_residuals(case, problem, data, coords, inputs, device)
    parameters = [p for p in module.parameters() if p.requires_grad]

    def step():
        for p in parameters:
            p.grad = None
        loss = sum((r**2).mean() for r in residuals())
        loss.backward()
        if cuda:
            torch.cuda.synchronize()

    def after(step) -> dict:
        extra = {}
        if cuda:
            extra["cuda_peak_bytes"] = torch.cuda.max_memory_allocated()
            extra["device_name"] = torch.cuda.get_device_name()
        extra["graph_bytes"] = saved_tensor_bytes(step)
        return extra

    if cuda:
        torch.cuda.reset_peak_memory_stats()
    return step, info, after


def _torch_residuals(case, problem, data, coords, inputs, device):
    """A callable returning the list of residuals, the module holding the weights, info."""
    import torch

    from benchmarks import deepxde_zcs, handwritten

    method, info = case["method"], {}
    if problem.network == "pinn":
        model = models.torch_pinn(models.pinn_weights(problem.n_coords, problem.n_fields, SEED))
    else:
        weights = models.deeponet_weights(problem.n_coords, problem.n_fields, SEED)
        model = models.torch_deeponet(weights, data["sensors"])
    model = model.to(device)
    if method == "hand":
        hand = getattr(handwritten, f"torch_{case['problem']}")

        def residuals():
            out = hand(model, *coords, *inputs.values())
            return list(out) if isinstance(out, tuple) else [out]

        return residuals, model, info
    if method == "deepxde":
        net = models.deepxde_deeponet(weights).to(device)
        sensors = torch.from_numpy(data["sensors"]).to(device)
        fn = deepxde_zcs.RESIDUALS[case["problem"]]
        return lambda: fn(net, sensors, coords, inputs), net, info
    if method == "floor":
        return lambda: _floor_terms(model(*coords), inputs), model, info
    pde, info["codegen_s"] = _codegen(problem, "torch", method)
    info["resolved_method"] = pde.method
    return lambda: list(pde.residuals(model, *coords, **inputs).values()), model, info


def _floor_terms(out, inputs):
    """The no-derivative floor: the fields (minus any input data) as the residuals."""
    fields = list(out) if isinstance(out, (tuple, list)) else [out]
    data = list(inputs.values())
    return [u - data[0] if data else u for u in fields]


def saved_tensor_bytes(step) -> int:
    """Bytes autograd saves for backward during ``step()``, each storage counted once.

    Storages are held until the step ends, so no address is reused and counted twice.
    Tensors without a plain storage (functorch wrappers) count their own size.
    """
    import torch

    storages: dict[int, object] = {}
    wrapped: list = []

    def pack(tensor):
        try:
            storage = tensor.untyped_storage()
            storages.setdefault(storage.data_ptr(), storage)
        except (RuntimeError, NotImplementedError):
            if all(tensor is not t for t in wrapped):
                wrapped.append(tensor)
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        step()
    total = sum(s.nbytes() for s in storages.values())
    return total + sum(t.numel() * t.element_size() for t in wrapped)


# ---- JAX --------------------------------------------------------------------------


def _jax_step(case: dict, problem, data: dict):
    if case.get("device") != "cuda":
        os.environ["JAX_PLATFORMS"] = "cpu"
        os.environ.setdefault(
            "XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
        )
    import jax
    import jax.numpy as jnp

    weights = (
        models.pinn_weights(problem.n_coords, problem.n_fields, SEED)
        if problem.network == "pinn"
        else models.deeponet_weights(problem.n_coords, problem.n_fields, SEED)
    )
    params = models.jax_params(weights)
    sensors = jnp.asarray(data["sensors"])
    coords = tuple(jnp.asarray(c) for c in data["coords"])
    inputs = {k: jnp.asarray(v) for k, v in data["inputs"].items()}
    residuals, info = _jax_residuals(case, problem)

    def loss(params, coords, inputs):
        if problem.network == "pinn":
            model = models.jax_pinn(params)
        else:
            model = models.jax_deeponet(params, sensors)
        return sum(jnp.mean(r**2) for r in residuals(model, coords, inputs))

    start = time.perf_counter()
    lowered = jax.jit(jax.value_and_grad(loss)).lower(params, coords, inputs)
    info["trace_s"] = time.perf_counter() - start
    start = time.perf_counter()
    compiled = lowered.compile()
    info["compile_s"] = time.perf_counter() - start
    analysis = compiled.memory_analysis()
    info["temp_bytes"] = int(analysis.temp_size_in_bytes) if analysis is not None else None
    info["device_name"] = jax.devices()[0].device_kind

    def step():
        jax.block_until_ready(compiled(params, coords, inputs))

    return step, info, lambda step: {}


def _jax_residuals(case, problem):
    """A function ``(model, coords, inputs) -> [residuals]`` for the case, and info."""
    from benchmarks import handwritten

    method, info = case["method"], {}
    if method == "hand":
        hand = getattr(handwritten, f"jax_{case['problem']}")
        return lambda model, c, i: [hand(model, *c, *i.values())], info
    if method in ("taylor", "taylor-vmap"):
        vectorize = method == "taylor-vmap"
        return (
            lambda model, c, i: [handwritten.jax_plate_taylor(model, *c, *i.values(), vectorize)],
            info,
        )
    if method == "floor":
        return lambda model, c, i: _floor_terms(model(*c), i), info
    pde, info["codegen_s"] = _codegen(problem, "jax", method)
    info["resolved_method"] = pde.method
    return lambda model, c, i: list(pde.residuals(model, *c, **i).values()), info


if __name__ == "__main__":
    main(sys.argv)
