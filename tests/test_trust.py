"""Trust: no silently wrong residual, no lost file, no traceback.

Equation names, files as data, clean errors, warnings for silent semantics, limits,
finite residuals where the mathematics is finite, and residual shapes.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import pdecomp
from pdecomp import PDEError
from pdecomp.cli import main

# -- equation names: their own namespace ---------------------------------------------

NAMES = ["d", "lap", "pde", "eq", "model", "momentum_x", "lambda", "coords", "u", "x", "sin"]


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_equation_names_any_identifier(backend):
    lines = [f"eq {n}: u - {i} = 0" for i, n in enumerate(NAMES)]
    system = pdecomp.loads("coords x\nfields u\n" + "\n".join(lines) + "\n")
    assert list(system.equations) == NAMES
    pde = pdecomp.compile(system, backend=backend)
    x = _array(backend, [0.5, 1.5])
    res = pde.residuals(lambda x: 0 * x + 7.0, x)
    assert list(res) == NAMES
    for i, name in enumerate(NAMES):
        np.testing.assert_allclose(_np(res[name]), 7.0 - i)
        np.testing.assert_allclose(_np(pde.residual(name, lambda x: 0 * x + 7.0, x)), 7.0 - i)


def test_equation_names_duplicate_is_located():
    with pytest.raises(
        PDEError, match="duplicate equation name 'lap' \\(first used at line 3\\)"
    ) as e:
        pdecomp.loads("coords x\nfields u\neq lap: u = 0\neq lap: u_x = 0\n")
    assert (e.value.line, e.value.column) == (4, 4)
    with pytest.raises(PDEError, match="duplicate equation name 'a_b'") as e:
        pdecomp.loads("coords x\nfields u\neq a_b: u = 0\n\n  eq a_b: u_x = 0\n")
    assert (e.value.line, e.value.column) == (5, 6)


def test_unnamed_equation_names_skip_taken_ones():
    system = pdecomp.loads("coords x\nfields u\neq eq2: u = 0\neq u_x = 1\n")
    assert list(system.equations) == ["eq2", "eq3"]
    with pytest.raises(PDEError, match="'eq1' \\(first used at line 3, the name of an unnamed"):
        pdecomp.loads("coords x\nfields u\neq u = 0\neq eq1: u_x = 1\n")


def test_equation_name_must_start_with_a_letter():
    with pytest.raises(PDEError, match="equation name '_x' must start with a letter") as e:
        pdecomp.loads("coords x\nfields u\neq _x: u = 0\n")
    assert (e.value.line, e.value.column) == (3, 4)


def test_generated_function_names_are_distinct_identifiers():
    from pdecomp.backends.base import function_names

    names = function_names(["a", "a_2", "b"])
    assert names == {"a": "eq_a", "a_2": "eq_a_2", "b": "eq_b"}
    clash = function_names(["a.b", "a_b"])  # should a name ever carry other characters
    assert clash == {"a.b": "eq_a_b", "a_b": "eq_a_b_2"}
    assert all(n.isidentifier() for n in clash.values())


def _array(backend, values):
    if backend == "torch":
        import torch

        return torch.tensor(values, dtype=torch.float64)
    import jax.numpy as jnp

    return jnp.asarray(values, dtype=jnp.float64)


def _np(value):
    """A residual as a NumPy array (torch tensors detached)."""
    return np.asarray(value.detach() if hasattr(value, "detach") else value)


# -- files are data ------------------------------------------------------------------

BURGERS = Path(__file__).resolve().parent.parent / "examples" / "burgers.pde"


def _cli(*args, cwd=None, block=()):
    """Run the command line; in a fresh interpreter when ``block`` names modules to hide.

    Without ``block`` it runs in this process (faster): any exception escaping ``main``
    fails the test, as a traceback would.
    """
    if not block:
        out, err = io.StringIO(), io.StringIO()
        here = os.getcwd()
        try:
            os.chdir(cwd or here)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    status = main([str(a) for a in args])
                except SystemExit as exit:  # argparse: --help, --version, usage errors
                    status = exit.code
        finally:
            os.chdir(here)
        return subprocess.CompletedProcess(args, status, out.getvalue(), err.getvalue())
    code = (
        "import sys\n"
        f"for name in {list(block)!r}: sys.modules[name] = None\n"
        "from pdecomp.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, cwd=cwd
    )


@pytest.fixture
def folder(tmp_path):
    """A folder with g.pde, a symbolic and a hard link to it, and a user's script."""
    (tmp_path / "g.pde").write_text(BURGERS.read_text())
    (tmp_path / "link.py").symlink_to("g.pde")
    os.link(tmp_path / "g.pde", tmp_path / "hard.py")
    (tmp_path / "script.py").write_text("print('mine')\n")
    return tmp_path


