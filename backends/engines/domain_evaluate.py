"""The residuals of a system with a domain, periodic equations reading both faces.

Replaces ``_evaluate`` of ``api`` in the generated module of a system whose file has a
``domain``; it is that function (argument checks, the fields' shape rule) with one call
of the engine per place the equations read. An argument ``u_x__lo_x`` of an equation is
the derivative ``u_x`` with the coordinate ``x`` at its lower bound (``__hi_x``: at its
upper bound), the other coordinates as given: the model runs once per face read
(``_at_face`` of ``domain``), with the module's derivative method.
"""

from __future__ import annotations

# Placeholders: a generated module defines these in its per-system part and engine.
COORDS: tuple = ()
FIELDS: tuple = ()
DERIVATIVES: dict = {}
EQUATIONS: dict = {}
_check_coords = _keywords = _derivatives = _at_face = None
_differentiate = _broadcast_all = _check_shapes = _is_array = _fill = None


# ---- generated modules copy everything below this line ----
def _evaluate(names, model, coords, create_graph, field_axis, values):
    if field_axis is not None and (not isinstance(field_axis, int) or field_axis is True):
        raise TypeError(f"field_axis must be an int or None, got {field_axis!r}")
    coords = _check_coords(coords)
    if len(FIELDS) == 1 and field_axis is not None and field_axis < 0:
        points = _broadcast_all([tuple(c.shape) for c in coords])
        if points and len(points) >= -field_axis and points[field_axis] == 1:
            field_axis = None  # coordinates in columns, (N, 1): the output is the field
    env = dict(zip(COORDS, coords))
    env.update(_keywords(names, values, coords[0]))
    sites = {}  # "" (the points given) or a face such as "lo_x" -> derivatives read there
    for name in names:
        for arg in EQUATIONS[name][1]:
            value, _, site = arg.partition("__")
            if value in FIELDS or value in DERIVATIVES:
                wanted = sites.setdefault(site, [])
                if value in DERIVATIVES and value not in wanted:
                    wanted.append(value)
    for site, wanted in sites.items():
        at = _at_face(coords, site)
        found = _differentiate(_derivatives, model, at, wanted, create_graph, field_axis)
        env.update((f"{key}__{site}" if site else key, v) for key, v in found.items())
    like = env[f"{FIELDS[0]}__{next(iter(sites))}" if next(iter(sites)) else FIELDS[0]]
    shape = tuple(like.shape)
    _check_shapes(names, env, shape)
    result = {}
    for name in names:
        value = EQUATIONS[name][0](*(env[a] for a in EQUATIONS[name][1]))
        if not _is_array(value) or tuple(value.shape) != shape:
            value = _fill(value, like)  # a constant, or a term of fewer axes
        result[name] = value
    return result
