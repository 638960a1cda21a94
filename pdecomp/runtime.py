"""The compiled result: the generated source, loaded as a module, behind a small API.

Input: System, Plan and generated source. Output: :class:`CompiledPDE`, whose
``residuals``/``residual`` call the generated module's functions. The source is loaded
with the standard import machinery (a ``SourceLoader``), so tracebacks show its lines.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.util
import os
from pathlib import Path

from pdecomp.ir import Plan, System


class _GeneratedSource(importlib.abc.SourceLoader):
    """Loads a module from generated text held in memory."""

    def __init__(self, filename: str, source: str):
        self.filename, self.source = filename, source

    def get_filename(self, fullname: str) -> str:
        return self.filename

    def get_data(self, path: str) -> bytes:
        return self.source.encode("utf-8")


def load_module(source: str, name: str):
    """Import generated source text as a fresh module called ``name``."""
    filename = f"<pdecomp:{name}>"
    loader = _GeneratedSource(filename, source)
    spec = importlib.util.spec_from_loader(name, loader, origin=filename)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


class CompiledPDE:
    """Residual functions compiled from a `.pde` system for one backend and method.

    ``.system``, ``.plan`` and ``.source`` are the pipeline's stages; ``.module`` is the
    loaded generated module. ``residuals(model, *coords, **keywords)`` returns a dict
    equation name -> residual; ``residual(name, model, *coords, **keywords)`` one of them.
    With a domain in the file, ``sample(name, n, seed=...)`` draws the points where an
    equation holds and ``loss(model, points, weights)`` sums the weighted mean squares.
    """

    def __init__(self, system: System, plan: Plan, source: str, backend: str, method: str):
        self.system, self.plan, self.source = system, plan, source
        self.backend, self.method = backend, method
        digest = hashlib.sha256(source.encode()).hexdigest()[:12]
        self.module = load_module(source, f"pdecomp_generated_{backend}_{digest}")

    @property
    def equations(self) -> tuple[str, ...]:
        return tuple(self.plan.system.equations)

    def residuals(self, model, /, *coords, **keywords):
        """All residuals at the same points: dict equation name -> tensor/array."""
        return self.module.residuals(model, *coords, **keywords)

    def residual(self, name: str, model, /, *coords, **keywords):
        """One equation's residual (only the derivatives it reads are computed)."""
        return self.module.residual(name, model, *coords, **keywords)

    def sample(self, name: str, n: int, seed: int = 0, method: str = "uniform", **options):
        """``n`` points where equation ``name`` holds, one array per coordinate.

        Needs a ``domain`` in the file; ``options``: ``dtype``, ``device``.
        """
        return self._domain_function("sample")(name, n, seed, method, **options)

    def loss(self, model, points: dict, weights: dict | None = None, **keywords):
        """Sum over ``points`` (name -> coordinates) of weight times mean square residual."""
        return self._domain_function("loss")(model, points, weights, **keywords)

    def _domain_function(self, name: str):
        function = getattr(self.module, name, None)
        if function is None:
            raise ValueError(
                f"system {self.system.name!r} has no domain: {name}() needs a 'domain' "
                "statement in its file (e.g. domain x in [0, 1])"
            )
        return function

    def write(self, path: str | os.PathLike) -> Path:
        """Write the generated module to ``path``."""
        path = Path(path)
        path.write_text(self.source, encoding="utf-8")
        return path

    def __repr__(self) -> str:
        return (
            f"<CompiledPDE {self.system.name!r}: {', '.join(self.equations)} "
            f"({self.backend}, {self.method})>"
        )
