"""A name bound to a value somewhere in a file: what the extractors hand the judge."""

from __future__ import annotations

from typing import NamedTuple


class Pair(NamedTuple):
    name: str  # the credential-like name as written, e.g. "DB_PASSWORD", "--token"
    value: str  # the literal value (quotes removed)
    line: int  # 1-based line of the value's first character
    column: int  # 1-based column of the value's first character
    end_line: int  # 1-based line of the value's last character
    literal: bool  # known to be literal text (string literal, quoted, config value), not a bare word from prose
    where: str  # how it was bound, for the reason: "a string literal in python", "an .env file", ...
    example: bool = False  # inside a list of examples, samples or fixtures: reported with low confidence at most
    prose: bool = False  # inside a docstring (a string that is a statement of its own): medium confidence at most
