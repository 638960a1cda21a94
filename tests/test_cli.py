"""The command line: exit codes and outputs of compile, check and show."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pdecomp.cli import main

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "burgers.pde"


def test_compile_to_file(tmp_path, capsys):
    out = tmp_path / "b.py"
    assert (
        main(["compile", str(EXAMPLE), "--backend", "jax", "--method", "zcs-fwd", "-o", str(out)])
        == 0
    )
    assert "import jax.numpy as jnp" in out.read_text()
    assert "wrote" in capsys.readouterr().out


def test_compile_to_stdout(capsys):
    assert main(["compile", str(EXAMPLE)]) == 0
    assert capsys.readouterr().out.startswith('"""Residuals of the PDE system \'burgers\'')


def test_check_prints_the_system(capsys):
    assert main(["check", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "coords: x, t (time: t)" in out
    assert "eq burgers: -nu*u_xx + u*u_x + u_t = 0" in out


def test_show_latex(capsys):
    assert main(["show", str(EXAMPLE), "--latex"]) == 0
    out = capsys.readouterr().out
    assert (
        r"\frac{\partial u}{\partial t}" in out and r"\frac{\partial^{2} u}{\partial x^{2}}" in out
    )


def test_error_exits_1_with_diagnostic_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.pde"
    bad.write_text("coords x\nfields u\neq e: u_x + uu\n")
    run = subprocess.run(
        [sys.executable, "-m", "pdecomp", "compile", str(bad)], capture_output=True, text=True
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.splitlines() == [
        f"{bad}:3:13: error: undeclared name 'uu' (did you mean 'u'?)",
        "    eq e: u_x + uu",
        "                ^",
    ]


def test_missing_file_exits_1(capsys):
    assert main(["check", "no/such/file.pde"]) == 1
    assert "No such file" in capsys.readouterr().err


def test_bad_option_is_a_usage_error():
    with pytest.raises(SystemExit) as info:
        main(["compile", str(EXAMPLE), "--backend", "tensorflow"])
    assert info.value.code == 2


def test_console_script_is_installed():
    import shutil

    exe = shutil.which("pdecomp") or str(Path(sys.executable).parent / "pdecomp")
    run = subprocess.run([exe, "check", str(EXAMPLE)], capture_output=True, text=True)
    assert run.returncode == 0 and "ok: system 'burgers'" in run.stdout
