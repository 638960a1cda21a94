"""Vector, tensor and complex equations -> the scalar equations they stand for.

Input: an equation's name, its two sides as built (scalars, arrays, complex values) and
the spatial coordinates. Output: ``(component name, lhs, rhs)`` triples of real scalar
expressions, in order: one per component, named after the spatial coordinates
(``momentum_x``; a tensor ``stress_xy``, row-major), each complex one split into
``_re`` and ``_im`` parts (one whose imaginary part is zero stays one).
"""

from __future__ import annotations

import sympy

from pdecomp import complexes, vectors
from pdecomp.errors import PDEError
from pdecomp.ir import Span


def is_group(left, right) -> bool:
    """Whether an equation with these sides becomes more than a plain scalar equation."""
    return any(vectors.is_shaped(v) or complexes.is_complex(v) for v in (left, right))


def components(
    name: str, left, right, space: list[str], span: Span
) -> list[tuple[str, sympy.Expr, sympy.Expr]]:
    """The scalar equations of ``left = right`` (see the module docstring)."""
    shaped = [v for v in (left, right) if vectors.is_shaped(v)]
    if shaped:
        shape = shaped[0]
        for side in (left, right):
            if not vectors.is_shaped(side) and side != 0:
                raise PDEError(
                    f"equation '{name}' sets {vectors.describe(shape)} equal to a scalar "
                    "(only 0 may stand for a vector or tensor)",
                    span,
                )
        if len(shaped) == 2 and left.shape != right.shape:
            raise PDEError(
                f"equation '{name}': {vectors.describe(left)} = {vectors.describe(right)}, "
                "shapes differ",
                span,
            )
        for size in shape.shape:
            if size != len(space):
                raise PDEError(
                    f"equation '{name}' is {vectors.describe(shape)}, but its components are "
                    f"named after the {len(space)} spatial coordinates "
                    f"({', '.join(space) or 'none'}): it needs {len(space)} per index",
                    span,
                )
        sep = "" if all(len(c) == 1 for c in space) else "_"
        scalars = []
        for index, _ in vectors.entries(shape):
            lhs = left[index] if vectors.is_shaped(left) else sympy.Integer(0)
            rhs = right[index] if vectors.is_shaped(right) else sympy.Integer(0)
            suffix = sep.join(space[i] for i in index)
            scalars.append((f"{name}_{suffix}", lhs, rhs))
    else:
        scalars = [(name, left, right)]
    result = []
    for component, lhs, rhs in scalars:
        (lhs_re, lhs_im), (rhs_re, rhs_im) = complexes.split(lhs), complexes.split(rhs)
        if _is_zero(lhs_im - rhs_im):
            result.append((component, lhs_re, rhs_re))
        else:
            result += [(f"{component}_re", lhs_re, rhs_re), (f"{component}_im", lhs_im, rhs_im)]
    return result


def _is_zero(expr: sympy.Expr) -> bool:
    """``expr`` is identically zero (as SymPy sees it after expanding products)."""
    return expr == 0 or (sympy.count_ops(expr) < 2000 and sympy.expand(expr) == 0)


def statements(system) -> list[tuple[object, list]]:
    """The equations as written, in file order: ``(group or None, its scalar equations)``.

    ``group`` is the :class:`pdecomp.ir.EquationGroup` of a vector, tensor or complex
    equation, None for a plain scalar one (then the list holds that one equation).
    """
    owner = {c: g for g in system.groups for c in g.components}
    result: list[tuple[object, list]] = []
    for equation in system.equation_info:
        group = owner.get(equation.name)
        if group is not None and result and result[-1][0] is group:
            result[-1][1].append(equation)
        else:
            result.append((group, [equation]))
    return result


def declared_fields(system) -> list[str]:
    """The fields as declared: ``h complex (h_re, h_im)`` for a complex one."""
    shown, seen = [], set()
    for name in system.fields:
        base = name.rpartition("_")[0]
        if base in system.complex_fields:
            if base not in seen:
                seen.add(base)
                shown.append(f"{base} complex ({', '.join(complexes.parts(base))})")
        else:
            shown.append(name)
    return shown
