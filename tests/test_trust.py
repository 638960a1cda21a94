"""Trust: no silently wrong residual, no lost file, no traceback.

Equation names, files as data, clean errors, warnings for silent semantics, limits,
finite residuals where the mathematics is finite, and residual shapes.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from conftest import Framework

import pdecomp
from pdecomp import PDEError, checks
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
    run = _cli("compile", "g.pde", "--backend", "jax", "--method", "pointwise", cwd=folder)
    assert run.returncode == 2 and "Traceback" not in run.stderr
    assert "backend 'jax' has no method 'pointwise'" in run.stderr
    with pytest.raises(ValueError, match="backend 'jax' has no method 'pointwise'"):
        pdecomp.compile(pdecomp.loads("coords x\nfields u\neq u_x"), "jax", "pointwise")


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


# -- finite wherever the mathematics is: the sweep -----------------------------------

ROOT = Path(__file__).resolve().parent.parent
# Symbolic exponents: differentiated, SymPy writes u^m as u^m*m/u; the compiled
# residual must keep u^(m-1) (and |u_x|^(q-1), g^(p/2-2)), finite where u = 0, u_x = 0.
SYMBOLIC_POWERS = {
    "porous medium": ("coords x, y, t\ntime t\nfields u\nparams m = 2\neq pm: dt(u) = lap(u^m)\n"),
    "p-Laplacian": (
        "coords x, y\nfields u\nparams p = 4\nlet g = u_x^2 + u_y^2\n"
        "eq pl: d(g^((p - 2)/2)*u_x, x) + d(g^((p - 2)/2)*u_y, y) = 1\n"
    ),
    "power of a derivative": "coords x\nfields u\nparams q = 3\neq e: dx(abs(u_x)^q) = u^q\n",
    "flux of a power": "coords x, t\nfields u, v\nparams m = 3\neq e: dt(u) = dx(u^m*v_x)\n",
}
# The params each system is evaluated with (every value one where no division remains).
SWEEP_PARAMS = {
    "porous medium": [{"m": 2}, {"m": 2.5}, {"m": 3}],
    "p-Laplacian": [{"p": 4}, {"p": 5}, {"p": 6.5}],
    "power of a derivative": [{"q": 2}, {"q": 3}, {"q": 3.5}],
    "flux of a power": [{"m": 1}, {"m": 2}, {"m": 3.5}],
}
EXAMPLE_FILES = sorted(
    p for folder in ("examples", "benchmarks") for p in (ROOT / folder).rglob("*.pde")
)
SWEEP_POINTS = 4
SWEEP_METHODS = [("torch", m) for m in ("zcs", "zcs-fwd", "zcs-taylor", "funcloop", "datavect")] + [
    ("jax", m) for m in ("zcs", "zcs-fwd", "funcloop", "datavect", "zcs-taylor")
]


def _sweep_systems():
    for name, text in SYMBOLIC_POWERS.items():
        yield name, pdecomp.loads(text, f"{name}.pde"), SWEEP_PARAMS[name]
    for path in EXAMPLE_FILES:
        yield str(path.relative_to(ROOT)), pdecomp.load(path), [{}]


def _vanishing_model(backend, centres, fields):
    """Each field is k * |X - centre|^2: it and its gradient vanish at the centres."""

    def model(*xs):
        square = sum((x - c) ** 2 for x, c in zip(xs, centres))
        out = [(k + 1) * square for k in range(fields)]
        return out[0] if fields == 1 else tuple(out)

    return model


def sweep(backend: str, method: str) -> int:
    """Evaluate every sweep system where fields and gradients vanish; return the count."""
    rng = np.random.default_rng(0)
    checked = 0
    for name, system, variants in _sweep_systems():
        pde = pdecomp.compile(system, backend=backend, method=method)
        points = [_array(backend, rng.uniform(0.1, 0.9, SWEEP_POINTS)) for _ in system.coords]
        centres = [p.detach().clone() if backend == "torch" else p for p in points]
        model = _vanishing_model(backend, centres, len(system.fields))
        inputs = {i: _array(backend, np.ones(SWEEP_POINTS)) for i in system.inputs}
        for f in system.functions:  # a smooth positive coefficient of the coordinates
            inputs[f] = lambda *c: 1.5 + 0.1 * sum(c)
        for params in variants:
            res = pde.residuals(model, *points, **params, **inputs)
            for equation, value in res.items():
                value = _np(value)
                assert np.all(np.isfinite(value)), (name, equation, params, method, value)
                checked += value.size
    return checked


@pytest.mark.parametrize("backend, method", SWEEP_METHODS, ids=lambda v: str(v))
def test_sweep_finite_where_fields_and_gradients_vanish(backend, method):
    equations = sum(len(s.equations) * len(v) for _, s, v in _sweep_systems())
    assert sweep(backend, method) == equations * SWEEP_POINTS


def test_symbolic_exponent_keeps_the_written_form():
    system = pdecomp.loads(SYMBOLIC_POWERS["porous medium"])
    text = str(system.equations["pm"])
    assert "u(x, y, t)**(m - 1)" in text and "u(x, y, t)**(m - 2)" in text
    assert "/u(x, y, t)" not in text


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_porous_medium_matches_the_written_out_derivative(backend):
    """lap(u^m) against m*(m-1)*u^(m-2)*|grad u|^2 + m*u^(m-1)*lap(u), at u = 0 too."""
    written = (
        "coords x, y, t\ntime t\nfields u\nparams m = 2\n"
        "eq pm: dt(u) = m*(m - 1)*u^(m - 2)*(u_x^2 + u_y^2) + m*u^(m - 1)*(u_xx + u_yy)\n"
    )
    a = pdecomp.compile(pdecomp.loads(SYMBOLIC_POWERS["porous medium"]), backend)
    b = pdecomp.compile(pdecomp.loads(written), backend)
    x = _array(backend, [0.5, 0.25, 0.75])
    y = _array(backend, [0.5, 0.5, 0.1])
    t = _array(backend, [0.0, 0.3, 1.0])
    centre = [x[:1] * 1, y[:1] * 1]  # the first point is where u = 0, grad u = 0

    def model(x, y, t):
        return (1 + t) * ((x - centre[0]) ** 2 + (y - centre[1]) ** 2)

    for m in (2, 2.5, 3):
        ra, rb = (
            _np(a.residual("pm", model, x, y, t, m=m)),
            _np(b.residual("pm", model, x, y, t, m=m)),
        )
        assert np.all(np.isfinite(ra))
        np.testing.assert_allclose(ra, rb, rtol=1e-12, atol=1e-12)


# -- limits, line ends, constants ------------------------------------------------------


def test_a_huge_file_is_refused_before_it_is_read(tmp_path):
    from pdecomp.checks import MAX_SOURCE_CHARS

    big = tmp_path / "big.pde"
    with open(big, "wb") as f:
        f.write(b"coords x\n")
        f.truncate(3 * 10**9)  # 3 GB, sparse: reading it whole would exhaust the memory
    with pytest.raises(PDEError, match=f"file too large: more than {MAX_SOURCE_CHARS}") as e:
        pdecomp.load(big)
    assert (e.value.file, e.value.line, e.value.column) == (str(big), 1, 1)
    run = _cli("check", big)
    assert run.returncode == 1 and "file too large" in run.stderr


def test_a_product_of_many_fields_is_refused_before_it_is_differentiated():
    names = [f"v{i}" for i in range(1000)]
    text = f"coords x\nfields {', '.join(names)}\neq big: dxx({'*'.join(names)}) = 0\n"
    with pytest.raises(PDEError, match="too large to differentiate") as e:
        pdecomp.loads(text, "p.pde")
    assert (e.value.line, e.value.column) == (3, 9)  # at dx


@pytest.mark.parametrize(
    "text, where",
    [
        ("let a = u^512\nlet b = a^512\neq b = 0", (4, 9)),
        ("eq u^500*u^500*u^500 = 0", (3, 1)),
        ("let a = u^1000\nlet b = a*a*a*a\neq b*u = 0", (4, 9)),
    ],
)
def test_exponent_limit_holds_against_lets_and_products(text, where):
    with pytest.raises(PDEError, match="exponent .* once let names and products") as e:
        pdecomp.loads("coords x\nfields u\n" + text)
    assert (e.value.line, e.value.column) == where


def test_line_ends_and_byte_order_mark_read_the_same(tmp_path):
    lines = ["coords x  # a comment", "fields u", "eq a: u_x = 1  # another", "eq b: u = 0"]
    expected = pdecomp.loads("\n".join(lines)).equations
    for end in ("\n", "\r\n", "\r"):
        for bom in ("", "\ufeff"):
            text = bom + end.join(lines) + end
            assert pdecomp.loads(text).equations == expected, (end, bom)
            path = tmp_path / "f.pde"
            path.write_bytes(text.encode("utf-8"))
            assert pdecomp.load(path).equations == expected, (end, bom)
    with pytest.raises(PDEError) as e:  # lines count the same: the error is on line 3
        pdecomp.loads("\ufeffcoords x\r\nfields u\r\neq a: u_x + w = 1\r\n")
    assert (e.value.line, e.value.column) == (3, 13)
    with pytest.raises(PDEError) as e:
        pdecomp.loads("coords x\rfields u\req a: u_x + w = 1\r")
    assert (e.value.line, e.value.column) == (3, 13)


BIG_CONSTANTS = (
    "coords x\nfields u\n"
    "eq a: 2^70*u = 0\neq b: 1e19*u = 0\neq c: 3e9*u_x = 0\neq d: -(2^64 + 1)/3*u = 0\n"
)


def test_constants_of_any_size_run_on_both_backends_and_precisions():
    import jax
    import jax.numpy as jnp
    import torch

    system = pdecomp.loads(BIG_CONSTANTS)
    expected = {"a": 2.0**70, "b": 1e19, "c": 3e9, "d": -(2.0**64 + 1) / 3}
    model = lambda x: x  # noqa: E731 - u = x, u_x = 1
    for dtype in (torch.float64, torch.float32):
        res = pdecomp.compile(system, "torch").residuals(model, torch.ones(2, dtype=dtype))
        for name, value in expected.items():
            assert res[name].dtype == dtype
            np.testing.assert_allclose(_np(res[name]), value, rtol=1e-6)
    pde = pdecomp.compile(system, "jax")
    with jax.enable_x64(False):  # JAX's default: 32-bit integers and floats
        res = pde.residuals(model, jnp.ones(2, dtype=jnp.float32))
        for name, value in expected.items():
            assert res[name].dtype == jnp.float32
            np.testing.assert_allclose(np.asarray(res[name]), value, rtol=1e-6)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_repeated_constants_are_not_hoisted_as_floats(backend):
    system = pdecomp.loads("coords x, t\nfields u\neq e: u_t = pi^2*u_xx + log(pi^2)\n")
    pde = pdecomp.compile(system, backend)
    x = _array(backend, [0.1, 0.7])
    res = _np(pde.residual("e", lambda x, t: x**2 + t, x, x))
    np.testing.assert_allclose(res, 1 - 2 * np.pi**2 - np.log(np.pi**2), rtol=1e-14)


# -- shapes: every residual has the fields' shape --------------------------------------

SHAPES = (
    "coords x, t\nfields u\nparams nu = 0.5\ninputs f\n"
    "eq e: u_t + u*u_x - nu*u_xx + sin(pi*x) = f\n"
)


def _sin_t(fw):
    """u = sin(x) * t and its residual for SHAPES (the independent reference)."""
    sin = torch_sin if fw.name == "torch" else jnp_sin

    def reference(x, t, f, nu=0.5):
        x, t = np.asarray(x), np.asarray(t)
        u, u_x, u_xx, u_t = np.sin(x) * t, np.cos(x) * t, -np.sin(x) * t, np.sin(x)
        return u_t + u * u_x - nu * u_xx + np.sin(np.pi * x) - f

    return sin, reference


def _torch_stack(values):
    import torch

    return torch.stack(values, 0)


def _jnp_stack(values):
    import jax.numpy as jnp

    return jnp.stack(values, 0)


def torch_sin(v):
    import torch

    return torch.sin(v)


def jnp_sin(v):
    import jax.numpy as jnp

    return jnp.sin(v)


def test_single_field_with_a_size_one_axis_is_that_field(backend_method):
    backend, method = backend_method
    fw = Framework(backend)
    sin, reference = _sin_t(fw)
    pde = pdecomp.compile(pdecomp.loads(SHAPES), backend, method)
    xs, ts = np.linspace(0.1, 0.9, 6), np.linspace(0.2, 1.0, 6)
    x, t, f = fw.array(xs), fw.array(ts), fw.array(np.full(6, 0.25))
    # A PINN: nn.Linear(..., 1) returns (N, 1); the residual is (N,), as for a (N,) output.
    column = pde.residual("e", lambda x, t: (sin(x) * t)[..., None], x, t, f=f)
    assert tuple(column.shape) == (6,)
    np.testing.assert_allclose(fw.numpy(column), reference(xs, ts, 0.25), rtol=1e-12)
    # Coordinates in columns (N, 1), as DeepXDE passes them: the (N, 1) output is the field.
    cols = pde.residual("e", lambda x, t: sin(x) * t, x[:, None], t[:, None], f=f[:, None])
    assert tuple(cols.shape) == (6, 1)
    np.testing.assert_allclose(fw.numpy(cols)[:, 0], reference(xs, ts, 0.25), rtol=1e-12)


def test_a_term_that_would_widen_the_residual_is_an_error(fw):
    sin, _ = _sin_t(fw)
    pde = pdecomp.compile(pdecomp.loads(SHAPES), fw.name)
    x, t = fw.array(np.linspace(0.1, 0.9, 6)), fw.array(np.linspace(0.2, 1.0, 6))
    model = lambda x, t: sin(x) * t  # noqa: E731
    with pytest.raises(ValueError, match=r"input 'f' has shape \(6, 1\).*fields' shape \(6,\)"):
        pde.residual("e", model, x, t, f=fw.array(np.ones((6, 1))))
    with pytest.raises(ValueError, match=r"input 'f' has shape \(7,\).*\(6,\)"):
        pde.residual("e", model, x, t, f=fw.array(np.ones(7)))
    with pytest.raises(
        ValueError, match=r"param 'nu' has shape \(6, 1\).*make the residual \(6, 6\)"
    ):
        pde.residual("e", model, x, t, f=0.0, nu=fw.array(np.ones((6, 1))))
    # Fields (N, 1) kept as they are (field_axis=None) against a coordinate (N,).
    with pytest.raises(ValueError, match=r"coordinate 'x' has shape \(6,\).*\(6, 1\)"):
        pde.residual("e", lambda x, t: (sin(x) * t)[:, None], x, t, f=0.0, field_axis=None)


def test_coordinates_of_different_shapes(fw):
    sin, reference = _sin_t(fw)
    pde = pdecomp.compile(pdecomp.loads(SHAPES), fw.name)
    x, t = fw.array(np.linspace(0.1, 0.9, 6)), fw.array(np.linspace(0.2, 1.0, 4))
    with pytest.raises(ValueError, match=r"coordinate 't' has shape \(4,\)"):
        pde.residual("e", lambda x, t: sin(x) * t[:1], x, t, f=0.0)
    # The model's output says otherwise: x (6, 1) and t (1, 4) make a (6, 4) grid.
    grid = pde.residual("e", lambda x, t: sin(x) * t, x[:, None], t[None, :], f=0.0)
    assert tuple(grid.shape) == (6, 4)
    expected = reference(np.linspace(0.1, 0.9, 6)[:, None], np.linspace(0.2, 1.0, 4)[None], 0.0)
    np.testing.assert_allclose(fw.numpy(grid), expected, rtol=1e-12)


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_deeponet_and_grid_layouts_keep_the_fields_shape(backend):
    fw = Framework(backend)
    sin, reference = _sin_t(fw)
    pde = pdecomp.compile(pdecomp.loads(SHAPES), backend)
    # DeepONet: trunk points (N,), M functions (here u = a_m sin(x) t), output (M, N, 1).
    xs, ts, a = np.linspace(0.1, 0.9, 5), np.linspace(0.2, 1.0, 5), np.array([1.0, 2.0, 3.0])
    rows = fw.array(a[:, None])
    out = pde.residual(
        "e", lambda x, t: (rows * sin(x) * t)[..., None], fw.array(xs), fw.array(ts), f=0.0
    )
    assert tuple(out.shape) == (3, 5)
    x, t = xs[None], ts[None]
    expected = (
        a[:, None] * np.sin(x)
        + a[:, None] ** 2 * np.sin(x) * np.cos(x) * t**2
        + 0.5 * a[:, None] * np.sin(x) * t
        + np.sin(np.pi * x)
    )
    np.testing.assert_allclose(fw.numpy(out), expected, rtol=1e-12)
    with pytest.raises(ValueError, match=r"input 'f' has shape \(3,\)"):  # (M,) is not (N,)
        pde.residual("e", lambda x, t: rows * sin(x) * t, fw.array(xs), fw.array(ts), f=fw.array(a))
    # A grid surrogate: coordinate grids (H, W), a batch of B outputs (B, H, W, 1).
    X, T = np.meshgrid(np.linspace(0.1, 0.9, 4), np.linspace(0.2, 1.0, 3), indexing="ij")
    batch = fw.array(np.array([1.0, -1.0])[:, None, None])
    out = pde.residual(
        "e", lambda x, t: (batch * 0 + sin(x) * t)[..., None], fw.array(X), fw.array(T), f=0.0
    )
    assert tuple(out.shape) == (2, 4, 3)
    np.testing.assert_allclose(fw.numpy(out), np.broadcast_to(reference(X, T, 0.0), (2, 4, 3)))


def test_a_constant_residual_is_an_array_of_the_fields_shape(backend_method):
    backend, method = backend_method
    fw = Framework(backend)
    system = pdecomp.loads("coords x\nfields u\neq c: dx(sign(u)) = 1\neq d: dx(2*sign(u)) = 2\n")
    pde = pdecomp.compile(system, backend, method)
    res = pde.residuals(lambda x: x * x + 1, fw.array(np.linspace(0.1, 0.9, 4)))
    for name, value in (("c", -1.0), ("d", -2.0)):
        assert (
            hasattr(res[name], "shape")
            and not isinstance(res[name], float | int)
            and tuple(res[name].shape) == (4,)
        ), type(res[name])
        np.testing.assert_array_equal(fw.numpy(res[name]), value)


# -- no_grad, empty points, field_axis, frameworks, sign ---------------------------------


@pytest.mark.parametrize("method", ["zcs", "zcs-fwd", "funcloop", "datavect"])
def test_torch_no_grad_and_inference_mode_give_the_derivatives(method):
    import torch

    pde = pdecomp.compile(pdecomp.loads(SHAPES), "torch", method)
    xs, ts = np.linspace(0.1, 0.9, 6), np.linspace(0.2, 1.0, 6)
    expected = _sin_t(Framework("torch"))[1](xs, ts, 0.25)
    net = torch.nn.Linear(1, 1).double()  # a model with parameters: the graph must not leak
    with torch.no_grad():
        net.weight.fill_(1.0), net.bias.fill_(0.0)

    def model(x, t):
        return net(torch.sin(x)[:, None])[:, 0] * t

    for mode in (torch.no_grad, torch.inference_mode):
        with mode():
            x, t = torch.tensor(xs), torch.tensor(ts)
            r = pde.residual("e", model, x, t, f=0.25)
        assert not r.requires_grad, mode
        np.testing.assert_allclose(r.numpy(), expected, rtol=1e-12, err_msg=str(mode))
    r = pde.residual("e", model, torch.tensor(xs), torch.tensor(ts), f=0.25)
    assert r.requires_grad  # outside: differentiable w.r.t. the model's parameters


def test_empty_point_sets(backend_method):
    backend, method = backend_method
    fw = Framework(backend)
    sin, _ = _sin_t(fw)
    pde = pdecomp.compile(pdecomp.loads(SHAPES), backend, method)
    empty = fw.array(np.zeros(0))
    res = pde.residuals(lambda x, t: sin(x) * t, empty, empty, f=0.0)
    assert tuple(res["e"].shape) == (0,)


def test_every_field_axis_value(fw):
    system = pdecomp.loads("coords x\nfields u, v\neq e: u_x - v = 0\n")
    pde = pdecomp.compile(system, fw.name)
    x = fw.array(np.linspace(0.1, 0.9, 3))
    stack = _torch_stack if fw.name == "torch" else _jnp_stack
    stacked = lambda x: stack([x * x, 2 * x])  # noqa: E731 - fields on axis 0
    np.testing.assert_allclose(fw.numpy(pde.residual("e", stacked, x, field_axis=0)), 0, atol=1e-14)
    np.testing.assert_allclose(
        fw.numpy(pde.residual("e", stacked, x, field_axis=-2)), 0, atol=1e-14
    )
    for axis, error, message in (
        (5, ValueError, r"field_axis=5 is out of range for the model's output of shape \(2, 3\)"),
        (-3, ValueError, "field_axis=-3 is out of range"),
        (1, ValueError, "expected size 2 on field_axis=1"),
        ("0", TypeError, "field_axis must be an int or None, got '0'"),
        (0.0, TypeError, "field_axis must be an int or None"),
        (None, ValueError, "field_axis=None and 2 fields"),
    ):
        with pytest.raises(error, match=message):
            pde.residual("e", stacked, x, field_axis=axis)


def test_the_other_frameworks_arrays_are_named():
    import jax.numpy as jnp
    import torch

    system = pdecomp.loads(SHAPES)
    jx = pdecomp.compile(system, "jax")
    with pytest.raises(TypeError, match="coordinate 'x' must be an array, got a torch.Tensor"):
        jx.residuals(lambda x, t: x, torch.ones(3), torch.ones(3), f=0.0)
    with pytest.raises(TypeError, match="'f' must be a number or an array, got a torch.Tensor"):
        jx.residuals(lambda x, t: x, jnp.ones(3), jnp.ones(3), f=torch.ones(3))
    tx = pdecomp.compile(system, "torch")
    with pytest.raises(TypeError, match="coordinate 'x' must be a torch.Tensor, got a JAX array"):
        tx.residuals(lambda x, t: x, jnp.ones(3), jnp.ones(3), f=0.0)
    with pytest.raises(TypeError, match="'nu' must be a number or a torch.Tensor, got a JAX"):
        tx.residuals(lambda x, t: x, torch.ones(3), torch.ones(3), f=0.0, nu=jnp.ones(3))


def test_sign_of_nan_is_nan_on_both_backends(fw):
    pde = pdecomp.compile(pdecomp.loads("coords x\nfields u\neq e: sign(u) = 0\n"), fw.name)
    values = fw.numpy(pde.residual("e", lambda x: x, fw.array([np.nan, -2.0, 0.0, 3.0, np.inf])))
    np.testing.assert_array_equal(values, [np.nan, -1.0, 0.0, 1.0, 1.0])


def test_zcs_taylor_basis_limit_is_located_in_the_file():
    text = (
        "coords a, b, c, w, e\nfields u\neq lo: u_a = 0\n"
        "eq hi: d(u, a, 2, b, 2, c, 2, w, 2, e) = 0\n"
    )
    with pytest.raises(PDEError, match="zcs-taylor: order 9") as e:
        pdecomp.compile(pdecomp.loads(text, "t.pde"), "jax", "zcs-taylor")
    assert (e.value.file, e.value.line, e.value.column) == ("t.pde", 4, 4)


# -- self-contained docs ---------------------------------------------------------------

# What a user's copy of the project must not speak of: a contract file users do not
# have, the people who wrote it, their issue tracker, or a machine's paths.
OUTSIDE = re.compile(
    r"DSL\.md|DSL §|\bthe team\b|\bteam's\b|\bissues? ?#?\d+|\bthe issue\b|\btargets? of\b"
    r"|\(issue|/work/|/home/\w|/root/|/tmp/\w",
    re.IGNORECASE,
)
DOC_FILES = [
    "README.md",
    "benchmarks/README.md",
    *[f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")],
    *[f"benchmarks/results/{p.name}" for p in (ROOT / "benchmarks" / "results").glob("*.md")],
]
SOURCE_FOLDERS = ("pdecomp", "backends", "grammar", "examples", "benchmarks", "tests", "tools")


def test_docs_and_sources_speak_of_the_project_alone():
    texts = {name: (ROOT / name).read_text(encoding="utf-8") for name in DOC_FILES}
    for folder in SOURCE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".pde", ".lark", ".md") and "golden" not in path.parts:
                if path.name != "test_trust.py":  # this test spells the patterns out
                    texts[str(path.relative_to(ROOT))] = path.read_text(encoding="utf-8")
    found = [
        f"{name}:{text.count(chr(10), 0, m.start()) + 1}: {m.group()}"
        for name, text in texts.items()
        for m in OUTSIDE.finditer(text)
    ]
    assert found == []


def test_the_language_reference_is_complete():
    text = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    for heading in ("## A file", "## Expressions", "## Derivatives", "## Errors and warnings"):
        assert heading in text
    for heading in ("## Compiling", "## Calling a compiled residual", "### Shapes"):
        assert heading in text
    for word in ("coords", "time", "fields", "params", "inputs", "let", "eq", "lap"):
        assert f"`{word}" in text, word
    for function in checks.FUNCTIONS:
        assert function in text, function
