"""pdecomp.deepxde: DeepXDE's own examples trained through dde.Model.train with pdecomp
residuals follow the loss histories of the examples' own residual code (float64)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

deepxde_problems = pytest.importorskip("examples.deepxde_problems")
dde = deepxde_problems.dde

import pdecomp  # noqa: E402
from pdecomp import deepxde as pdx  # noqa: E402


@pytest.fixture(autouse=True)
def _float64_here_only():
    """The builders switch DeepXDE and torch to float64; other test files expect float32."""
    dtype, precision = torch.get_default_dtype(), dde.config.real.precision
    deepxde_problems.float64()
    yield
    if precision != 64:
        dde.config.set_default_float(f"float{precision}")
    torch.set_default_dtype(dtype)


SMALL = {
    "burgers": dict(domain=96, width=12),
    "beam": dict(),
    "diffusion_reaction": dict(functions=8, batch=4, width=16),
}
STEPS = 12


def _forward_calls(model):
    calls = []
    model.net.register_forward_hook(lambda *_: calls.append(1))
    return calls


@pytest.mark.parametrize("problem", list(SMALL))
def test_loss_history_equals_the_examples_own_residuals(problem):
    histories, calls = {}, {}
    for route in deepxde_problems.ROUTES:
        model = deepxde_problems.PROBLEMS[problem](route, seed=0, **SMALL[problem])
        calls[route] = _forward_calls(model)
        histories[route] = deepxde_problems.loss_history(model, STEPS)
    ours, theirs = histories["pdecomp"], histories["deepxde"]
    assert ours.shape == theirs.shape and ours.shape[0] == STEPS + 1
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)
    assert not np.allclose(theirs[0], theirs[-1])  # it trained
    assert len(calls["pdecomp"]) == len(calls["deepxde"])  # no second forward pass


def _beam_tensors():
    dde.config.set_random_seed(1)
    net = dde.nn.FNN([1, 8, 8, 1], "tanh", "Glorot uniform")
    x = torch.linspace(0, 1, 9, dtype=torch.float64)[:, None].requires_grad_()
    return x, net(x)


def test_residual_shapes_and_values_for_an_n_by_1_net():
    beam = pdecomp.compile(deepxde_problems.HERE / "deepxde" / "beam.pde")
    x, y = _beam_tensors()
    residual = pdx.pde(beam, "beam")(x, y)
    moment, shear = pdx.bc(beam, "moment")(x, y, None), pdx.bc(beam, "shear")(x, y, None)
    assert residual.shape == moment.shape == shear.shape == (9, 1)
    dde.grad.clear()
    torch.testing.assert_close(residual, deepxde_problems.beam_reference(x, y), rtol=1e-12, atol=0)
    torch.testing.assert_close(moment, deepxde_problems.beam_ddy(x, y), rtol=1e-12, atol=0)
    torch.testing.assert_close(shear, deepxde_problems.beam_dddy(x, y), rtol=1e-12, atol=0)
    both = pdx.pde(beam, "beam", "moment")(x, y)
    assert isinstance(both, list) and len(both) == 2


def test_pde_and_bcs_share_one_derivative_chain_per_step():
    beam = pdecomp.compile(deepxde_problems.HERE / "deepxde" / "beam.pde")
    pde, moment, shear = pdx.pde(beam, "beam"), pdx.bc(beam, "moment"), pdx.bc(beam, "shear")
    x, y = _beam_tensors()
    pde(x, y)
    chain = pdx._CHAINS[beam][2]
    passes = dict(chain["leaf_grads"])
    moment(x, y, None), shear(x, y, None)
    assert pdx._CHAINS[beam][2] is chain and chain["leaf_grads"] == passes  # no new pass
    assert len(passes) == 4  # y -> y_x -> y_xx -> y_xxx -> y_xxxx: one pass per link
    x2, y2 = _beam_tensors()
    moment(x2, y2, None)
    assert pdx._CHAINS[beam][2] is not chain  # a new step, a new chain


def test_bad_uses_are_clear_errors():
    burgers = pdecomp.compile(deepxde_problems.HERE / "burgers.pde")
    with pytest.raises(ValueError, match="needs backend='torch'"):
        pdx.pde(pdecomp.compile(deepxde_problems.HERE / "burgers.pde", backend="jax"), "burgers")
    with pytest.raises(ValueError, match="unknown equation 'heat'; equations: burgers, ic, bc"):
        pdx.pde(burgers, "heat")
    with pytest.raises(TypeError, match="needs equation names"):
        pdx.pde(burgers)
    with pytest.raises(ValueError, match="reads the coordinate 'x'"):
        pdx.zcs(burgers, "ic")  # ic: u = -sin(pi x)
    with pytest.raises(ValueError, match="aux='g' is not an input"):
        pdx.zcs(burgers, "burgers", aux="g")
    x = torch.zeros(4, 3, dtype=torch.float64, requires_grad=True)
    with pytest.raises(ValueError, match=r"expected \(N, 2\): the coordinates x, t"):
        pdx.pde(burgers, "burgers")(x, x[:, :1])


def test_adapter_imports_without_deepxde_and_the_extras_exist():
    import subprocess
    import sys
    import tomllib
    from pathlib import Path

    code = (
        "import sys; sys.modules['deepxde'] = None\n"
        "import pdecomp; from pdecomp import deepxde as pdx\n"
        "print(pdx.__all__)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "['bc', 'pde', 'zcs']" in run.stdout
    root = Path(__file__).resolve().parent.parent
    extras = tomllib.loads((root / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    assert {"torch", "jax", "deepxde", "examples"} <= set(extras)
    assert any(r.startswith("deepxde") for r in extras["deepxde"])
    assert any(r.startswith("torch") for r in extras["deepxde"])
