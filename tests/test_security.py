"""No code execution from `.pde` text: hostile files compile to safe code or fail clearly.

Three kinds of check:

- hostile files (Python builtins and keywords as names, dunders, look-alike letters,
  quotes, backticks, very long names) either raise PDEError or compile to a module that
  passes :func:`assert_safe_module`: an `ast` scan in which every identifier is a declared
  user name, a name derived from one (``u_xx``, ``eq_name``, ``_s0``) or one the code
  generator itself writes (learned from a reference file with innocuous names), user names
  appear only as locals of the equation functions they are parameters of, every string
  constant is either generator text or made of validated names, and docstrings contain
  only the reference's words plus declared names and numbers;
- a static scan of ``pdecomp/`` and ``backends/`` for calls that evaluate text (``eval``,
  ``exec``, ``sympify``, ``parse_expr``, ``lambdify``, ...);
- a dynamic check: with ``eval``/``exec`` on strings and SymPy's ``parse_expr`` made to
  fail, loading and compiling hostile files still works.
"""

from __future__ import annotations

import ast
import builtins
import re
from functools import cache
from pathlib import Path

import pytest

import pdecomp
from pdecomp import PDEError
from pdecomp.backends import BACKENDS

ROOT = Path(__file__).resolve().parents[1]
PRINTED_METHODS = ("zcs", "zcs-fwd", "funcloop", "datavect")

# Uses every function, constant and statement, with names that occur nowhere else.
REFERENCE = """
pde referenceq
coords xq, tq
time tq
fields uq, vq
params nuq = 0.01/pi, kq = sqrt(2) + E + exp(3) + log(3) + acos(0.5) + atan2(1, 2)
inputs fq
let gq = sin(pi*xq)
eq aq: dtq(uq) + uq*dxq(uq) = nuq*dxqxq(uq) + fq + gq + cos(xq) + tan(xq) + asin(uq) + acos(uq)
eq bq: sinh(uq) + cosh(uq) + tanh(uq) + exp(uq) + log(uq) + sqrt(uq) + abs(uq) + sign(uq) = 0
eq cq: atan2(uq, vq) + min(uq, vq) + max(uq, vq) + E^xq + pi*vq + vq_xqtq + uq^2.5 = kq*lap(vq)
eq dq: atan(uq) + uq^(1/3) = 0
"""
MINIMAL = "coords xq\nfields uq\neq aq: uq = 1\n"  # no derivatives, params or inputs
REFERENCE_USER = {"referenceq", "xq", "tq", "uq", "vq", "nuq", "kq", "fq", "gq"}
REFERENCE_USER |= {"aq", "bq", "cq", "dq"}
EVALUATORS = {"eval", "exec", "compile", "__import__", "open", "input", "breakpoint"}
_DERIVED = re.compile(r"_s\d+")  # sympy.cse temporaries


