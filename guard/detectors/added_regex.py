"""The added-regex detector: a pattern on each added line of the selected files.

Keys: `pattern` (a regular expression, matched per line), `unless` (a second
expression: a line that also matches it is not reported, e.g. `yaml.load(`
with a SafeLoader), `requires` (an expression the whole new file must
contain, e.g. a `pull_request_target` trigger), `ignore-case` (default false), `keywords` (prefilter;
without them the rule runs on every change it selects) and the file selection
keys of guard/detectors/select.py (`paths`, `exclude-paths`, `kinds`).

The reported value is the matched text (group `hit` if the pattern names one).
Only added lines are read, so a risk that was already there is not reported
again when a nearby line changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from guard import rawget
from guard.detectors import select
from guard.detectors.base import Hit
from guard.document import Document
from guard.errors import RuleError
from guard.gates import Gate

KEYS = frozenset(("pattern", "unless", "requires", "ignore-case", "keywords")) | select.SELECT_KEYS


@dataclass(frozen=True, slots=True)
class Prepared:
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None
    requires: re.Pattern[str] | None
    keywords: tuple[str, ...]
    where: select.Where


def compile_pattern(source: str, key: str, flags: int, fail: rawget.Fail) -> re.Pattern[str]:
    try:
        return re.compile(source, flags)
    except re.error as e:
        raise fail(key, f"invalid regular expression: {e}") from None


def prepare(raw: Mapping[str, Any], where: str, rule_id: str) -> Prepared:
    def fail(key: str, msg: str) -> RuleError:
        return RuleError(where, rule_id, key, msg)

    flags = re.IGNORECASE if rawget.get(raw, "ignore-case", bool, fail, False) else 0
    optional = {}
    for key in ("unless", "requires"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, str) or not value):
            raise fail(key, "expected a non-empty string")
        optional[key] = compile_pattern(value, key, flags | re.MULTILINE, fail) if value else None
    return Prepared(
        pattern=compile_pattern(rawget.get(raw, "pattern", str, fail), "pattern", flags, fail),
        unless=optional["unless"],
        requires=optional["requires"],
        keywords=select.keywords(raw, fail),
        where=select.parse_where(raw, fail),
    )


def keywords(prepared: Prepared) -> tuple[str, ...]:
    return prepared.keywords


def gate(prepared: Prepared) -> Gate:
    return Gate(prepared.pattern.pattern, bool(prepared.pattern.flags & re.IGNORECASE))


def selects(prepared: Prepared, path: str) -> bool:
    return prepared.where.applies(path)


@cache
def _multiline(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The pattern for one pass over all added lines: ^ and $ still mean a line's ends."""
    return re.compile(pattern.pattern, pattern.flags | re.MULTILINE)


def detect(p: Prepared, doc: Document) -> Iterator[Hit]:
    if not p.where.applies(doc.path):
        return
    if p.requires is not None and not p.requires.search(doc.text or ""):
        return
    group: int | str = "hit" if "hit" in p.pattern.groupindex else 0
    added = doc.change.added
    # With keywords, a match is looked for on the lines that hold one (rules/risk keep them on
    # the matching line); without, one pass over all added text picks the lines.
    indexes = doc.keyword_indexes(p.keywords) if p.keywords else doc.added_indexes(_multiline(p.pattern))
    for i in indexes:
        n, text = added[i]
        if p.unless is not None and p.unless.search(text):
            continue
        for m in p.pattern.finditer(text):
            value = m.group(group)
            if value is None:
                continue
            yield Hit(n, n, m.start(group) + 1, value or m.group(0))
