"""Errors raised by readers: one class, a message a user can act on."""

from __future__ import annotations


class ReadError(ValueError):
    """An input could not be turned into an Article (binary, empty, wrong format...).

    `line` is set when only one line of a multi-article file (JSON Lines) was bad: the other
    lines were still read. The error pickles (it crosses process boundaries in the pipeline).
    """

    def __init__(self, name: str, reason: str, line: int | None = None):
        where = f"{name} line {line}" if line is not None else name
        super().__init__(f"{where}: {reason}")
        self.name = name
        self.reason = reason
        self.line = line

    def __reduce__(self):
        return (type(self), (self.name, self.reason, self.line))