def _identifiers(tree: ast.AST) -> list[tuple[str, ast.AST]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.append((node.id, node))
        elif isinstance(node, ast.arg):
            found.append((node.arg, node))
        elif isinstance(node, ast.Attribute):
            found.append((node.attr, node))
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            found.append((node.name, node))
        elif isinstance(node, ast.alias):
            found += [(n, node) for n in (node.name, node.asname) if n]
        elif isinstance(node, ast.keyword) and node.arg:
            found.append((node.arg, node))
    return found


def _docstrings(tree: ast.Module) -> list[str]:
    nodes = [tree] + [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]
    return [d for d in (ast.get_docstring(n, clean=False) for n in nodes) if d]


def _strings(tree: ast.Module) -> set[str]:
    docs = {id(n.body[0].value) for n in [tree, *ast.walk(tree)] if _has_docstring(n)}
    return {
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
    }


def _has_docstring(node) -> bool:
    return (
        isinstance(node, ast.Module | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
        and isinstance(node.body[0].value.value, str)
    )


def _words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*|[^\sA-Za-z0-9_.]", text))


@cache
def _generator_vocabulary(backend: str, method: str) -> tuple[frozenset, frozenset, frozenset]:
    """Identifiers, strings and docstring words the generator writes on its own."""
    names, strings, words = set(), set(), set()
    for text in (REFERENCE, MINIMAL):
        pde = pdecomp.compile(pdecomp.loads(text, "reference.pde"), backend, method)
        tree = ast.parse(pde.source)
        user = REFERENCE_USER | set(pde.plan.derivatives) | {f"eq_{n}q" for n in "abcd"}
        names |= {n for n, _ in _identifiers(tree)} - user
        strings |= _strings(tree) - user - {s for _, s in pde.plan.derivatives.values()}
        words |= set().union(*map(_words, _docstrings(tree))) - user
    assert not names & EVALUATORS, names & EVALUATORS
    return frozenset(names), frozenset(strings), frozenset(words)


def assert_safe_module(pde) -> None:
    """The generated module holds user text only as validated names and numbers."""
    system, plan = pde.system, pde.plan
    fixed_names, fixed_strings, fixed_words = _generator_vocabulary(pde.backend, pde.method)
    user = {*system.coords, *system.fields, *system.inputs, *(p.name for p in system.params)}
    user |= set(system.lets) | set(system.equations) | {system.name}
    suffixes = {node.suffix for node in plan.chain}
    derived = set(plan.derivatives) | {f"eq_{name}" for name in system.equations}
    tree = ast.parse(pde.source)

    for name, _ in _identifiers(tree):
        known = name in fixed_names or name in user or name in derived
        assert known or _DERIVED.fullmatch(name), f"unexpected identifier {name!r}"
    _assert_user_names_are_locals(tree, (user | set(plan.derivatives)) - fixed_names)

    for text in _strings(tree):
        made_of_names = text in user or text in derived or text in suffixes
        assert text in fixed_strings or made_of_names, f"unexpected string {text!r}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant):
            assert not isinstance(node.value, complex | bytes), f"constant {node.value!r}"
    source_name = Path(system.file).name  # written in the header: safe only if plain
    plain = _words(source_name) if re.fullmatch(r"[A-Za-z0-9_.<>-]+", source_name) else set()
    for doc in _docstrings(tree):
        for word in _words(doc) - fixed_words - user - derived - plain:
            shorthand = word.startswith("d") or "_" in word  # dxx(...), u_xt as written
            assert shorthand and re.fullmatch(r"[A-Za-z0-9_]+", word), f"docstring word {word!r}"
        assert '"""' not in doc and "\\" not in doc
        assert all(c.isprintable() or c == "\n" for c in doc), repr(doc)


def _assert_user_names_are_locals(tree: ast.Module, names: set[str]) -> None:
    """A user name is read only inside an equation function that takes it as a parameter."""
    allowed: set[int] = set()
    for function in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        params = {a.arg for a in function.args.args}
        if function.name.startswith("eq_"):
            allowed |= {
                id(n)
                for n in ast.walk(function)
                if isinstance(n, ast.Name) and (n.id in params or _DERIVED.fullmatch(n.id))
            }
            allowed |= {id(a) for a in function.args.args}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name | ast.arg):
            name = node.id if isinstance(node, ast.Name) else node.arg
            if name in names:
                assert id(node) in allowed, f"user name {name!r} outside its equation function"


HOSTILE = {
    "python builtins as names": (
        "coords os, sys\nfields exec, eval, print\nparams open = 1, compile = 2\n"
        "inputs globals\nlet getattr = exec*eval\n"
        "eq system: dos(exec) + dsys(eval) + print = open*compile*getattr + globals"
    ),
    "generated module's own names": (
        "coords COORDS, FIELDS\nfields EQUATIONS, residuals, residual\n"
        "params values = 1, env = 2, name = 3, keys = 4\ninputs wanted\n"
        "eq DERIVATIVES: dCOORDS(EQUATIONS) + residuals*residual = values*env*name*wanted*keys"
    ),
    "sympy-looking names": (
        "coords I, N\nfields S, Symbol, Integer, oo, zoo, nan\nparams Rational = 1\n"
        "eq Function: dI(S) + dN(Symbol) + Integer + oo*zoo*nan = Rational"
    ),
    "math names": "coords e, inf\nfields sinh2, cbrt\neq de(sinh2) + dinf(cbrt) = 0",
    "very long names": (
        "coords x\nfields " + "u" * 5000 + "\neq " + "q" * 5000 + ": dx(" + "u" * 5000 + ") = 1"
    ),
    "digits in names": "coords x1, x2\nfields u1\neq e1: u1_x1x2 + d(u1, x2, 2) = 0",
}

REFUSED = {
    "dunder name": ("fields __import__", "names may not contain '_'"),
    "dunder call": ("eq __import__(u)", "unknown function '__import__'"),
    "python keyword": ("fields lambda", "'lambda' is a reserved name \\(a Python keyword\\)"),
    "soft keyword": ("fields match", "'match' is a reserved name \\(a Python keyword\\)"),
    "None": ("params None = 1", "'None' is a reserved name"),
    "True": ("inputs True", "'True' is a reserved name"),
    "framework alias": ("fields jnp", "'jnp' is a reserved name \\(used by the generated code\\)"),
    "math module": ("params math = 1", "'math' is a reserved name"),
    "equation named lambda": ("eq lambda: u = 0", "'lambda' is a reserved name"),
    "system named import": ("pde import", "'import' is a reserved name"),
    "cyrillic a": ("fields \u0430", "unexpected character '\u0430'"),
    "greek nu": ("params \u03bd = 1", "unexpected character '\u03bd'"),
    "fullwidth letter": ("fields \uff55", "unexpected character '\uff55'"),
    "non-ascii digit": ("eq u = \u0663", "non-ASCII digits"),
    "double quotes": ('eq u = "os"', "unexpected character '\"'"),
    "single quotes": ("eq u = 'os'", 'unexpected character "\'"'),
    "triple quotes": ('eq u = """', "unexpected character '\"'"),
    "backticks": ("eq u = `os`", "unexpected character '`'"),
    "backslash": ("eq u = \\x41", "unexpected character '\\\\\\\\'"),
    "semicolon": ("eq u = 1; import os", "unexpected character ';'"),
    "at sign": ("eq u = @os", "unexpected character '@'"),
    "brackets": ("eq u = [1]", "unexpected character '\\['"),
    "dot access": ("eq u = u.real", "unexpected"),
    "lambda syntax": ("eq u = lambda: 1", "unexpected"),
    "nul byte": ("eq u = \x00", "unexpected character '\\\\x00'"),
    "call of a field": ("eq u(x) = 1", "'u' is a field, not a function"),
}


@pytest.mark.parametrize("backend", list(BACKENDS))
@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_names_compile_to_safe_code(name, backend):
    system = pdecomp.loads(HOSTILE[name], "hostile.pde")
    pde = pdecomp.compile(system, backend=backend)
    assert_safe_module(pde)


@pytest.mark.parametrize("method", PRINTED_METHODS)
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_every_method_passes_the_scan(backend, method):
    pde = pdecomp.compile(pdecomp.loads(HOSTILE["python builtins as names"]), backend, method)
    assert_safe_module(pde)


@pytest.mark.parametrize("name", list(REFUSED))
def test_hostile_text_is_refused(name):
    body, message = REFUSED[name]
    text = "coords x\nfields u\n" + body + "\neq u = 1\n"
    with pytest.raises(PDEError, match=message) as info:
        pdecomp.loads(text, "hostile.pde")
    error = info.value
    assert error.line == 3 and 1 <= error.column <= len(body) + 1, str(error)
    assert str(error).startswith(f"hostile.pde:3:{error.column}: error: ")


def test_the_scan_catches_user_text_outside_names():
    """The scanner itself works: smuggled calls, strings and misplaced names fail it."""
    pde = pdecomp.compile(pdecomp.loads("coords x\nfields u\neq e: u = 1"), "torch")
    clean = pde.source
    smuggled = {
        "unexpected identifier '__import__'": ("return u", "return __import__('os') or u"),
        "unexpected string 'e; import os'": ('"e": (eq_e', '"e; import os": (eq_e'),
        "user name 'x' outside": ('COORDS = ("x",)', "COORDS = (x,)"),
        "docstring word": ('"""e: u = 1"""', '"""e: u = 1; import os"""'),
    }
    for message, (old, new) in smuggled.items():
        assert old in clean, old
        pde.source = clean.replace(old, new, 1)
        with pytest.raises(AssertionError, match=re.escape(message)):
            assert_safe_module(pde)


@pytest.mark.xfail(
    strict=True,
    reason="the file name reaches the module docstring unescaped (backends/base.py _header); "
    "see the report of issue 8 for the proposed fix",
)
@pytest.mark.parametrize("name", ['a"""b.pde', "a\\N.pde", "a\\x.pde"])
def test_hostile_file_names(tmp_path, name):
    path = tmp_path / name
    path.write_text("coords x\nfields u\neq u = 1\n")
    pde = pdecomp.compile(path, backend="torch")  # must neither raise nor run code
    assert_safe_module(pde)


# ---- static and dynamic checks that no text is evaluated ----------------------------

FORBIDDEN_CALLS = {"eval", "exec", "sympify", "parse_expr", "lambdify", "__import__", "S"}
# Calls that take a name from a fixed table or run generated code that the scan above
# checks; each is allowed in exactly one file.
ALLOWED_CALLS = {
    ("backends/__init__.py", "import_module"),  # BACKENDS[name] after checking name
    ("pdecomp/runtime.py", "exec_module"),  # the generated source, held in memory
}


def test_no_text_evaluation_in_the_compiler():
    sources = sorted((ROOT / "pdecomp").glob("*.py")) + sorted((ROOT / "backends").glob("*.py"))
    assert len(sources) >= 10
    found = []
    for path in sources:
        relative = path.relative_to(ROOT).as_posix()
        for name, receiver, line in _calls(path):
            where = f"{relative}:{line}: {receiver + '.' if receiver else ''}{name}()"
            if name in FORBIDDEN_CALLS:
                found.append(where)
            elif name in ("import_module", "exec_module") and (relative, name) not in ALLOWED_CALLS:
                found.append(where)
            elif name == "compile" and not _is_pdecomp_compile(path, receiver):
                found.append(where)
    assert not found, found


def _calls(path: Path) -> list[tuple[str, str, int]]:
    """(name, receiver, line) of every call: ``re.compile(...)`` is ("compile", "re", n)."""
    calls = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                calls.append((func.id, "", node.lineno))
            elif isinstance(func, ast.Attribute):
                receiver = func.value.id if isinstance(func.value, ast.Name) else "?"
                calls.append((func.attr, receiver, node.lineno))
    return calls


def _is_pdecomp_compile(path: Path, receiver: str) -> bool:
    if receiver:
        return receiver in ("pipeline", "pdecomp", "re")
    return _defines_compile(path)


def _defines_compile(path: Path) -> bool:
    """The module's own `compile` is pdecomp's (defined or imported), not the builtin."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "compile":
            return True
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pdecomp"):
            if any(a.name == "compile" for a in node.names):
                return True
    return False


def test_templates_of_generated_code_evaluate_no_text():
    for backend in BACKENDS:
        module = pdecomp.backends.get(backend)
        for template in [module.runtime, *module.methods.values()]:
            names = {n for n, _ in _identifiers(ast.parse(template))}
            assert not names & (EVALUATORS | FORBIDDEN_CALLS), names & EVALUATORS


CANARY = (
    "coords zqxcanaryx\nfields zqxcanaryu\nparams zqxcanaryp = 1\ninputs zqxcanaryi\n"
    "let zqxcanaryl = zqxcanaryu^2\n"
    "eq zqxcanarye: dzqxcanaryx(zqxcanaryl) + zqxcanaryi = zqxcanaryp\n"
)


def test_loading_and_compiling_never_evaluates_text(monkeypatch):
    """With eval/exec recording their text and parse_expr refusing, compile hostile files."""
    import sympy.parsing.sympy_parser as sympy_parser

    evaluated = []

    def recording(original):
        def guarded(source, *args, **kwargs):
            if isinstance(source, str | bytes):
                evaluated.append(str(source))
            return original(source, *args, **kwargs)

        return guarded

    def refuse(*args, **kwargs):
        raise AssertionError("parse_expr called")

    monkeypatch.setattr(builtins, "eval", recording(builtins.eval))
    monkeypatch.setattr(builtins, "exec", recording(builtins.exec))
    monkeypatch.setattr(sympy_parser, "parse_expr", refuse)
    for text in [CANARY, *HOSTILE.values(), REFERENCE]:
        system = pdecomp.loads(text)
        for backend in BACKENDS:
            pdecomp.compile(system, backend=backend)
    for body, _ in REFUSED.values():
        with pytest.raises(PDEError):
            pdecomp.loads("coords x\nfields u\n" + body + "\neq u = 1\n")
    assert not [text for text in evaluated if "zqxcanary" in text or "hostile" in text]
