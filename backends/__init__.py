"""Backends: one module per framework, registered by name in ``BACKENDS``.

Each module defines ``BACKEND``, an instance of :class:`pdecomp.backends.base.Backend`.
``get(name)`` imports it on first use; an unknown name lists the valid ones.
"""

from __future__ import annotations

import importlib

BACKENDS = {
    "torch": "pdecomp.backends.torch",
    "jax": "pdecomp.backends.jax",
}


def get(name: str):
    """The backend called ``name`` (see ``BACKENDS``)."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; backends: {', '.join(BACKENDS)}")
    return importlib.import_module(BACKENDS[name]).BACKEND
