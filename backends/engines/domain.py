"""Sampling and the loss of a system with a domain.

Framework-independent; in the generated module of a system whose file has a ``domain``.
``sample`` draws the points where an equation holds, from the per-system tables
``DOMAIN`` (coordinate -> bounds), ``WHERE`` (equation -> faces) and ``PERIODIC``
(equation -> coordinate), with the framework's ``_draw``; ``loss`` sums weighted mean
squares of residuals, each equation at its own points; ``_at_face`` puts a coordinate on
a face for the periodic residuals (``domain_evaluate``).
"""

from __future__ import annotations

# Placeholders: a generated module defines these in its per-system part and engine.
COORDS: tuple = ()
EQUATIONS: dict = {}
GROUPS: dict = {}
DOMAIN: dict = {}
WHERE: dict = {}
PERIODIC: dict = {}
_draw = _full_like = _mean_square = residual = None

# ---- generated modules copy everything below this line ----
SAMPLING = ("uniform", "sobol")
SIDES = ("lower", "upper")


def sample(name, n, seed=0, method="uniform", dtype=None, device=None):
    """`n` points where equation `name` holds: one (n,) array per coordinate, COORDS order.

    Inside the box (WHERE[name] is empty) each coordinate spans its closed interval in
    DOMAIN. On faces, the points are split over them in proportion to their measure (the
    product of the other intervals' lengths; the largest remainders get the odd points),
    face after face, and the face's coordinate is its bound exactly. A periodic equation
    (PERIODIC) gets points of the lower face of its coordinate: its residual reads both
    faces itself. The points depend on the seed and the equation's name only: the same
    seed gives the same points, and two equations sampled with one seed get independent
    points. method: "uniform" (independent points) or "sobol" (quasi-random; see
    _draw). dtype and device: of the arrays.
    """
    if name in GROUPS:  # a vector, tensor or complex equation: its components' place
        name = GROUPS[name][0]
    if name not in EQUATIONS:
        raise ValueError(f"unknown equation {name!r}; equations: {_known()}")
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer in [0, 2**32), got {seed!r}")
    if method not in SAMPLING:
        raise ValueError(f"unknown sampling method {method!r}; methods: {', '.join(SAMPLING)}")
    faces = _faces(name)
    return _draw(faces, _split(n, faces), seed, _stream(name), method, dtype, device)


def loss(model, points, weights=None, *, field_axis=-1, **values):
    """The sum over the equations in `points` of weight * mean square residual.

    points: dict equation name -> its coordinates (a tuple, such as sample() returns);
        every equation is evaluated at its own points.
    weights: dict equation name -> number (or scalar array); 1 for names left out.
        A vector, tensor or complex equation counts the sum of its components' terms.
    values: params (and inputs) as keywords, passed to every residual.
    Differentiable: the result trains the model (torch keeps the graph; in JAX it is a
    pure function of the model's parameters when the model closes over them).
    """
    if not isinstance(points, dict) or not points:
        raise TypeError("points must be a non-empty dict: equation name -> coordinates")
    weights = {} if weights is None else weights
    if not isinstance(weights, dict):
        raise TypeError(f"weights must be a dict equation name -> number, got {weights!r}")
    for what, names in (("points", points), ("weights", weights)):
        unknown = [key for key in names if key not in EQUATIONS and key not in GROUPS]
        if unknown:
            raise ValueError(f"unknown equation {unknown[0]!r} in {what}; equations: {_known()}")
    total = 0
    for name, coords in points.items():
        if not isinstance(coords, (tuple, list)):
            raise TypeError(
                f"points[{name!r}] must be a tuple of coordinates ({', '.join(COORDS)}), "
                f"got {type(coords).__name__}"
            )
        r = residual(name, model, *coords, field_axis=field_axis, **values)
        square = sum(map(_mean_square, r)) if name in GROUPS else _mean_square(r)
        total = total + weights.get(name, 1) * square  # a group: its components' sum
    return total


def _known():
    """The equation names, and the groups with their components."""
    return ", ".join(EQUATIONS) + "".join(f"; {g} = {', '.join(GROUPS[g])}" for g in GROUPS)


def _stream(name):
    """A number fixed by the equation's name, so equations draw independent points."""
    value = 0
    for char in name:
        value = (value * 131 + ord(char)) % 2**31
    return value


def _faces(name):
    """Where equation `name` is sampled: [(coordinate, side)], [(None, None)] for the box."""
    if name in PERIODIC:
        return [(PERIODIC[name], 0)]
    return [(coord, SIDES.index(side)) for coord, side in WHERE[name]] or [(None, None)]


def _split(n, faces):
    """`n` points over `faces` in proportion to their measure (largest remainders)."""
    measures = []
    for face, _ in faces:
        measure = 1.0
        for coord in COORDS:
            if coord != face:
                measure *= float(DOMAIN[coord][1]) - float(DOMAIN[coord][0])
        measures.append(measure)
    quotas = [n * m / sum(measures) for m in measures]
    counts = [int(q) for q in quotas]
    by_remainder = sorted(range(len(faces)), key=lambda i: (counts[i] - quotas[i], i))
    for i in by_remainder[: n - sum(counts)]:
        counts[i] += 1
    return counts


def _at_face(coords, site):
    """The coordinates with one of them on a face: site "lo_x" or "hi_x" ("": as given)."""
    if not site:
        return coords
    side, _, coord = site.partition("_")
    k = COORDS.index(coord)
    bound = float(DOMAIN[coord][0 if side == "lo" else 1])
    return tuple(_full_like(c, bound) if i == k else c for i, c in enumerate(coords))
