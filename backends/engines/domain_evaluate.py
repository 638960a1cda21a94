"""The residuals of a system with a domain, periodic equations reading both faces.

Replaces ``_evaluate`` of ``api`` in the generated module of a system whose file has a
``domain``. An argument ``u_x__lo_x`` of an equation is the derivative ``u_x`` with the
coordinate ``x`` at its lower bound (``__hi_x``: at its upper bound), the other
coordinates as given: the model runs once per face read (``_at_face`` of ``domain``),
with the module's derivative method.
"""

from __future__ import annotations

# Placeholders: a generated module defines these in its per-system part and engine.
COORDS: tuple = ()
FIELDS: tuple = ()
DERIVATIVES: dict = {}
COMBINATIONS: dict = {}
EQUATIONS: dict = {}
_check_coords = _keywords = _derivatives = _at_face = None
_field_axis = _differentiate = _finish = _combine = None


# ---- generated modules copy everything below this line ----
def _evaluate(names, model, coords, create_graph, field_axis, values):
    coords = _check_coords(coords)
    field_axis = _field_axis(coords, field_axis)
    env = dict(zip(COORDS, coords))
    env.update(_keywords(names, values, coords[0]))
    sites = {}  # "" (the points given) or a face such as "lo_x" -> derivatives read there
    for name in names:
        for arg in EQUATIONS[name][1]:
            value, _, site = arg.partition("__")
            if value in FIELDS or value in DERIVATIVES or value in COMBINATIONS:
                wanted = sites.setdefault(site, [])
                if value not in FIELDS and value not in wanted:
                    wanted.append(value)
    for site, wanted in sites.items():
        at = _at_face(coords, site)
        found = _differentiate(_derivatives, model, at, wanted, create_graph, field_axis)
        found = _combine(found, wanted)
        env.update((f"{key}__{site}" if site else key, v) for key, v in found.items())
    like = next(v for key, v in env.items() if key.partition("__")[0] in FIELDS)
    return _finish(names, env, like)  # every residual of the fields' shape
