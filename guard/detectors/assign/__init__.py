"""The `assignment` detector: string values bound to credential-like names, judged in context.

Provider rules need a token format; most real leaks have none: a short password
in a config file, a connection string, a default argument. This detector finds
what a credential-like name is bound to (tree-sitter for the languages it has a
grammar for, line formats for .env, .properties, INI, XML, Dockerfile and any
other text) and judges the value (values.py). A rule selects the kinds of name
it reports: `kinds = ["password"]`, `["secret"]`, `["api-key"]`, `["token"]`.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING
from typing import Any

from guard import rawget
from guard.detectors.assign.names import ANCHORS
from guard.detectors.assign.names import KINDS
from guard.detectors.assign.names import NameInfo
from guard.detectors.assign.pair import Pair
from guard.detectors.base import Hit
from guard.document import Document
from guard.errors import RuleError
from guard.gates import Gate
from guard.model import Confidence
from guard.prefilter import LineFinder

if TYPE_CHECKING:
    from guard.detectors.assign.values import Verdict

KEYS = frozenset(("kinds",))

# Every kind gets every anchor: one name can yield another kind (`signing_key` is a secret, `curl -u` a password),
# and the pairs of a file are found and judged once for all four rules.
_KEYWORDS = ANCHORS

MAX_PAIRS = 500  # per file
Judged = tuple[Pair, NameInfo, "Verdict"]
_CACHE: weakref.WeakKeyDictionary[Document, tuple[Judged, ...]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class Prepared:
    kinds: frozenset[str]


def prepare(raw: Mapping[str, Any], where: str, rule_id: str) -> Prepared:
    def fail(key: str, msg: str) -> RuleError:
        return RuleError(where, rule_id, key, msg)

    kinds = rawget.get_strs(raw, "kinds", fail)
    if not kinds:
        raise fail("kinds", f"is required: a list of {', '.join(KINDS)}")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise fail("kinds", f"unknown kind {unknown[0]!r} (known: {', '.join(KINDS)})")
    return Prepared(frozenset(kinds))


_QUOTED_VALUES = frozenset(
    ("python", "javascript", "typescript", "tsx", "go", "java", "ruby", "php", "php-only", "c#", "kotlin", "rust", "json")
)


def keywords(prepared: Prepared) -> tuple[str, ...]:
    return _KEYWORDS


_GATE = Gate("(?i)" + "|".join(re.escape(a) for a in ANCHORS))  # the same text as lines.ANCHOR


def gate(prepared: Prepared) -> Gate:
    """Only added lines holding an anchor become candidates (`_pairs`), so the anchors gate the rule."""
    return _GATE


def detect(p: Prepared, doc: Document) -> Iterator[Hit]:
    for pair, info, verdict in judged(doc):
        if info.kind in p.kinds and verdict.confidence is not None:
            name = pair.name if len(pair.name) <= 40 else pair.name[:37] + "..."
            reason = f"{name} bound to {pair.where}: {verdict.reason}"
            yield Hit(pair.line, pair.end_line, pair.column, pair.value, verdict.confidence, reason)


def judged(doc: Document) -> tuple[Judged, ...]:
    """Every credential-like pair on the added lines with its verdict, computed once per document."""
    got = _CACHE.get(doc)
    if got is None:
        got = tuple(_judge_all(doc))
        _CACHE[doc] = got
    return got


def _judge_all(doc: Document) -> Iterator[Judged]:
    # Imported here, not at start-up: their patterns compile only when a file has a candidate line.
    from guard.detectors.assign.names import classify
    from guard.detectors.assign.values import Verdict
    from guard.detectors.assign.values import judge

    seen: set[tuple[int, str]] = set()
    for pair in _pairs(doc):
        if (pair.line, pair.value) in seen:
            continue
        if len(seen) >= MAX_PAIRS:
            break  # a generated file full of names: the first ones are enough to flag it
        seen.add((pair.line, pair.value))
        info = classify(pair.name)
        if info is None:
            continue
        verdict = judge(pair.value, info, literal=pair.literal, called=pair.name)
        if pair.example and verdict.confidence is not None and verdict.confidence > Confidence.LOW:
            verdict = Verdict(Confidence.LOW, f"{verdict.reason}; lowered: in a list of examples")
        elif pair.prose and verdict.confidence is not None and verdict.confidence > Confidence.MEDIUM:
            verdict = Verdict(Confidence.MEDIUM, f"{verdict.reason}; lowered: in a docstring")
        yield pair, info, verdict


_ANCHOR_LINES = LineFinder(ANCHORS)  # the same lines as _anchor_multiline(), without `re`


@cache
def _anchor_multiline() -> re.Pattern[str]:
    from guard.detectors.assign import lines

    return re.compile(lines.ANCHOR.pattern, lines.ANCHOR.flags | re.MULTILINE)


# Grammars the query detector also parses (guard/detectors/tsquery.py): one parse serves both.
_SHARED_TREES = frozenset(("python", "javascript", "typescript", "tsx", "go", "java", "yaml", "json", "toml", "hcl", "bash"))
WINDOW_FROM = 4_000  # bytes: a larger file is parsed around its candidate rows only
WINDOW_MARGIN = 40  # lines kept on each side of a candidate row


def _window(text: str, rows: list[int]) -> str:
    """`text` with lines far from every candidate row blanked: rows and columns stay, parsing costs less.

    tree-sitter's cost grows with the bytes it reads; a history scan parses each version of a
    large module again. Bindings are local, and error recovery keeps a cut block's damage local.
    """
    if len(text) < WINDOW_FROM:
        return text
    lines = text.split("\n")
    keep = bytearray(len(lines))
    for r in rows:
        lo, hi = max(0, r - WINDOW_MARGIN), min(len(lines), r + WINDOW_MARGIN + 1)
        keep[lo:hi] = b"\1" * (hi - lo)
    if sum(keep) * 2 > len(lines):
        return text
    return "\n".join(line if keep[i] else "" for i, line in enumerate(lines))


def _pairs(doc: Document) -> Iterator[Pair]:
    from guard.detectors.assign import lines

    added_pairs = doc.change.added
    rows = _ANCHOR_LINES.indexes(doc.added_text, doc.added_starts)
    if rows is None:
        rows = doc.added_indexes(_anchor_multiline())
    candidates = [added_pairs[i] for i in rows]
    if not candidates:
        return
    from guard.detectors.assign.extract import MAX_BYTES
    from guard.detectors.assign.extract import MAX_LINE
    from guard.detectors.assign.languages import grammar_for

    grammar = grammar_for(doc.path)
    text = doc.text if grammar is not None else None
    if grammar is None or text is None or len(text) > MAX_BYTES or any(len(t) > MAX_LINE for _, t in candidates):
        yield from lines.line_pairs(doc.path, candidates)
        return
    quoted = grammar.name in _QUOTED_VALUES
    near = [n for n, _ in candidates if any(q in doc.line(m) for q in "'\"`" for m in (n, n + 1, n + 2))] if quoted else []
    if quoted and not near:
        # In these languages a hardcoded credential is a string literal: no quote near any candidate
        # line (`self.password = password`) means nothing to bind, so skip the parse.
        yield from lines.line_pairs(doc.path, candidates)
        return
    from guard.detectors.assign import extract
    from guard.detectors.assign.languages import GRAMMARS

    if grammar.name == "php" and "<?" not in text:
        grammar = GRAMMARS["php-only"]  # a PHP fragment without an opening tag

    added = doc.change.added_lines
    rows = sorted({r for n, _ in candidates for r in (n - 1, n) if r + 1 in added})  # 0-based rows now
    runs: list[tuple[int, int]] = []
    for r in rows:
        if runs and r - runs[-1][1] <= 4:  # close runs share one query: fewer calls, the added-row check stays exact
            runs[-1] = (runs[-1][0], r)
        else:
            runs.append((r, r))
    try:
        # A large file is parsed around the candidates that can bind a value (in quoted languages, those near a quote).
        windowed = _window(text, sorted({r for n in near for r in (n - 1, n) if r + 1 in added}) if quoted else rows)
        tree = None
        if windowed is text and grammar.name in _SHARED_TREES:  # the query detector may parse this file too
            from guard.detectors import tsquery

            tree = tsquery.tree(doc, grammar.name)
        found, broken = extract.pairs(windowed, grammar, runs, frozenset(n - 1 for n in added), tree)
    except (ImportError, OSError, ValueError, RuntimeError):  # a grammar that cannot load or parse: read lines
        yield from lines.line_pairs(doc.path, candidates)
        return
    yield from found
    if broken:
        done = {p.line for p in found}
        yield from lines.line_pairs(doc.path, [(n, t) for n, t in candidates if n not in done])
