"""Functions of the coordinates as extra model outputs (spliced when a system has some).

Input: the equations being evaluated, the keywords of the call and the model. Output: the
checked callables (or arrays), and the model wrapped to return its fields and then every
function's value at the coordinates it is given, as one ``_Outputs`` tuple in ``OUTPUTS``
order, which ``_fields`` passes through. So every engine calls and differentiates the
functions exactly as the fields, at the same (shifted) coordinates. Reads ``COORDS``,
``FUNCTIONS``, ``DERIVATIVES``, ``EQUATIONS`` and the runtime's ``_to_value``,
``_is_array``, ``_broadcast_function``, ``ARRAY``.
"""

from __future__ import annotations

from pdecomp.backends.engines.api import _fields, _Outputs

# Placeholders: the generated module's tables and the framework runtime's helpers.
COORDS: tuple = ()
FUNCTIONS: tuple = ()
DERIVATIVES: dict = {}
EQUATIONS: dict = {}
ARRAY = "array"
_to_value = _is_array = _broadcast_function = None


# ---- generated modules copy everything below this line ----
def _functions(names, values, like):
    """The functions the equations `names` read: name -> callable, or array if allowed.

    Checked per equation of `names`: a function it reads must be given; where it reads a
    derivative of one, that function must be a callable (an array has no derivative).
    """
    given = {}
    for name in names:
        for arg in EQUATIONS[name][1]:
            function = arg if arg in FUNCTIONS else DERIVATIVES.get(arg, ("",))[0]
            if function not in FUNCTIONS:
                continue
            if function not in values:
                raise TypeError(
                    f"equation {name!r} needs the function {function!r} (a keyword: a "
                    f"callable of the coordinates {', '.join(COORDS)})"
                )
            value = values[function]
            if arg != function and not callable(value):
                raise TypeError(
                    f"equation {name!r} reads {arg!r}, a derivative of the function "
                    f"{function!r}: pass a callable of the coordinates ({', '.join(COORDS)}), "
                    f"not a {type(value).__name__}; it is called with the same shifted "
                    "coordinates as the model"
                )
            given[function] = value if callable(value) else _to_value(function, value, like)
    return given


def _with_functions(model, given, field_axis):
    """The model, returning its fields and then every function's value at its coordinates.

    A function not given (not read) or given as an array is a constant output: no
    derivative of it is ever wanted.
    """

    def wrapped(*coords):
        fields = _fields(model(*coords), field_axis)
        extra = []
        for name in FUNCTIONS:
            value = given.get(name, 0.0)
            if callable(value):
                value = value(*coords)
                if not _is_array(value):
                    raise TypeError(
                        f"function {name!r} returned a {type(value).__name__}, not a {ARRAY}"
                    )
            extra.append(_broadcast_function(name, value, fields[0]))
        return _Outputs((*fields, *extra))

    return wrapped
