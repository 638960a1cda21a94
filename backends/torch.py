"""The PyTorch backend: a printer table and the names of its engine modules.

Input: a Plan (through :class:`pdecomp.backends.base.Backend.emit`). Output: module text
that imports only ``torch`` (and ``math`` where constants appear). The runtime and the
derivative engines are the modules ``pdecomp.backends.engines.torch_*`` (the
grid engine is shared: ``torch_grid`` + ``fd`` or ``torch_spectral`` + ``grid``).
"""

from __future__ import annotations

import sympy

from pdecomp.backends._printer import BASE_FUNCTIONS, FrameworkPrinter
from pdecomp.backends.base import Backend


class TorchPrinter(FrameworkPrinter):
    module = "torch"
    functions = {name: f for name, f in BASE_FUNCTIONS.items() if name != "sign"}
    tensor_only = frozenset({"Min", "Max", "atan2"})

    def _print_sign(self, expr: sympy.Expr) -> str:
        """``torch.sign`` with NaN kept NaN, as ``jnp.sign`` and ``math`` do (it gives 0)."""
        if not expr.free_symbols:
            return super()._print_sign(expr)
        arg = self._print(expr.args[0])
        where, isnan = self._module_format("torch.where"), self._module_format("torch.isnan")
        return f"{where}({isnan}({arg}), {arg}, {self._module_format('torch.sign')}({arg}))"


class TorchBackend(Backend):
    name = "torch"
    printer = TorchPrinter
    imports = {"math": "import math", "torch": "import torch"}
    runtime = "torch_runtime"
    given = "torch_given"
    methods = {
        "zcs": ("torch_zcs_core", "torch_zcs"),
        "zcs-or-pointwise": (
            "torch_zcs_core",
            "torch_leaves",
            "torch_layout",
            "torch_zcs_or_pointwise",
        ),
        "pointwise": ("torch_leaves", "torch_pointwise"),
        "zcs-fwd": ("torch_zcs_fwd",),
        "zcs-taylor": ("torch_jet", "torch_taylor", "torch_zcs_taylor"),
        "taylor-or-zcs": (
            "torch_zcs_core",
            "torch_leaves",
            "torch_layout",
            "torch_jet",
            "torch_taylor",
            "torch_taylor_or_zcs",
        ),
        "funcloop": ("torch_funcloop",),
        "datavect": ("torch_datavect",),
        "fd2": ("torch_grid", "fd", "grid"),
        "fd4": ("torch_grid", "fd", "grid"),
        "spectral": ("torch_grid", "torch_spectral", "grid"),
    }
    fused = ("zcs", "zcs-or-pointwise", "zcs-taylor", "taylor-or-zcs")


BACKEND = TorchBackend()
