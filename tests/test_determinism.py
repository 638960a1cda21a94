"""Determinism: the same file gives byte-identical modules, twice in one process and in
processes with different ``PYTHONHASHSEED`` (so no set or dict order leaks into the
output), for every backend and every method it has."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import pdecomp
from pdecomp.backends import BACKENDS, get

ROOT = Path(__file__).resolve().parents[1]

# Many names of each kind, declared out of alphabetical order, mixed derivatives, shared
# sub-expressions and lets: everything whose order could depend on hashing.
TEXT = """
pde ordering
coords y, x, t
time t
fields w, v, u
params zeta = 0.5, alpha = 2, mu = 0.01/pi
inputs q, f
let s = sin(pi*x)*cos(pi*y) + alpha
let k = exp(-zeta*t)*s
eq momentum: dt(u) + u*dx(u) + v*dy(u) = mu*lap(u) - dx(w) + f*k
eq vmomentum: v_t + u*v_x + v*v_y = mu*lap(v) - w_y + q*s
eq mass: u_x + v_y = 0
eq mixed: d(w, x, 2, y) + d(u, y, 3) + dxyt(v) = k*s^2 + q*f
eq bc: w = zeta*s*sqrt(1 + u^2 + v^2) + min(u, v) + max(s, w)
"""


def _sources() -> dict[str, str]:
    """backend/method -> sha256 of the generated module (emitted without importing it)."""
    from pdecomp.analyze import analyze
    from pdecomp.build import build
    from pdecomp.parser import parse

    out = {}
    for backend in BACKENDS:
        target = get(backend)
        for method in pdecomp.METHODS:
            if method not in target.methods:
                continue
            plan = analyze(build(parse(TEXT, "ordering.pde"), TEXT, "ordering.pde"))
            source = target.emit(plan, method, "ordering.pde", pdecomp.__version__)
            out[f"{backend}/{method}"] = hashlib.sha256(source.encode()).hexdigest()
    return out


def test_twice_in_one_process():
    for backend in BACKENDS:
        for method in get(backend).methods:
            first = pdecomp.compile(pdecomp.loads(TEXT, "ordering.pde"), backend, method)
            second = pdecomp.compile(pdecomp.loads(TEXT, "ordering.pde"), backend, method)
            assert first.source == second.source, (backend, method)


def test_across_hash_seeds():
    program = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(ROOT / 'tests')!r})\n"
        "from test_determinism import _sources\n"
        "print(json.dumps(_sources()))\n"
    )
    results = []
    for seed in ("0", "1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, env=env, timeout=300
        )
        assert run.returncode == 0, run.stderr[-3000:]
        results.append(json.loads(run.stdout.strip().splitlines()[-1]))
    assert len(results[0]) >= 8  # two backends, four methods each at least
    assert results[0] == results[1] == results[2]
    assert results[0] == _sources()  # and this process agrees


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_declaration_order_is_kept(backend):
    pde = pdecomp.compile(pdecomp.loads(TEXT, "ordering.pde"), backend)
    assert pde.module.COORDS == ("y", "x", "t")
    assert pde.module.FIELDS == ("w", "v", "u")
    assert list(pde.module.PARAMS) == ["zeta", "alpha", "mu"]
    assert pde.module.INPUTS == ("q", "f")
    assert list(pde.module.EQUATIONS) == ["momentum", "vmomentum", "mass", "mixed", "bc"]
