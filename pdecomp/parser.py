"""Stage 1: `.pde` text -> Lark parse tree.

The grammar is ``pdecomp/grammar/pde.lark`` (shipped as package data). Lark's own
exceptions stop here: every syntax error leaves as a :class:`PDEError` that says what
was found and what was expected.
"""

from __future__ import annotations

import functools
import re

from lark import Lark, Tree, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from pdecomp.checks import MAX_SOURCE_CHARS, UNDERSCORE_RESERVED
from pdecomp.errors import PDEError
from pdecomp.ir import Span

# How an unexpected token of these kinds is named in messages.
_TOKEN_WORDS = {"NAME": "name", "NUMBER": "number", "SUBSCRIPT": "subscript derivative"}
# How terminals defined by a regular expression are named in messages.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "NUMBER": "a number",
    "SUBSCRIPT": "a subscript derivative such as u_x",
    "$END": "end of file",
}


@functools.cache
def grammar() -> Lark:
    """The LALR parser for the `.pde` language (built once per process)."""
    return Lark.open_from_package(
        "pdecomp.grammar",
        "pde.lark",
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=True,
    )


def parse(text: str, file: str = "<input>") -> Tree:
    """Parse `.pde` source text into a Lark tree, or raise PDEError."""
    if len(text) > MAX_SOURCE_CHARS:
        message = f"file too large: {len(text)} characters (at most {MAX_SOURCE_CHARS})"
        raise PDEError(message, Span(file, 1, 1))
    try:
        tree = grammar().parse(text)
    except UnexpectedInput as error:
        raise _syntax_error(error, text, file) from None
    _check_keywords(tree, text, file)
    return tree


# The keyword each statement starts with.
_KEYWORDS = {
    "system_name": "pde",
    "coords": "coords",
    "time": "time",
    "fields": "fields",
    "params": "params",
    "inputs": "inputs",
    "functions": "functions",
    "let": "let",
    "equation": "eq",
    "anonymous_equation": "eq",
    "vector": "vector",
    "domain": "domain",
}


def _check_keywords(tree: Tree, text: str, file: str) -> None:
    """Refuse a keyword glued to a name: ``eqic: u = 0`` is not ``eq ic: u = 0``.

    Keywords are plain strings in the grammar, and where no name can stand (after a
    complete statement) the lexer reads the keyword's letters and leaves the rest.
    """
    for statement in tree.children:
        keyword = _KEYWORDS.get(statement.data)
        if keyword is None:  # pragma: no cover - every statement starts with a keyword
            continue
        start = statement.meta.start_pos
        after = text[start + len(keyword) : start + len(keyword) + 1]
        if after.isascii() and (after.isalnum() or after == "_"):
            word = re.match(r"\w*", text[start:]).group()
            message = f"unexpected name '{word}'; write '{keyword} {word[len(keyword) :]}'"
            raise PDEError(message, Span(file, statement.meta.line, statement.meta.column), text)


def describe_terminal(name: str) -> str:
    """A terminal as a reader knows it: ``'('``, ``'coords'``, ``a name``."""
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    pattern = grammar().get_terminal(name).pattern
    if pattern.type == "str":
        return f"'{pattern.value}'"
    return "'^' or '**'" if name == "POW" else name.lower()


def _expected(names) -> str:
    words = sorted({describe_terminal(n) for n in names})
    if not words:
        return ""
    if len(words) == 1:
        return f"; expected {words[0]}"
    return "; expected one of " + ", ".join(words)


def _syntax_error(error: UnexpectedInput, text: str, file: str) -> PDEError:
    line, column = max(error.line, 1), max(error.column, 1)
    if isinstance(error, UnexpectedCharacters):
        char = text[error.pos_in_stream] if error.pos_in_stream < len(text) else ""
        message = f"unexpected character {char!r}"
        if char == "_":
            message += " ('_' is reserved for subscript derivatives such as u_x)"
        # The lexer only lists what it could have read next; that is still useful.
        message += _expected(error.allowed or ())
    elif isinstance(error, UnexpectedEOF) or (
        isinstance(error, UnexpectedToken) and error.token.type == "$END"
    ):
        message = "unexpected end of file" + _expected(error.expected)
        line, column = _end_position(text)
    elif isinstance(error, UnexpectedToken) and _glued_underscore(error.token, text):
        # `fields u_1`: where only a name may stand, the lexer reads `u` then `_1`.
        start = error.token.start_pos
        while start > 0 and text[start - 1].isascii() and text[start - 1].isalnum():
            start -= 1
        word = text[start : error.token.end_pos]
        message = f"'{word}': {UNDERSCORE_RESERVED}"
        column -= error.token.start_pos - start
    elif isinstance(error, UnexpectedToken):
        token = error.token
        kind = _TOKEN_WORDS.get(token.type)
        found = f"{kind} '{token}'" if kind else f"'{token}'"
        message = f"unexpected {found}" + _expected(error.accepts or error.expected)
    else:  # pragma: no cover - Lark has no other UnexpectedInput today
        message = "syntax error"
    return PDEError(message, Span(file, line, column), text)


def _glued_underscore(token, text: str) -> bool:
    """A name starting with '_' right after a letter or digit: ``u_1`` split in two."""
    start = token.start_pos
    return (
        token.type == "NAME" and token.startswith("_") and start > 0 and text[start - 1].isalnum()
    )


def _end_position(text: str) -> tuple[int, int]:
    """Line and column just after the last non-blank character."""
    lines = text.rstrip().split("\n")  # as the lexer counts lines
    return len(lines), len(lines[-1]) + 1
