"""The provider-token detector: keywords, a pattern, a secret group, entropy and checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from guard import rawget
from guard.detectors.base import Hit
from guard.detectors.checks import CHECKS
from guard.detectors.checks import shannon
from guard.document import Document
from guard.document import Region
from guard.errors import RuleError
from guard.gates import Gate

KEYS = frozenset(("pattern", "secret-group", "keywords", "min-entropy", "checks", "allow-values", "window"))
# Lines around a keyword's line that a match may reach; 0 searches whole regions. Patterns that
# clearly span lines (PEM blocks, explicit newlines, DOTALL) search whole regions by default.
DEFAULT_WINDOW = 3
_BLOCK_HINTS = ("BEGIN", "(?s", "PuTTY")  # key blocks: unbounded, search whole regions
NEARBY_WINDOW = 8  # patterns with explicit newlines bind a name to a value a few lines below
_CLASS = re.compile(r"\[(?:\\.|[^\]\\])*\]")  # [^;\n] in a pattern keeps a match on one line


@cache
def _compile(source: str) -> re.Pattern[str]:
    return re.compile(source)


@dataclass(frozen=True, slots=True)
class Prepared:
    """Picklable (the rule cache stores it): patterns are kept as source and compiled on first use."""

    source: str
    group: int | str
    keywords: tuple[str, ...]
    min_entropy: float
    check_names: tuple[str, ...]
    allow_source: str | None
    window: int = DEFAULT_WINDOW

    @property
    def pattern(self) -> re.Pattern[str]:
        return _compile(self.source)

    @property
    def checks(self) -> tuple[Callable[[str], bool], ...]:
        return tuple(CHECKS[n] for n in self.check_names)

    @property
    def allow(self) -> re.Pattern[str] | None:
        return _compile(self.allow_source) if self.allow_source else None


def prepare(raw: Mapping[str, Any], where: str, rule_id: str) -> Prepared:
    def fail(key: str, msg: str) -> RuleError:
        return RuleError(where, rule_id, key, msg)

    source = rawget.get(raw, "pattern", str, fail)
    try:
        pattern = _compile(source)
    except re.error as e:
        raise fail("pattern", f"invalid regular expression: {e}") from None
    group: int | str
    if "secret-group" in raw and isinstance(raw["secret-group"], str):
        group = raw["secret-group"]
        if group not in pattern.groupindex:
            raise fail("secret-group", f"no group named {group!r} in pattern")
    else:
        group = rawget.get(raw, "secret-group", int, fail, 1 if pattern.groups else 0)
        if not 0 <= group <= pattern.groups:
            raise fail("secret-group", f"{group} is not a group of the pattern ({pattern.groups} groups)")
    keywords = tuple(k.lower() for k in rawget.get_strs(raw, "keywords", fail))
    if any(not k for k in keywords):
        raise fail("keywords", "an empty keyword matches everything")
    names = rawget.get_strs(raw, "checks", fail)
    unknown = [n for n in names if n not in CHECKS]
    if unknown:
        raise fail("checks", f"unknown check {unknown[0]!r} (known: {', '.join(sorted(CHECKS))})")
    allow_src = rawget.get_strs(raw, "allow-values", fail)
    allow = "|".join(f"(?:{a})" for a in allow_src) if allow_src else None
    try:
        if allow:
            _compile(allow)
    except re.error as e:
        raise fail("allow-values", f"invalid regular expression: {e}") from None
    return Prepared(
        source=source,
        group=group,
        keywords=keywords,
        min_entropy=rawget.get(raw, "min-entropy", float, fail, 0.0),
        check_names=names,
        allow_source=allow,
        window=_window(raw, source, fail),
    )


def _window(raw: Mapping[str, Any], source: str, fail: Callable[[str, str], RuleError]) -> int:
    if "window" in raw:
        size = rawget.get(raw, "window", int, fail)
        if size < 0:
            raise fail("window", "must be 0 (whole regions) or a number of lines")
        return size
    if any(h in source for h in _BLOCK_HINTS) or "[\\s\\S]" in source:
        return 0
    return NEARBY_WINDOW if "\\n" in _CLASS.sub("", source) else DEFAULT_WINDOW


def keywords(prepared: Prepared) -> tuple[str, ...]:
    return prepared.keywords


def gate(prepared: Prepared) -> Gate:
    """Matches are searched in the added lines only, so the pattern itself gates the rule (guard/gates.py)."""
    return Gate(prepared.source)


def _spans(p: Prepared, doc: Document, index: int) -> Iterator[tuple[int, int]]:
    """Offsets of region `index`'s text worth searching: lines near a keyword (or all of it)."""
    region = doc.regions[index]
    if not p.window or not p.keywords or len(region.starts) <= 2 * p.window + 1:
        yield 0, len(region.text)
        return
    hits: set[int] = set()
    for k in p.keywords:  # rules share keywords: each is looked for once per document (Document.keyword_lines)
        hits.update(doc.keyword_lines(index, k))
    last = len(region.starts) - 1
    lo = hi = -10
    for i in sorted(hits):
        a, b = max(0, i - p.window), min(last, i + p.window)
        if a > hi + 1:
            if hi >= 0:
                yield _offsets(region, lo, hi)
            lo = a
        hi = max(hi, b)
    if hi >= 0:
        yield _offsets(region, lo, hi)


def _offsets(region: Region, first: int, last: int) -> tuple[int, int]:
    end = region.starts[last + 1] - 1 if last + 1 < len(region.starts) else len(region.text)
    return region.starts[first], end


def detect(p: Prepared, doc: Document) -> Iterator[Hit]:
    pattern, allow, checks = p.pattern, p.allow, p.checks
    for index, region in enumerate(doc.regions):
        for lo, hi in _spans(p, doc, index):
            yield from _matches(p, pattern, allow, checks, region, lo, hi)


def _matches(
    p: Prepared,
    pattern: re.Pattern[str],
    allow: re.Pattern[str] | None,
    checks: tuple[Callable[[str], bool], ...],
    region: Region,
    lo: int,
    hi: int,
) -> Iterator[Hit]:
    for m in pattern.finditer(region.text, lo, hi):
        secret = m.group(p.group)
        if not secret:
            continue
        if p.min_entropy and shannon(secret) < p.min_entropy:
            continue
        if allow is not None and allow.search(secret):
            continue
        if not all(check(secret) for check in checks):
            continue
        start, end = m.span(p.group)
        line, col = region.position(start)
        end_line, _ = region.position(max(start, end - 1))
        yield Hit(line, end_line, col, secret)
