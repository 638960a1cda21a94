"""Points where an equation holds, drawn with PyTorch's own generators.

``_draw`` is the framework part of ``sample``: a ``torch.Generator`` seeded from the
seed and the equation's name draws uniform points, or the seed of one scrambled
``torch.quasirandom.SobolEngine`` per face (method "sobol"). Points are drawn on the CPU
in float64, then converted to ``dtype`` (default ``torch.get_default_dtype()``) and moved
to ``device``, so a seed gives the same points on every device. ``_full_like`` puts a
coordinate on a face; ``_mean_square`` is one equation's term of the loss.
"""

from __future__ import annotations

import torch

# Placeholders: a generated module defines these in its per-system part.
COORDS: tuple = ()
DOMAIN: dict = {}


# ---- generated modules copy everything below this line ----
def _draw(faces, counts, seed, stream, method, dtype, device):
    """One array per coordinate: counts[i] points on faces[i], face after face.

    The generator is seeded with seed * 2**31 + stream (stream: a number of the
    equation's name, below 2**31), so equations draw independent points.
    """
    dtype = torch.get_default_dtype() if dtype is None else dtype
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f"dtype must be a floating-point torch.dtype, got {dtype!r}")
    generator = torch.Generator().manual_seed(seed * 2**31 + stream)
    columns = [[] for _ in COORDS]
    for (face, side), m in zip(faces, counts):
        free = [c for c in COORDS if c != face]
        if method == "sobol":
            engine_seed = int(torch.randint(2**62, (), generator=generator))
            engine = torch.quasirandom.SobolEngine(
                max(len(free), 1), scramble=True, seed=engine_seed
            )
            unit = engine.draw(m, dtype=torch.float64)[:, : len(free)]
        else:
            unit = torch.rand(m, len(free), generator=generator, dtype=torch.float64)
        for k, coord in enumerate(COORDS):
            lo, hi = float(DOMAIN[coord][0]), float(DOMAIN[coord][1])
            if coord == face:
                columns[k].append(torch.full((m,), (lo, hi)[side], dtype=torch.float64))
            else:
                columns[k].append((lo + (hi - lo) * unit[:, free.index(coord)]).clamp(lo, hi))
    return tuple(torch.cat(column).to(dtype=dtype, device=device) for column in columns)


def _full_like(c, value):
    return torch.full_like(c, value)


def _mean_square(r):
    return r.pow(2).mean()
