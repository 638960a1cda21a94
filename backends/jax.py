"""The JAX backend: a printer table and the names of its engine modules.

Input: a Plan (through :class:`pdecomp.backends.base.Backend.emit`). Output: module text
that imports only ``jax`` and ``jax.numpy`` (and ``math`` where constants appear). The
runtime and the derivative engines are the modules ``pdecomp.backends.engines.jax_*``
(the grid engine is shared: ``jax_grid`` + ``fd`` or ``jax_spectral`` + ``grid``). The
residuals are pure functions: usable under ``jax.jit``, ``jax.grad`` and ``jax.vmap``.
``create_graph`` is accepted for parity with torch and has no effect (nothing to keep).
``zcs-taylor``'s directions and polarization weights come from
:mod:`pdecomp.backends.taylor`.
"""

from __future__ import annotations

from pdecomp.backends._printer import BASE_FUNCTIONS, FrameworkPrinter
from pdecomp.backends.base import Backend


class JaxPrinter(FrameworkPrinter):
    module = "jnp"
    functions = {
        **BASE_FUNCTIONS,
        "asin": "arcsin",
        "acos": "arccos",
        "atan": "arctan",
        "atan2": "arctan2",
    }


class JaxBackend(Backend):
    name = "jax"
    printer = JaxPrinter
    imports = {"math": "import math", "jax": "import jax", "jnp": "import jax.numpy as jnp"}
    runtime = "jax_runtime"
    given = "jax_given"
    methods = {
        "zcs": ("jax_zcs",),
        "zcs-fwd": ("jax_zcs_fwd",),
        "funcloop": ("jax_leaf", "jax_funcloop"),
        "datavect": ("jax_leaf", "jax_datavect"),
        "fd2": ("jax_grid", "fd", "grid"),
        "fd4": ("jax_grid", "fd", "grid"),
        "spectral": ("jax_grid", "jax_spectral", "grid"),
        "zcs-taylor": ("jax_zcs_taylor",),
    }
    fused = ("zcs",)


BACKEND = JaxBackend()
