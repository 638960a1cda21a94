"""The diagnostics catalogue: every error a `.pde` file can produce, with its exact message,
line, column and caret (docs/language.md), the closest-name suggestions, the CLI's rendering, and
that docs/errors.md shows real, current compiler output for each of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import pdecomp
from pdecomp import PDEError, checks
from pdecomp.cli import main

ROOT = Path(__file__).resolve().parents[1]
H = "coords x, t\ntime t\nfields u\n"
# Each let is three times the size of the one before, but built from shared pieces.
LETS = "coords x, t\nfields u\nlet a1 = u*sin(x) + u\n" + "".join(
    f"let a{k} = a{k - 1}*sin(a{k - 1}) + a{k - 1}\n" for k in range(2, 8)
)

# key (as in docs/errors.md), file text, line, column, exact message
CATALOGUE = [
    (
        "unexpected-character",
        H + "eq heat: u_t = u_xx $ 2\n",
        4,
        21,
        (
            "unexpected character '$'; expected one of ')', '*', '+', ',', '-', '/', '=', '[', "
            "']', '^' or '**', 'coords', 'domain', 'eq', 'fields', 'functions', 'inputs', 'let', "
            "'on', 'params', 'pde', 'time', 'vector'"
        ),
    ),
    (
        "unexpected-token",
        H + "eq heat: u_t = 2 u_xx\n",
        4,
        18,
        (
            "unexpected subscript derivative 'u_xx'; expected one of '*', '+', '-', '/', '[', "
            "'^' or '**', 'coords', 'domain', 'eq', 'fields', 'functions', 'inputs', 'let', 'on', "
            "'params', 'pde', 'time', 'vector', end of file"
        ),
    ),
    (
        "unexpected-end",
        H + "eq heat: u_t = (u_xx + 1\n",
        4,
        25,
        "unexpected end of file; expected one of ')', ','",
    ),
    (
        "glued-keyword",
        H + "eq heat: u_t = u_xx\neqic: u = 0\n",
        5,
        1,
        "unexpected name 'eqic'; write 'eq ic'",
    ),
    (
        "undeclared",
        "coords x, t\nfields u\nparams nu = 0.1\neq heat: dt(u) = nuu*dxx(u)\n",
        4,
        18,
        "undeclared name 'nuu' (did you mean 'nu'?)",
    ),
    (
        "undeclared-later",
        "coords x, t\nfields u\neq heat: dt(u) = nu*dxx(u)\nparams nu = 0.1\n",
        3,
        18,
        "undeclared name 'nu' (it is declared later, at line 4, column 8)",
    ),
    (
        "duplicate",
        "coords x, t\nfields u, x\neq heat: dt(u) = dxx(u)\n",
        2,
        11,
        "duplicate declaration of 'x' (already declared as a coordinate at line 1, column 8)",
    ),
    (
        "underscore",
        "coords x, t\nfields u_1\neq heat: dt(u_1) = 0\n",
        2,
        8,
        "'u_1': names may not contain '_' (it is reserved for subscript derivatives such as u_x)",
    ),
    (
        "reserved-builtin",
        "coords x, t\nfields u\nparams exp = 2\neq heat: dt(u) = exp*dxx(u)\n",
        3,
        8,
        "'exp' is a reserved name (a built-in function); choose another name",
    ),
    (
        "reserved-python",
        "coords x, t\nfields lambda\neq heat: dt(lambda) = 0\n",
        2,
        8,
        "'lambda' is a reserved name (a Python keyword); choose another name",
    ),
    (
        "reserved-generated",
        "coords x, t\nfields torch\neq heat: dt(torch) = 0\n",
        2,
        8,
        "'torch' is a reserved name (used by the generated code); choose another name",
    ),
    (
        "reserved-keyword",
        "coords x, t\nfields u\ninputs eq\neq heat: dt(u) = 0\n",
        3,
        8,
        "'eq' is a reserved name (a keyword of the language); choose another name",
    ),
    (
        "duplicate-pde",
        "pde heat\npde diffusion\ncoords x, t\nfields u\neq dt(u) = dxx(u)\n",
        2,
        5,
        "duplicate 'pde' statement: the system is already named",
    ),
    (
        "duplicate-time",
        "coords x, t\ntime t\ntime x\nfields u\neq dt(u) = dxx(u)\n",
        3,
        6,
        "duplicate 'time' statement: time is already 't'",
    ),
    (
        "time-undeclared",
        "coords x, t\ntime tau\nfields u\neq dt(u) = dxx(u)\n",
        2,
        6,
        "undeclared coordinate 'tau'",
    ),
    (
        "time-not-coordinate",
        "coords x, t\nfields u\ntime u\neq dt(u) = dxx(u)\n",
        3,
        6,
        "'time' must name a coordinate; 'u' is not one",
    ),
    (
        "no-coords",
        "fields u\neq u = 1\n",
        2,
        1,
        "no 'coords' declared: a system needs at least one",
    ),
    ("no-fields", "coords x\n", 1, 1, "no 'fields' declared: a system needs at least one"),
    (
        "no-equation",
        "coords x, t\nfields u\n",
        2,
        1,
        "no 'eq' statement: a system needs at least one equation",
    ),
    (
        "duplicate-equation",
        H + "eq heat: dt(u) = dxx(u)\neq heat: u = 0\n",
        5,
        4,
        "duplicate equation name 'heat' (first used at line 4)",
    ),
    (
        "no-field",
        H + "params nu = 1\neq heat: nu*sin(x) = 0\n",
        5,
        4,
        "equation 'heat' uses no field",
    ),
    (
        "param-not-constant",
        "coords x, t\nfields u\nparams k = 2*x\neq dt(u) = k*dxx(u)\n",
        3,
        14,
        "a parameter default must be a constant expression; 'x' is a coordinate",
    ),
    (
        "param-derivative",
        "coords x, t\nfields u\nparams k = dx(2)\neq dt(u) = k*dxx(u)\n",
        3,
        12,
        "a parameter default must be a constant expression; 'dx' is a derivative",
    ),
    (
        "function-as-value",
        H + "eq heat: dt(u) = sin*u\n",
        4,
        18,
        "'sin' is a function; call it as sin(...)",
    ),
    (
        "unknown-function",
        H + "eq heat: dt(u) = sinn(u)\n",
        4,
        18,
        "unknown function 'sinn' (did you mean 'sin'?)",
    ),
    (
        "unknown-shorthand",
        H + "eq heat: dt(u) = dxy(u)\n",
        4,
        18,
        "unknown function 'dxy' (did you mean 'dx'?)",
    ),
    ("not-a-function", H + "eq heat: dt(u) = u(x)\n", 4, 18, "'u' is a field, not a function"),
    ("arity", H + "eq heat: dt(u) = atan2(u)\n", 4, 18, "atan2() takes 2 arguments, got 1"),
    (
        "lap-no-space",
        "coords t\ntime t\nfields u\neq dt(u) = lap(u)\n",
        4,
        12,
        "lap() needs at least one coordinate that is not time",
    ),
    (
        "not-a-coordinate",
        H + "params nu = 1\neq heat: dt(u) = d(u, nu)\n",
        5,
        23,
        (
            "derivative with respect to 'nu', which is not a coordinate (a parameter; "
            "coordinates: x, t)"
        ),
    ),
    (
        "derivative-of-input",
        H + "inputs f\neq heat: dt(u) = dx(f)\n",
        5,
        18,
        (
            "derivative of input 'f': inputs are data sampled at the points, not functions, and "
            "cannot be differentiated"
        ),
    ),
    (
        "ambiguous-shorthand",
        "coords x, xx\nfields u\neq dxxx(u) = 0\n",
        3,
        4,
        (
            "ambiguous shorthand 'dxxx(...)': 'xxx' splits into coordinates as 'xx x' or as 'x "
            "xx'; write d(expr, ...) instead"
        ),
    ),
    (
        "bad-subscript",
        H + "eq heat: u_t = u_xy\n",
        4,
        16,
        "'u_xy': 'xy' is not a sequence of coordinates (coordinates: x, t)",
    ),
    (
        "empty-subscript",
        H + "eq heat: u_ = u_xx\n",
        4,
        10,
        "'u_': a subscript derivative needs coordinates after '_', as in u_x",
    ),
    (
        "d-arguments",
        H + "eq heat: d(u) = u_xx\n",
        4,
        10,
        "d() needs an expression and at least one coordinate: d(u, x)",
    ),
    (
        "d-count-first",
        H + "eq heat: d(u, 2) = u_xx\n",
        4,
        15,
        "a derivative count must follow a coordinate",
    ),
    (
        "d-count",
        H + "eq heat: d(u, x, 1.5) = u_t\n",
        4,
        18,
        "derivative count must be a positive integer, got '1.5'",
    ),
    (
        "d-expression",
        H + "eq heat: d(u, 2*x) = u_t\n",
        4,
        15,
        "expected a coordinate name or a count in d(expr, ...)",
    ),
    (
        "order",
        H + "eq heat: d(u, x, 12) = u_t\n",
        4,
        10,
        "derivative of order 12 is beyond the supported maximum of 10",
    ),
    ("division-by-zero", H + "eq heat: u_t = u_xx/(x - x)\n", 4, 22, "division by zero"),
    ("not-real", H + "eq heat: u_t = u_xx + acos(2)\n", 4, 23, "'acos(2)' is not a real number"),
    (
        "not-finite",
        H + "params nu = log(0)\neq heat: u_t = nu*u_xx\n",
        4,
        13,
        "'log(0)' is not finite",
    ),
    (
        "out-of-range",
        H + "eq heat: u_t = u_xx + E^1000\n",
        4,
        23,
        "'E^1000' is out of floating-point range",
    ),
    (
        "number-out-of-range",
        H + "eq heat: u_t = 1e400*u_xx\n",
        4,
        16,
        "number '1e400' is out of range",
    ),
    (
        "too-many-digits",
        H + "eq heat: u_t = (10^300)^5*u_xx\n",
        4,
        16,
        "'(10^300)^5' has too many digits",
    ),
    (
        "number-digits",
        H + "eq heat: u_t = 3." + "1" * 110 + "*u_xx\n",
        4,
        16,
        "number '3.111111111111111111...' has 111 digits (at most 100)",
    ),
    ("non-ascii-digits", H + "eq heat: u_t = ٢*u_xx\n", 4, 16, "number '٢' has non-ASCII digits"),
    (
        "exponent",
        H + "eq heat: u_t = u^2000\n",
        4,
        18,
        "exponent too large (at most 1000 in absolute value)",
    ),
    (
        "nesting",
        H + "eq heat: u_t = " + "sin(" * 151 + "u" + ")" * 151 + "\n",
        4,
        612,
        "expression nested too deeply (more than 150 levels)",
    ),
    (
        "too-large",
        H + "eq heat: d(sin(exp(u*u*sin(u))), x, 8) = 0\n",
        4,
        10,
        (
            "expression too large: 14600 nodes once let names and derivatives are expanded (at "
            "most 10000)"
        ),
    ),
    (
        "too-much-differentiation",
        LETS + "".join(f"eq e{i}: dxt(a4) + {i} = 0\n" for i in range(1, 17)),
        15,
        8,
        "too much to differentiate: the derivatives in this file expand to more than 10000 nodes",
    ),
    (
        "total-size",
        LETS + "".join(f"eq e{i}: a7 + {i} = 0\n" for i in range(1, 20)),
        22,
        4,
        (
            "the equations are too large together: more than 100000 nodes once let names and "
            "derivatives are expanded"
        ),
    ),
]


def _error(text: str) -> PDEError:
    with pytest.raises(PDEError) as info:
        pdecomp.loads(text, "example.pde")
    return info.value


@pytest.mark.parametrize(
    ("key", "text", "line", "column", "message"), CATALOGUE, ids=[row[0] for row in CATALOGUE]
)
def test_catalogue(key, text, line, column, message):
    error = _error(text)
    assert error.message == message
    assert (error.line, error.column) == (line, column)
    head, shown, caret = str(error).split("\n")
    assert head == f"example.pde:{line}:{column}: error: {message}"
    source_line = text.split("\n")[line - 1]
    assert shown.startswith("    ") and caret.startswith("    ")
    assert caret.strip() == "^"
    under = shown[4:][caret.index("^") - 4] if caret.index("^") - 4 < len(shown) - 4 else ""
    if column <= len(source_line):  # the caret stands under the offending character
        assert under == source_line[column - 1]
    else:  # end of file: just after the last character
        assert caret.index("^") - 4 == len(shown) - 4
    if len(source_line) <= 200:
        assert shown[4:] == source_line.rstrip()


def test_catalogue_keys_are_unique():
    keys = [row[0] for row in CATALOGUE]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("coords x, t\nfields u\nparams nu = 1\neq u_t = nuu", "nu"),
        ("coords x, t\nfields velocity\neq dt(velocty) = 0", "velocity"),
        ("coords x, t\nfields u\neq dt(u) = sinn(u)", "sin"),
        ("coords x, t\nfields u\neq dt(u) = exq(u)", "exp"),
        ("coords x, t\nfields u\neq dt(u) = lapp(u)", "lap"),
        ("coords x, t\nfields u\neq dt(u) = dxy(u)", "dx"),
        ("coords x, t\nfields u\neq dt(u) = pii*u", "pi"),
        ("coords x, time1\ntime time2\nfields u\neq u = 0", "time1"),
        ("coords x, t\nfields u\ninputs f\neq dt(u) = ff", "f"),
    ],
)
def test_closest_name_is_suggested(text, suggestion):
    assert _error(text).message.endswith(f"(did you mean '{suggestion}'?)")


@pytest.mark.parametrize(
    "text",
    [
        "coords x, t\nfields u\neq dt(u) = zzz",  # nothing close
        "coords x, t\nfields u\neq dt(u) = nu\nparams nu = 1",  # declared later: say so
    ],
)
def test_no_misleading_suggestion(text):
    message = _error(text).message
    assert "did you mean" not in message
    name = re.search(r"'(\w+)'", message).group(1)
    assert f"'{name}'?" not in message


def test_never_suggests_the_name_itself():
    message = _error("coords x, t\nfields dx\neq dx(dx) = 0").message
    assert message.startswith("'dx' is a field, not a function")
    assert "'dx'?" not in message


def test_cli_prints_the_diagnostic_and_exits_1(tmp_path, capsys):
    key, text, line, column, message = CATALOGUE[3]
    path = tmp_path / "example.pde"
    path.write_text(text)
    assert main(["check", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == str(_error(text)).replace("example.pde", str(path), 1) + "\n"


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.pde"
    path.write_bytes("coords x\nfields \u00fc\n".encode("latin-1"))
    with pytest.raises(PDEError, match=r"file is not UTF-8 text \(invalid start byte\)"):
        pdecomp.load(path)


def test_not_utf8_names_the_file(tmp_path):
    path = tmp_path / "latin1.pde"
    path.write_bytes("coords x\nfields \u00fc\n".encode("latin-1"))
    with pytest.raises(PDEError) as info:
        pdecomp.load(path)
    assert info.value.file == str(path)


def test_file_too_large():
    text = "# " + "x" * checks.MAX_SOURCE_CHARS
    error = _error(text)
    limit = checks.MAX_SOURCE_CHARS
    assert error.message == f"file too large: {len(text)} characters (at most {limit})"
    assert (error.line, error.column) == (1, 1)


# ---- docs/errors.md shows real output ------------------------------------------------

DOC = ROOT / "docs" / "errors.md"
EXAMPLE = re.compile(
    r"```pde\n(.*?)\n```\s*```text\n\$ pdecomp check example.pde\n(.*?)\n```", re.S
)


def test_docs_show_current_output():
    examples = EXAMPLE.findall(DOC.read_text(encoding="utf-8"))
    assert len(examples) >= 40
    for text, shown in examples:
        assert str(_error(text + "\n")) == shown


def test_docs_list_every_diagnostic():
    doc = DOC.read_text(encoding="utf-8")
    missing = [row[0] for row in CATALOGUE if f"`{row[0]}`" not in doc]
    assert not missing
    for limit in ("MAX_SOURCE_CHARS", "MAX_EXPRESSION_SIZE", "MAX_DIFFERENTIATION_WORK"):
        assert f"| `{limit}` | {getattr(checks, limit):,} |" in doc
