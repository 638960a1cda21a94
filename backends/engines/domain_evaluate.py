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
EQUATIONS: dict = {}
_check_coords = _keywords = _derivatives = _at_face = None


# ---- generated modules copy everything below this line ----
def _evaluate(names, model, coords, create_graph, field_axis, values):
    coords = _check_coords(coords)
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
        found = _derivatives(model, _at_face(coords, site), wanted, create_graph, field_axis)
        env.update((f"{key}__{site}" if site else key, v) for key, v in found.items())
    return {name: EQUATIONS[name][0](*(env[a] for a in EQUATIONS[name][1])) for name in names}
