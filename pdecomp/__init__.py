"""pdecomp: a compiler from `.pde` files to PDE residuals computed by Zero Coordinate Shift.

The public surface::

    system = pdecomp.load("burgers.pde")            # or pdecomp.loads(text)
    pde = pdecomp.compile(system, backend="torch")  # or backend="jax", method="zcs-fwd", ...
    pde.residuals(model, x, t)                      # dict: equation name -> tensor
"""

from pdecomp.chunking import chunked_loss, chunked_loss_backward
from pdecomp.errors import PDEError, PDEWarning
from pdecomp.ir import Plan, System
from pdecomp.pipeline import METHODS, compile, load, loads
from pdecomp.runtime import CompiledPDE
from pdecomp.version import __version__

__all__ = [
    "METHODS",
    "CompiledPDE",
    "PDEError",
    "PDEWarning",
    "Plan",
    "System",
    "compile",
    "load",
    "loads",
    "__version__",
    "chunked_loss",
    "chunked_loss_backward",
]
