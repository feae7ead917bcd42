"""The query detector: a tree-sitter query over the rows a change added.

Keys: `language` (a grammar of guard/detectors/tsquery.py GRAMMARS), `query`
(tree-sitter query text; predicates such as `#eq?`, `#match?`, `#not-match?`
work), `report` (the capture whose node is reported, default `hit`),
`keywords` (prefilter), `new-only` (default false: when true, a reported
node whose text the same query also captures anywhere in the old file is
not reported -- "a new MCP server", not "a line next to one changed"),
`gate` (a regular expression, case-sensitive, that the added text matches
wherever the query can report: the text the reported node starts with on its
added row; a change whose added text does not match is not parsed for this
rule) and the file selection keys of select.py (by default the files of the
language's kind).

The whole new file is parsed, so a call that spans lines or a YAML key under
`on:` is seen in context, but a match counts only where the reported node
starts on an added line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guard import rawget
from guard.detectors import select
from guard.detectors import tsquery
from guard.detectors.base import Hit
from guard.document import Document
from guard.errors import RuleError
from guard.gates import Gate
from guard.gates import gate_key
from guard.sources.textio import decode

KEYS = frozenset(("language", "query", "report", "keywords", "new-only", "gate")) | select.SELECT_KEYS


@dataclass(frozen=True, slots=True)
class Prepared:
    language: str
    query: str
    report: str
    keywords: tuple[str, ...]
    new_only: bool
    where: select.Where
    origin: tuple[str, str]  # (file, rule id) for errors found when the query first compiles
    gate: str | None = None  # a pattern the added text holds wherever the query can report (guard/gates.py)


def prepare(raw: Mapping[str, Any], where: str, rule_id: str) -> Prepared:
    def fail(key: str, msg: str) -> RuleError:
        return RuleError(where, rule_id, key, msg)

    lang = rawget.get(raw, "language", str, fail)
    if lang not in tsquery.GRAMMARS:
        raise fail("language", f"unknown language {lang!r} (known: {', '.join(sorted(tsquery.GRAMMARS))})")
    source = rawget.get(raw, "query", str, fail)
    report = rawget.get(raw, "report", str, fail, "hit")
    if not re.search(rf"@{re.escape(report)}\b", source):
        raise fail("report", f"the query has no capture @{report}")
    return Prepared(
        language=lang,
        query=source,
        report=report,
        keywords=select.keywords(raw, fail),
        new_only=rawget.get(raw, "new-only", bool, fail, False),
        where=select.parse_where(raw, fail, default_kinds=(tsquery.GRAMMARS[lang][2],)),
        origin=(where, rule_id),
        gate=gate_key(raw, fail),
    )


def gate(prepared: Prepared) -> Gate | None:
    """The rule's `gate`: a file is parsed for this rule only when its added text can hold a report."""
    return Gate(prepared.gate) if prepared.gate else None


def selects(prepared: Prepared, path: str) -> bool:
    """False when this rule never looks at a file at `path` (guard/scan.py caches the answer per path)."""
    return prepared.where.applies(path)


def keywords(prepared: Prepared) -> tuple[str, ...]:
    return prepared.keywords


def compiled(p: Prepared) -> Any:
    try:
        return tsquery.query(p.language, p.query)
    except ValueError as e:
        raise RuleError(p.origin[0], p.origin[1], "query", f"does not compile: {e}") from None


def detect(p: Prepared, doc: Document) -> Iterator[Hit]:
    if not p.where.applies(doc.path):
        return
    compiled(p)
    old: frozenset[str] | None = None
    for match in tsquery.run(doc, p.language, p.query):
        for cap in match.get(p.report, ()):
            if not doc.is_added(cap.row + 1):
                continue
            if p.new_only:
                if old is None:
                    old = _old_captures(p, doc)
                if cap.text in old:
                    continue
            yield Hit(cap.row + 1, cap.end_row + 1, cap.column + 1, cap.text)


def _old_captures(p: Prepared, doc: Document) -> frozenset[str]:
    data = doc.change.old_content()
    text = decode(data) if data else None
    return tsquery.texts(text, p.language, p.query, p.report) if text else frozenset()