@pytest.mark.parametrize(
    "output, why",
    [
        ("g.pde", "a .pde file"),
        ("./g.pde", "a .pde file"),
        ("other.PDE", "a .pde file"),
        ("link.py", "a .pde file"),
        ("hard.py", "it is the input"),
        ("script.py", "was not generated by pdecomp"),
    ],
)
def test_cli_never_overwrites_a_pde_the_input_or_a_users_file(folder, output, why):
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    run = _cli("compile", "g.pde", "-o", output, cwd=folder)
    assert run.returncode == 1 and why in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before


def test_cli_force_overwrites_a_users_file_but_never_a_pde(folder):
    assert _cli("compile", "g.pde", "-o", "script.py", "--force", cwd=folder).returncode == 0
    assert "Compiled by pdecomp" in (folder / "script.py").read_text()
    run = _cli("compile", "g.pde", "-o", "g.pde", "--force", cwd=folder)
    assert run.returncode == 1 and (folder / "g.pde").read_text() == BURGERS.read_text()


def test_cli_dash_is_standard_output(folder):
    run = _cli("compile", "g.pde", "-o", "-", cwd=folder)
    assert run.returncode == 0 and run.stdout.startswith('"""Residuals of the PDE system')
    assert not (folder / "-").exists()


def test_output_is_replaced_atomically(folder):
    assert _cli("compile", "g.pde", "-o", "out.py", cwd=folder).returncode == 0
    os.link(folder / "out.py", folder / "old.py")  # a second name for the first file
    assert (
        _cli("compile", "g.pde", "-o", "out.py", "--method", "zcs-fwd", cwd=folder).returncode == 0
    )
    # os.replace put a new file in place: the old one, still linked, is untouched.
    assert "method 'zcs-fwd'" in (folder / "out.py").read_text()
    assert "method 'zcs'" in (folder / "old.py").read_text()
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["g.pde", "link.py", "hard.py", "script.py", "out.py", "old.py"]
    )  # no temporary file left behind


def test_compiled_write_refuses_the_source_and_pde_files(folder):
    pde = pdecomp.compile(folder / "g.pde")
    for name in ("g.pde", "link.py", "hard.py", "script.py"):
        with pytest.raises(ValueError, match="refusing"):
            pde.write(folder / name)
    assert (folder / "g.pde").read_text() == BURGERS.read_text()
    assert pde.write(folder / "script.py", overwrite=True).read_text() == pde.source
    assert pde.write(folder / "new" / "m.py").read_text() == pde.source


# -- no traceback, clean errors ------------------------------------------------------


def test_cli_method_backend_pair_is_a_usage_error(folder):
    run = _cli("compile", "g.pde", "--backend", "torch", "--method", "zcs-taylor", cwd=folder)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "backend 'torch' has no method 'zcs-taylor'" in run.stderr
    with pytest.raises(ValueError, match="backend 'torch' has no method 'zcs-taylor'"):
        pdecomp.compile(pdecomp.loads("coords x\nfields u\neq u_x"), "torch", "zcs-taylor")


def test_code_generation_needs_no_framework(folder):
    run = _cli("compile", "g.pde", "--backend", "jax", "-o", "j.py", cwd=folder, block=["jax"])
    assert run.returncode == 0, run.stderr
    assert "import jax" in (folder / "j.py").read_text()
    run = _cli("compile", "g.pde", "-o", "t.py", cwd=folder, block=["torch", "jax"])
    assert run.returncode == 0 and "import torch" in (folder / "t.py").read_text()
    run = _cli("verify", "g.pde", "--backend", "jax", cwd=folder, block=["jax"])
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "pip install pdecomp[jax]" in run.stderr


