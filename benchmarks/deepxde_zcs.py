"""The paper problems' residuals with DeepXDE's own ZCS (``deepxde.zcs``, pytorch backend).

Input: a DeepXDE ``DeepONetCartesianProd`` (:func:`benchmarks.models.deepxde_deeponet`,
same weights as the pdecomp runs), the sensor values, the trunk coordinates ``(N,)``
each, and the problem's inputs. Output: the list of interior residuals.

The shift is applied as in ``deepxde.zcs.Model._compile_pytorch`` (one zero scalar per
coordinate, stacked and added to the ``(N, d)`` trunk points) and every derivative is
taken by ``deepxde.zcs.LazyGrad``, exactly as DeepXDE's ZCS examples write their PDEs.
DeepXDE must be imported with ``DDE_BACKEND=pytorch``.
"""

from __future__ import annotations

from benchmarks.handwritten import PLATE_D, RD_D, RD_K

BURGERS_NU = 0.01 / 3.141592653589793
STOKES_MU = 0.01


def _forward(net, sensors, coords):
    """Network output at shifted trunk points, and the ZCS parameters for LazyGrad."""
    import torch

    trunk = torch.stack(coords, -1)
    zs = [torch.as_tensor(0.0, dtype=trunk.dtype).requires_grad_() for _ in coords]
    trunk = trunk + torch.stack(zs)[None, :]
    return net((sensors, trunk)), {"leaves": zs}


def reaction_diffusion(net, sensors, coords, inputs):
    from deepxde.zcs import LazyGrad

    u, zcs = _forward(net, sensors, coords)
    grad = LazyGrad(zcs, u)
    u_t, u_xx = grad.compute((0, 1)), grad.compute((2, 0))
    return [u_t - RD_D * u_xx - RD_K * u**2 - inputs["f"]]


def burgers(net, sensors, coords, inputs):
    from deepxde.zcs import LazyGrad

    u, zcs = _forward(net, sensors, coords)
    grad = LazyGrad(zcs, u)
    u_x, u_t, u_xx = grad.compute((1, 0)), grad.compute((0, 1)), grad.compute((2, 0))
    return [u_t + u * u_x - BURGERS_NU * u_xx]


def plate(net, sensors, coords, inputs):
    from deepxde.zcs import LazyGrad

    w, zcs = _forward(net, sensors, coords)
    grad = LazyGrad(zcs, w)
    biharmonic = grad.compute((4, 0)) + 2 * grad.compute((2, 2)) + grad.compute((0, 4))
    return [PLATE_D * biharmonic - inputs["q"]]


def stokes(net, sensors, coords, inputs):
    from deepxde.zcs import LazyGrad

    out, zcs = _forward(net, sensors, coords)
    gu, gv, gp = (LazyGrad(zcs, out[..., k]) for k in range(3))

    def lap(g):
        return g.compute((2, 0)) + g.compute((0, 2))

    return [
        STOKES_MU * lap(gu) - gp.compute((1, 0)),
        STOKES_MU * lap(gv) - gp.compute((0, 1)),
        gu.compute((1, 0)) + gv.compute((0, 1)),
    ]


RESIDUALS = {
    "reaction_diffusion": reaction_diffusion,
    "burgers": burgers,
    "plate": plate,
    "stokes": stokes,
}
