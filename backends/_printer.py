"""The house-style SymPy code printer that every backend specialises with a table.

Input: a SymPy expression in plain symbols (no Derivative, no undefined Function).
Output: a Python expression string. A backend subclass sets ``module`` (the alias the
generated code uses, ``torch`` or ``jnp``) and ``functions`` (SymPy name -> framework
name); everything else is shared: ``x**2`` rather than ``pow(x, 2)``, ``math.pi`` rather
than a 17-digit literal, ``math.sin(1)`` for constant arguments, strict mode so that
anything unprintable raises instead of printing wrong code.
"""

from __future__ import annotations

import sympy
from sympy.printing.pycode import PythonCodePrinter

# SymPy function class name -> name in the array library (shared defaults).
BASE_FUNCTIONS = {
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "asin": "asin",
    "acos": "acos",
    "atan": "atan",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "exp": "exp",
    "log": "log",
    "sqrt": "sqrt",
    "Abs": "abs",
    "sign": "sign",
    "atan2": "atan2",
    "Min": "minimum",
    "Max": "maximum",
}


SMALL_INT = 2**31  # integers from here on print as floats (see _print_Integer)


class FrameworkPrinter(PythonCodePrinter):
    """Prints arithmetic for one array framework; subclasses give ``module``/``functions``."""

    module: str = ""
    functions: dict[str, str] = {}
    # Functions whose every argument must be an array (torch.minimum(u, 1) fails): a
    # constant argument is printed as a 0-dimensional array.
    tensor_only: frozenset[str] = frozenset()

    def _tensor(self, constant: sympy.Expr) -> str:
        return f"{self._module_format(self.module + '.tensor')}({self._print(constant)})"

    _default_settings = dict(
        PythonCodePrinter._default_settings,
        strict=True,
        error_on_reserved=True,
        fully_qualified_modules=True,
    )

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.functions:
            setattr(cls, f"_print_{name}", cls._print_framework_function)

    def _print_framework_function(self, expr: sympy.Function) -> str:
        name = type(expr).__name__
        if not expr.free_symbols:  # a constant: plain Python math
            return getattr(PythonCodePrinter, f"_print_{name}")(self, expr)
        args = [
            self._print(a) if a.free_symbols or name not in self.tensor_only else self._tensor(a)
            for a in expr.args
        ]
        function = self._module_format(f"{self.module}.{self.functions[name]}")
        if name in ("Min", "Max") and len(args) > 2:  # the frameworks' versions are binary
            folded = args[-1]
            for arg in reversed(args[:-1]):
                folded = f"{function}({arg}, {folded})"
            return folded
        return f"{function}({', '.join(args)})"

    def _print_Integer(self, expr: sympy.Integer) -> str:
        # An integer beyond int32 is a float literal: torch cannot take a Python int past
        # int64, nor JAX (32-bit by default) one past int32. Its float is exact to 1e-16.
        if abs(expr.p) >= SMALL_INT:
            return repr(float(expr.p))
        return super()._print_Integer(expr)

    def _print_Rational(self, expr: sympy.Rational) -> str:
        if max(abs(expr.p), expr.q) >= SMALL_INT:
            return repr(float(expr))
        return super()._print_Rational(expr)

    def _print_Pow(self, expr: sympy.Pow, rational: bool = False) -> str:
        if expr.exp == sympy.S.Half or expr.exp == -sympy.S.Half:
            if expr.free_symbols:
                return self._hprint_Pow(expr, rational=False, sqrt=f"{self.module}.sqrt")
        return self._hprint_Pow(expr, rational=True)