def test_loading_without_the_framework_names_the_extra(folder):
    code = (
        "import sys; sys.modules['jax'] = None\n"
        "import pdecomp\n"
        "pde = pdecomp.compile('g.pde', backend='jax')\n"
        "assert 'import jax' in pde.source\n"
        "try:\n    pde.residuals(lambda x, t: x, 1.0, 1.0)\n"
        "except ImportError as error:\n    print(error)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=folder)
    assert run.returncode == 0, run.stderr
    assert "pip install pdecomp[jax]" in run.stdout


def test_text_given_as_a_path_points_to_loads():
    for call in (pdecomp.compile, pdecomp.load):
        with pytest.raises(ValueError, match="use pdecomp.loads"):
            call("coords x\nfields u\neq u_x = 0\n")
        with pytest.raises(ValueError, match="use pdecomp.loads"):
            call("coords x fields u eq u_x = 0")
    with pytest.raises(TypeError, match="pdecomp.compile takes a System"):
        pdecomp.compile(42)


def test_cli_version_and_help():
    from pdecomp import __version__

    run = _cli("--version")
    assert run.returncode == 0 and run.stdout.strip() == f"pdecomp {__version__}"
    for command, defaults in (
        ("compile", ["(default: torch)", "(default: zcs)", "(default: standard output"]),
        ("verify", ["(default: torch)", "(default: zcs)", "(default: 8)", "(default: 0)"]),
    ):
        run = _cli(command, "--help")
        assert run.returncode == 0
        options = run.stdout.split("options:\n")[1].rstrip("\n").split("\n")
        assert all(line.startswith("  -") for line in options), options  # one line each
        for default in defaults:
            assert default in run.stdout, (command, default)


def test_cli_catches_every_error_without_a_traceback(folder):
    (folder / "bin.pde").write_bytes(b"coords x\xff\n")
    (folder / "dir.pde").mkdir()
    for args in (
        ("check", "bin.pde"),
        ("check", "dir.pde"),
        ("check", "missing.pde"),
        ("compile", "g.pde", "-o", "script.py/x.py"),
        ("verify", "g.pde", "--points", "0"),
    ):
        run = _cli(*args, cwd=folder)
        assert run.returncode == 1, (args, run.stderr)
        assert "Traceback" not in run.stderr and run.stderr.strip(), args


# -- warnings for silent semantics ---------------------------------------------------


def test_lap_with_an_undeclared_time_warns():
    with pytest.warns(pdecomp.PDEWarning, match=r"^g\.pde:3:18: warning: lap\(\) .*'t'"):
        pdecomp.loads("coords x, y, t\nfields u\neq heat: dt(u) = lap(u)\n", "g.pde")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pdecomp.loads("coords x, y, t\ntime t\nfields u\neq heat: dt(u) = lap(u)\n")
        pdecomp.loads("coords x, y, s\nfields u\neq e: lap(u) = 0\n")


def test_time_statement_after_the_equation_still_marks_time():
    system = pdecomp.loads("coords x, t\nfields u\neq heat: dt(u) = lap(u)\ntime t\n")
    assert "Derivative(u(x, t), (t, 2))" not in str(system.equations["heat"])


@pytest.mark.parametrize("form, column", [("nu_x", 17), ("dx(nu)", 17), ("d(nu^2, x)", 17)])
def test_derivative_of_a_param_warns(form, column):
    text = f"coords x\nfields u\nparams nu = 1\neq e: u_x = u + {form}\n"
    with pytest.warns(pdecomp.PDEWarning, match=rf"^p\.pde:4:{column}: warning: derivative of"):
        system = pdecomp.loads(text, "p.pde")
    assert str(system.equations["e"]) == "-u(x) + Derivative(u(x), x)"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pdecomp.loads("coords x\nfields u\nparams nu = 1\neq e: dx(nu*u) = 0\n")


def test_cli_prints_warnings_located(folder):
    (folder / "w.pde").write_text("coords x, t\nfields u\neq heat: dt(u) = lap(u)\n")
    run = _cli("check", "w.pde", cwd=folder)
    assert run.returncode == 0
    assert run.stderr.startswith("w.pde:3:18: warning: lap()"), run.stderr
