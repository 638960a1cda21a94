"""`pdecomp verify`: it passes on correct compiled residuals, and it catches wrong ones.

The broken cases are real bugs injected into the generated module: a derivative scaled
by 1.001, and the ZCS engine differentiating in the wrong coordinate. Both must make the
command exit non-zero and the table name the equations that read the bad derivative.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from pdecomp import pipeline, verify
from pdecomp.cli import main

TEXT = """
coords x, t
time t
fields u, v
params nu = 0.05
inputs f
eq a: dt(u) + u*dx(u) = nu*dxx(u) + f*v
eq b: v_xt + sin(pi*x)*u = 0
eq c: u = v
"""


@pytest.fixture
def pde_file(tmp_path):
    path = tmp_path / "system.pde"
    path.write_text(TEXT)
    return path


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_verify_passes_on_correct_residuals(pde_file, backend, capsys):
    assert main(["verify", str(pde_file), "--backend", backend]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"verify {pde_file}: backend {backend}, method zcs, 8 random points")
    assert [line.split()[0] for line in out[2:5]] == ["a", "b", "c"]
    assert all(line.endswith("ok") for line in out[2:5])
    assert out[-1] == "all equations agree"


@pytest.mark.parametrize("method", ["zcs-fwd", "funcloop", "datavect"])
def test_verify_other_methods(pde_file, method):
    report = verify.verify(pde_file, backend="torch", method=method, points=5, seed=3)
    assert report.ok and report.method == method
    for row in report.rows:
        assert row.autograd.max_rel < 1e-12 and row.autograd.points == 5
        assert row.finite_differences.max_rel < 1e-6


def test_report_rows_are_meaningful(pde_file):
    report = verify.verify(pde_file, backend="torch")
    rows = {row.equation: row for row in report.rows}
    assert (rows["a"].order, rows["b"].order, rows["c"].order) == (2, 2, 0)
    assert rows["c"].autograd.max_abs == 0  # no derivative: the same arithmetic exactly
    assert rows["a"].autograd.max_abs > 0 or rows["a"].finite_differences.max_abs > 0


def _perturbing(compile_, name, factor):
    """pipeline.compile, with the generated module's derivative ``name`` scaled."""

    def compile_and_break(*args, **kwargs):
        pde = compile_(*args, **kwargs)
        derivatives = pde.module._derivatives

        def broken(*a, **k):
            values = derivatives(*a, **k)
            if name in values:
                values[name] = values[name] * factor
            return values

        pde.module._derivatives = broken
        return pde

    return compile_and_break


@pytest.mark.parametrize("backend", ["torch", "jax"])
def test_verify_catches_a_wrong_derivative(pde_file, backend, monkeypatch, capsys):
    monkeypatch.setattr(pipeline, "compile", _perturbing(pipeline.compile, "u_xx", 1.001))
    assert main(["verify", str(pde_file), "--backend", backend]) == 1
    out = capsys.readouterr().out.splitlines()
    row = {line.split()[0]: line for line in out[2:5]}
    assert row["a"].endswith("MISMATCH")  # reads u_xx
    assert row["b"].endswith("ok") and row["c"].endswith("ok")
    assert out[-1] == "MISMATCH in a"


def test_both_references_see_the_error(pde_file, monkeypatch):
    monkeypatch.setattr(pipeline, "compile", _perturbing(pipeline.compile, "v_xt", 1.001))
    report = verify.verify(pde_file, backend="torch")
    (bad,) = [row for row in report.rows if not row.ok]
    assert bad.equation == "b"
    assert not bad.autograd.ok and not bad.finite_differences.ok
    assert bad.autograd.max_rel > 1e-5


@pytest.mark.parametrize(
    ("backend", "method"),
    [("torch", m) for m in ("zcs", "zcs-fwd", "funcloop", "datavect")] + [("jax", "zcs")],
)
def test_verify_catches_a_chain_that_differentiates_in_the_wrong_coordinate(
    pde_file, backend, method, monkeypatch
):
    """The generated CHAIN says u_t is the x-derivative of u: every engine follows it."""
    compile_ = pipeline.compile

    def compile_and_break(*args, **kwargs):
        pde = compile_(*args, **kwargs)
        assert pde.module.CHAIN["t"] == ("", 1)
        pde.module.CHAIN["t"] = ("", 0)
        return pde

    monkeypatch.setattr(pipeline, "compile", compile_and_break)
    report = verify.verify(pde_file, backend=backend, method=method, points=4)
    assert "a" in {row.equation for row in report.rows if not row.ok}  # a reads u_t
    assert {row.equation: row.ok for row in report.rows}["c"]


def test_verify_refuses_an_unknown_method(pde_file):
    with pytest.raises(ValueError, match="unknown method 'fd3'"):
        verify.verify(pde_file, method="fd3")


