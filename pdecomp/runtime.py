"""The compiled result: the generated source, loaded as a module, behind a small API.

Input: System, Plan and generated source. Output: :class:`CompiledPDE`, whose
``residuals``/``residual`` call the generated module's functions. The source is loaded
with the standard import machinery (a ``SourceLoader``) as a real module: it is in
``sys.modules`` under its name (so ``torch.compile`` and ``inspect`` find it) and its text
is in ``linecache`` (so tracebacks and debuggers show its lines). A CompiledPDE pickles
by its generated source, backend and method; unpickling loads the module again, also in
a process started by ``multiprocessing``'s spawn.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.util
import linecache
import os
import sys
from pathlib import Path

from pdecomp.ir import Plan, System

# Framework module -> the extra that installs it.
EXTRAS = {"torch": "torch", "jax": "jax", "jaxlib": "jax"}


def missing_framework(module: str, backend: str) -> ImportError:
    """The error for a generated module whose framework is not installed."""
    extra = EXTRAS.get(module.split(".")[0], backend)
    return ImportError(
        f"the {backend} residuals need {module.split('.')[0]}, which is not installed; "
        f"install it with: pip install pdecomp[{extra}]  (generating the code, as "
        "`pdecomp compile -o FILE` or `.source`, needs no framework)"
    )


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
    lines = source.splitlines(keepends=True)
    # mtime None: linecache.checkcache keeps the entry (there is no file to compare with).
    linecache.cache[filename] = (len(source), None, lines, filename)
    loader = _GeneratedSource(filename, source)
    spec = importlib.util.spec_from_loader(name, loader, origin=filename)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    # Registered after it ran without error, as the import system does: importable by name.
    sys.modules[name] = module
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
        self._module = None

    @property
    def module(self):
        """The generated module, imported on first use (code generation needs no framework)."""
        if self._module is None:
            digest = hashlib.sha256(self.source.encode()).hexdigest()[:12]
            name = f"pdecomp_generated_{self.backend}_{digest}"
            try:
                self._module = load_module(self.source, name)
            except ModuleNotFoundError as error:
                if error.name and error.name.split(".")[0] in EXTRAS:
                    raise missing_framework(error.name, self.backend) from None
                raise
        return self._module

    @property
    def equations(self) -> tuple[str, ...]:
        return tuple(self.plan.system.equations)

    @property
    def groups(self) -> dict[str, tuple[str, ...]]:
        """Vector, tensor and complex equations: name -> its scalar equations, in order."""
        return {g.name: g.components for g in self.plan.system.groups}

    def residuals(self, model, /, *coords, **keywords):
        """All residuals at the same points: dict equation name -> tensor/array."""
        return self.module.residuals(model, *coords, **keywords)

    def residual(self, name: str, model, /, *coords, **keywords):
        """One equation's residual (only the derivatives it reads are computed).

        For a vector, tensor or complex equation, the tuple of its components' residuals.
        """
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

    def __reduce__(self):
        # By source: unpickling loads the generated module again (no recompilation).
        return (CompiledPDE, (self.system, self.plan, self.source, self.backend, self.method))

    def write(self, path: str | os.PathLike, overwrite: bool = False) -> Path:
        """Write the generated module to ``path``, atomically; returns the path written.

        Never over a `.pde` file or the file this system was loaded from (a
        ``ValueError``), nor over an existing file pdecomp did not generate unless
        ``overwrite``. A symbolic link is followed: its target is written.
        """
        from pdecomp.files import check_destination, write_atomic

        source = self.system.file if os.path.exists(self.system.file) else None
        return write_atomic(check_destination(path, source, force=overwrite), self.source)

    def __repr__(self) -> str:
        return (
            f"<CompiledPDE {self.system.name!r}: {', '.join(self.equations)} "
            f"({self.backend}, {self.method})>"
        )

    def _repr_latex_(self) -> str:
        """Notebooks: equations, method and derivative plan as one aligned LaTeX block."""
        from pdecomp.latex import aligned, plan_rows

        return f"$$\n{aligned(self.system, plan_rows(self.plan, self.backend, self.method))}\n$$"

    def _repr_html_(self) -> str:
        """Notebooks: a table of the equations, the method and the derivative plan."""
        from pdecomp.latex import html

        return html(self.system, self.plan, self.backend, self.method)
