"""One error type for every problem in a `.pde` file, and the one function that renders it.

Input: a message and a source span (file, line, column). Output: the text
``FILE:LINE:COL: error: message`` followed by the offending line and a caret.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from pdecomp.ir import Span


class PDEError(Exception):
    """A problem in a `.pde` file, located at ``.line`` / ``.column`` (both from 1).

    ``str(error)`` is the full diagnostic: location, message, source line and caret.
    ``.message`` is the message alone.
    """

    def __init__(self, message: str, span: Span | None = None, source: str | None = None):
        self.message = message
        self.span = span if span is not None else Span("<input>", 1, 1)
        self.source = source
        super().__init__(self.render())

    @property
    def file(self) -> str:
        return self.span.file

    @property
    def line(self) -> int:
        return self.span.line

    @property
    def column(self) -> int:
        return self.span.column

    def with_source(self, source: str) -> PDEError:
        """The same error, rendered with the source text (for the line and caret)."""
        return PDEError(self.message, self.span, source)

    def render(self) -> str:
        head = f"{self.span.file}:{self.span.line}:{self.span.column}: error: {self.message}"
        if self.source is None:
            return head
        lines = self.source.split("\n")  # as the lexer counts lines: '\r' alone is no break
        if not 1 <= self.span.line <= len(lines):
            return head
        # One display character per source character, so the caret stays in its column.
        text = "".join(
            c if c.isprintable() and not c.isspace() else " " for c in lines[self.span.line - 1]
        ).rstrip()
        if len(text) > 200:  # keep the caret readable on very long lines
            start = max(0, self.span.column - 100)
            text = text[start : start + 200]
            caret_at = self.span.column - start
        else:
            caret_at = self.span.column
        return f"{head}\n    {text}\n    {' ' * (caret_at - 1)}^"


class PDEWarning(UserWarning):
    """A `.pde` file that means something its author may not have meant.

    The message starts with ``FILE:LINE:COL: warning:``; the file still compiles.
    """


def warn(message: str, span: Span) -> None:
    """Issue a :class:`PDEWarning` located at ``span``."""
    import warnings

    where = f"{span.file}:{span.line}:{span.column}"
    warnings.warn(PDEWarning(f"{where}: warning: {message}"), stacklevel=2)


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest candidate, or an empty string."""
    others = sorted(set(candidates) - {name})  # never suggest the name itself
    close = difflib.get_close_matches(name, others, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