# ---- the references themselves --------------------------------------------------------


@pytest.mark.parametrize(
    ("nodes", "order", "weights"),
    [
        ([-1, 0, 1], 1, ["-1/2", "0", "1/2"]),
        ([-1, 0, 1], 2, ["1", "-2", "1"]),
        ([-2, -1, 0, 1, 2], 2, ["-1/12", "4/3", "-5/2", "4/3", "-1/12"]),
        ([-2, -1, 0, 1, 2], 4, ["1", "-4", "6", "-4", "1"]),
        ([0, 1, 2], 1, ["-3/2", "2", "-1/2"]),
    ],
)
def test_fornberg_weights(nodes, order, weights):
    got = verify._fornberg([Fraction(n) for n in nodes], order)
    assert got == [Fraction(w) for w in weights]


@pytest.mark.parametrize("order", [1, 2, 3, 4, 7, 10])
def test_stencils_differentiate_polynomials_exactly(order):
    """The central stencil of FD_ACCURACY is exact on x^k up to k = order + accuracy - 1."""
    offsets, weights, step = verify._stencil(order, 0.5)
    assert step == 0.5 and len(offsets) % 2 == 1 and offsets[len(offsets) // 2] == 0
    nodes = [Fraction(int(o)) for o in offsets]
    exact = verify._fornberg(nodes, order)
    assert [float(w) for w in exact] == list(weights)
    factorial = int(np.prod(range(1, order + 1)))
    for k in range(order + verify.FD_ACCURACY):
        moment = sum(w * o**k for w, o in zip(exact, nodes, strict=True))
        assert moment == (factorial if k == order else 0), k


def test_comparison_treats_nan_consistently():
    same = verify._compare(np.array([1.0, np.nan]), np.array([1.0, np.nan]), 1e-8)
    assert same.ok and same.points == 1
    one_sided = verify._compare(np.array([1.0, np.nan]), np.array([1.0, 2.0]), 1e-8)
    assert not one_sided.ok
    off = verify._compare(np.array([1.0, 2.0]), np.array([1.0, 2.1]), 1e-8)
    assert (
        not off.ok and off.max_abs == pytest.approx(0.1) and off.max_rel == pytest.approx(0.1 / 2.1)
    )


def test_verify_decodes_long_coordinate_names(tmp_path):
    path = tmp_path / "long.pde"
    path.write_text("coords xa, tb\nfields u\neq e: d(u, xa, 2, tb) + u_xa = u\n")
    report = verify.verify(path, backend="torch", points=4)
    assert report.ok and report.rows[0].order == 3


# ---- every method: auto, zcs-taylor, and the finite-difference approximations ----------


def test_verify_accepts_auto_and_zcs_taylor(pde_file, capsys):
    report = verify.verify(pde_file, backend="jax", method="auto", points=4)
    assert report.ok and report.method == pipeline.auto_method("jax", 2)
    report = verify.verify(pde_file, backend="jax", method="zcs-taylor", points=4)
    assert report.ok and report.method == "zcs-taylor"
    assert all(row.autograd.max_rel < 1e-12 for row in report.rows)
    assert main(["verify", str(pde_file), "--method", "auto", "--points", "3"]) == 0
    assert "method zcs, 3 random points" in capsys.readouterr().out


@pytest.mark.parametrize("backend, method", [("torch", "fd2"), ("jax", "fd4")])
def test_verify_finite_differences_as_approximations(
    pde_file, backend, method, capsys, monkeypatch
):
    monkeypatch.setattr(verify, "GRID_POINTS", 400)  # a 21 x 21 grid: quick
    report = verify.verify(pde_file, backend=backend, method=method)
    assert report.ok, report.table()
    assert f"{method} is an approximation" in report.table().splitlines()[0]
    p = int(method[-1])
    rows = {row.equation: row for row in report.rows}
    assert 1e-12 < rows["a"].autograd.max_rel < 10 * (0.6 / 20) ** p  # of the order h^p
    assert rows["c"].autograd.max_rel < 1e-14  # no derivative: exact
    assert main(["verify", str(pde_file), "--backend", backend, "--method", method]) == 0
    capsys.readouterr()


def test_verify_catches_a_wrong_stencil(pde_file, monkeypatch):
    monkeypatch.setattr(verify, "GRID_POINTS", 400)
    pde = pipeline.compile(pde_file, backend="torch", method="fd2")
    central, edge = pde.module.FD_STENCILS[2]
    pde.module.FD_STENCILS[2] = (tuple(1.01 * w for w in central), edge)  # 1% too large
    report = verify.verify_compiled(pde)
    assert not report.ok
    assert {r.equation for r in report.rows if not r.ok} == {"a", "b"}
