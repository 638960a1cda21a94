"""The grammar and backends ship inside the installed package; a wheel builds."""

from __future__ import annotations

import importlib.resources
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_backends_and_grammar_are_subpackages():
    import pdecomp.backends.jax
    import pdecomp.backends.torch

    assert pdecomp.backends.torch.BACKEND.name == "torch"
    assert pdecomp.backends.jax.BACKEND.name == "jax"
    grammar = importlib.resources.files("pdecomp.grammar").joinpath("pde.lark")
    assert "start:" in grammar.read_text()


def test_unknown_backend_lists_the_valid_ones():
    import pdecomp

    with pytest.raises(ValueError, match="unknown backend 'tf'; backends: torch, jax"):
        pdecomp.compile(ROOT / "examples" / "burgers.pde", backend="tf")
    with pytest.raises(ValueError, match="unknown method 'magic'; methods: zcs"):
        pdecomp.compile(ROOT / "examples" / "burgers.pde", method="magic")


@pytest.mark.slow
def test_wheel_contains_grammar_and_backends(tmp_path):
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    (wheel,) = tmp_path.glob("pdecomp-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "pdecomp/grammar/pde.lark",
        "pdecomp/backends/torch.py",
        "pdecomp/backends/jax.py",
        "pdecomp/backends/base.py",
        "pdecomp/backends/engines/api.py",
        "pdecomp/backends/engines/torch_zcs.py",
        "pdecomp/backends/engines/fd.py",
        "pdecomp/backends/engines/grid.py",
        "pdecomp/backends/engines/torch_jet.py",
        "pdecomp/cli.py",
    ):
        assert required in names
