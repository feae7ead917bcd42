"""The pem-block detector: private keys pasted into code strings, logs and JSON.

A PEM key in a file of its own is easy, and the regex rules in keys.toml find it.
The same key inside source code or a log has something around every line:
`"MIIE...\\n" +`, `#6 0.245 MIIE...`, `2026-04-26 12:36:01 MIIE...`, or a whole key
on one line with escaped `\\n`. This detector finds a BEGIN ... PRIVATE KEY
marker, then takes the longest base64 run of each following line (or escaped
line) until the END marker, and reports the block when its body is long and
random enough to be a key. Keys: `min-body` (characters of base64, default 64).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guard import rawget
from guard.detectors.base import Hit
from guard.detectors.checks import shannon
from guard.document import Document
from guard.errors import RuleError

KEYS = frozenset(("min-body",))

_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----")
_END = re.compile(r"-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")
_RUN = re.compile(r"[A-Za-z0-9+/]{16,}={0,2}")
_TAIL = re.compile(r"([A-Za-z0-9+/]{2,15}={0,2})[\s\"'`+,;\\]*$")  # the short last line of a body
_HEADER = re.compile(r"^\s*(?:Proc-Type|DEK-Info|Comment|Version):", re.IGNORECASE)
_ESCAPED = re.compile(r"\\+r\\+n|\\+n")
MAX_LINES = 400


@dataclass(frozen=True, slots=True)
class Prepared:
    min_body: int


def prepare(raw: Mapping[str, Any], where: str, rule_id: str) -> Prepared:
    def fail(key: str, msg: str) -> RuleError:
        return RuleError(where, rule_id, key, msg)

    size = rawget.get(raw, "min-body", int, fail, 64)
    if size < 16:
        raise fail("min-body", "must be at least 16 characters")
    return Prepared(size)


def keywords(prepared: Prepared) -> tuple[str, ...]:
    return ("private key",)


def _pieces(doc: Document, line: int, start: int) -> Iterator[tuple[int, str]]:
    """(line number, text) after the BEGIN marker: the rest of its line, then the following lines.

    A line holding escaped newlines is split on them, all pieces keeping that line's number.
    """
    text = doc.line(line)[start:]
    for part in _ESCAPED.split(text):
        yield line, part
    for n in range(line + 1, line + MAX_LINES):
        text = doc.line(n)
        if not text and not doc.is_added(n) and n > len(doc.lines):
            return
        for part in _ESCAPED.split(text):
            yield n, part


def _block(doc: Document, line: int, start: int) -> tuple[int, str] | None:
    """(last line, base64 body) of the key whose marker ends at `start` on `line`, or None."""
    body: list[str] = []
    for n, part in _pieces(doc, line, start):
        end = _END.search(part)
        if end:
            part = part[: end.start()]
        if _HEADER.match(part):
            continue
        runs = _RUN.findall(part)
        tail = _TAIL.search(part) if not runs and body else None
        if runs:
            body.append(max(runs, key=len))
        elif tail:
            body.append(tail.group(1))
        elif end is None and body and part.strip(" \t\"'`+,;\\"):
            return None  # text that is not key material before the END marker
        if end is not None:
            return (n, "".join(body))
    return None


def detect(p: Prepared, doc: Document) -> Iterator[Hit]:
    seen: set[int] = set()
    for n, text in doc.change.added:
        for m in _BEGIN.finditer(text):
            if n in seen:
                continue
            got = _block(doc, n, m.end())
            if got is None:
                continue
            last, body = got
            if len(body) < p.min_body or shannon(body) < 4.5:
                continue
            seen.update(range(n, last + 1))
            yield Hit(n, last, m.start() + 1, body, reason=f"{m.group(1).lower()} body across lines {n}-{last}")
