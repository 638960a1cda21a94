"""Trust: no silently wrong residual, no lost file, no traceback.

Equation names, files as data, clean errors, warnings for silent semantics, limits,
finite residuals where the mathematics is finite, and residual shapes.
"""

from __future__ import annotations

import numpy as np
import pytest

import pdecomp
from pdecomp import PDEError

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
