"""The generated module is a product: standalone, deterministic, and stable.

Golden files in tests/golden/ are compared byte for byte. After an intended change to the
generated code, update them with

    PDECOMP_UPDATE_GOLDEN=1 python -m pytest tests/test_generated_module.py

and review the diff.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import pdecomp
import pdecomp.backends

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
EXAMPLE = ROOT / "examples" / "burgers.pde"
# Burgers without a domain (the main example before it stated its domain): its modules
# must not change when domains are added to the language.
NO_DOMAIN = GOLDEN / "burgers.pde"


@pytest.mark.parametrize(
    "backend, method",
    [
        ("torch", "zcs"),
        ("jax", "zcs"),
        ("jax", "zcs-taylor"),
        ("torch", "fd2"),
        ("torch", "zcs-or-pointwise"),
        ("torch", "zcs-taylor"),
    ],
)
def test_golden(backend, method):
    source = pdecomp.compile(NO_DOMAIN, backend=backend, method=method).source
    path = GOLDEN / f"burgers_{backend}_{method}.py"
    if os.environ.get("PDECOMP_UPDATE_GOLDEN"):
        path.write_text(source)
    assert path.exists(), f"missing golden file {path.name}: run with PDECOMP_UPDATE_GOLDEN=1"
    assert source == path.read_text(), f"{path.name} changed: review, then update the golden file"


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_golden_with_domain(backend):
    """The main example states its domain: the module adds sample, loss and the tables."""
    source = pdecomp.compile(EXAMPLE, backend=backend).source
    path = GOLDEN / f"burgers_domain_{backend}_zcs.py"
    if os.environ.get("PDECOMP_UPDATE_GOLDEN"):
        path.write_text(source)
    assert path.exists(), f"missing golden file {path.name}: run with PDECOMP_UPDATE_GOLDEN=1"
    assert source == path.read_text(), f"{path.name} changed: review, then update the golden file"


ALL = [(b, m) for b in ("torch", "jax") for m in pdecomp.backends.get(b).methods]


@pytest.mark.parametrize("backend, method", ALL)
def test_imports_only_its_framework(backend, method):
    source = pdecomp.compile(EXAMPLE, backend=backend, method=method).source
    tree = ast.parse(source)
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module)
    allowed = {
        "torch": {"torch", "math", "weakref"},
        "jax": {"jax", "jax.numpy", "jax.experimental", "math"},
    }
    allowed = allowed[backend]
    assert imported <= allowed and imported & {"torch", "jax"}
    assert "pdecomp" not in source.split('"""', 2)[2]  # nothing after the docstring
    assert ast.get_docstring(tree).startswith("Residuals of the PDE system 'burgers'")


def test_written_module_runs_without_pdecomp(tmp_path):
    pde = pdecomp.compile(EXAMPLE, backend="torch")
    path = pde.write(tmp_path / "burgers_torch.py")
    script = tmp_path / "use.py"
    script.write_text(
        "import sys, json, torch\n"
        "sys.modules['pdecomp'] = None  # importing pdecomp would fail\n"
        "import burgers_torch as m\n"
        "x = torch.linspace(-1, 1, 5, dtype=torch.float64)\n"
        "t = torch.linspace(0, 1, 5, dtype=torch.float64)\n"
        "r = m.residuals(lambda x, t: torch.sin(x) * torch.exp(-t), x, t)\n"
        "print(json.dumps({k: v.tolist() for k, v in r.items()}))\n"
    )
    out = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    import json

    got = json.loads(out.stdout)
    x = torch.linspace(-1, 1, 5, dtype=torch.float64)
    t = torch.linspace(0, 1, 5, dtype=torch.float64)
    want = pde.residuals(lambda x, t: torch.sin(x) * torch.exp(-t), x, t)
    for name in want:
        np.testing.assert_allclose(got[name], want[name].detach().numpy(), rtol=1e-14)
    assert path.read_text() == pde.source


def test_module_loaded_by_importlib_matches(tmp_path):
    pde = pdecomp.compile(EXAMPLE, backend="jax")
    path = pde.write(tmp_path / "burgers_jax.py")
    spec = importlib.util.spec_from_file_location("burgers_jax_file", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.EQUATIONS.keys() == pde.module.EQUATIONS.keys()
    assert module.COORDS == ("x", "t") and module.FIELDS == ("u",)


def test_shared_derivatives_are_computed_once():
    system = pdecomp.loads(
        "coords x, t\nfields u, v\neq a: u_xx + u_x\neq b: v_xxt + u_xx + v_t\neq c: u_xt"
    )
    pde = pdecomp.compile(system, backend="torch")
    chain = pde.module.CHAIN
    assert list(chain) == ["x", "t", "xx", "xt", "xxt"]
    assert chain["xx"] == ("x", 0) and chain["xxt"] in (("xx", 1), ("xt", 0))
    # Each link is one backward pass: count them with a hook on the ZCS scalars.
    calls = []
    original = torch.autograd.grad

    def counting(outputs, inputs, *args, **kwargs):
        calls.append(1)
        return original(outputs, inputs, *args, **kwargs)

    torch.autograd.grad = counting
    try:
        x = torch.linspace(0, 1, 5, dtype=torch.float64)
        pde.residuals(lambda x, t: (torch.sin(x) * t, torch.cos(x) * t**2), x, x)
    finally:
        torch.autograd.grad = original
    # One backward pass per parent in the chain (it gives all the parent's children) and
    # one per suffix the equations read (the pass w.r.t. the dummy weights); v_xxt + v_t
    # is a linear operator, summed on the scalars first: one pass for both.
    parents = {parent for parent, _ in chain.values()}
    args = {a for _, names in pde.module.EQUATIONS.values() for a in names}
    read = {s for name, (_, s) in pde.module.DERIVATIVES.items() if name in args}
    assert pde.module.COMBINATIONS == {"_lin0_v": ("v", (("v_t", 1), ("v_xxt", 1)))}
    assert len(calls) == len(parents) + len(read) + 1 == 3 + 3 + 1
