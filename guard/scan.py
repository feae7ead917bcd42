"""The pipeline's middle: changes x rules -> findings.

Detectors see a Document (the change's added lines, and the whole file on
demand) and return Hits holding the raw secret. This module is the only place
that turns a Hit into a Finding, so it is the only place a raw secret exists
after detection: the Finding gets a redacted form and a fingerprint.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import replace
from fnmatch import fnmatchcase

from guard import context
from guard.detectors import DETECTORS
from guard.detectors.base import Hit
from guard.document import Document
from guard.gates import Gates
from guard.gates import eligible
from guard.model import Category
from guard.model import Change
from guard.model import Confidence
from guard.model import Finding
from guard.model import Kind
from guard.model import Snippet
from guard.prefilter import KeywordIndex
from guard.redact import redact
from guard.rules import Rule

_FRAME_WIDTH = 160
PATH_MEMO = 200_000  # entries kept by each per-path memo of the Engine
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9+/_=.-]{20,}")
_PRAGMA = re.compile(r"guard:\s*allow(?![\w-])((?:[ \t]*,?[ \t]*(?:secret|risk)\.[\w.*-]+)*)", re.IGNORECASE)


def fingerprint(rule_id: str, path: str, secret: str) -> str:
    """A stable hash of what was found and where: no line number, so moving code keeps it."""
    return hashlib.sha256("\0".join((rule_id, path, secret)).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def pragma_allows(line: str, rule_id: str) -> bool:
    """`guard: allow` on the line, bare or naming this rule (globs allowed)."""
    for m in _PRAGMA.finditer(line):
        ids = re.findall(r"(?:secret|risk)\.[\w.*-]+", m.group(1))
        if not ids or any(fnmatchcase(rule_id, i) for i in ids):
            return True
    return False


@dataclass(frozen=True, slots=True)
class Scanned:
    """What scanning one change produced."""

    findings: tuple[Finding, ...]
    allowed: frozenset[int]  # indexes into findings that an inline pragma allows
    notice: str | None


class Engine:
    """Compiled rules with a keyword index, so most text never reaches a regex."""

    def __init__(self, rules: Iterable[Rule], *, use_hyperscan: bool = True) -> None:
        self.rules = tuple(rules)
        self.always = tuple(r for r in self.rules if not r.keywords)
        # Detectors that judge a change by its path or status also see deletions, binaries and links.
        self.whole = tuple(r for r in self.always if getattr(DETECTORS[r.detector], "WANTS_ALL_CHANGES", False))
        self._by_keyword: dict[str, list[Rule]] = {}
        for r in self.rules:
            for k in r.keywords:
                self._by_keyword.setdefault(k, []).append(r)
        self.index = KeywordIndex(self._by_keyword, use_hyperscan=use_hyperscan)
        self._order = {r.id: i for i, r in enumerate(self.rules)}
        self._use_hyperscan = use_hyperscan
        self.gates: Gates | None = None
        # Rules that read only some paths: the answer per (rule, path) is kept, a history repeats paths.
        self._selects = {r.id: getattr(DETECTORS[r.detector], "selects", None) for r in self.rules}
        self._selected: dict[tuple[str, str], bool] = {}
        self._always_at: dict[str, tuple[Rule, ...]] = {}
        self._whole_at: dict[str, tuple[Rule, ...]] = {}
        self._rules_at: dict[str, tuple[Rule, ...]] = {}

    def use_gates(self, *, large: bool) -> bool:
        """Turn on the pattern gates (guard/gates.py) as a job of this size should."""
        if self.gates is None and self._use_hyperscan:
            found = {}
            for r in self.rules:
                gate = getattr(DETECTORS[r.detector], "gate", None)
                got = gate(r.prepared) if gate is not None else None
                if got is not None:
                    found[r.id] = got
            self.gates = Gates.for_job(found, large=large)
        return self.gates is not None

    def _selected_at(self, rule: Rule, path: str) -> bool:
        fn = self._selects[rule.id]
        if fn is None:
            return True
        key = (rule.id, path)
        got = self._selected.get(key)
        if got is None:
            if len(self._selected) >= PATH_MEMO:  # a history with millions of paths: start over, memory stays flat
                self._selected.clear()
            got = self._selected[key] = bool(fn(rule.prepared, path))
        return got

    def _at(self, change: Change, rules: tuple[Rule, ...], cache: dict[str, tuple[Rule, ...]]) -> tuple[Rule, ...]:
        """The rules of `rules` that look at this change's path (or, for a rename, its old path)."""
        if change.old_path is not None:
            return tuple(r for r in rules if self._selected_at(r, change.path) or self._selected_at(r, change.old_path))
        got = cache.get(change.path)
        if got is None:
            if len(cache) >= PATH_MEMO:
                cache.clear()
            got = cache[change.path] = tuple(r for r in rules if self._selected_at(r, change.path))
        return got

    def rules_at(self, change: Change) -> tuple[Rule, ...]:
        """This engine's rules that look at the change's path at all (answers kept per path)."""
        return self._at(change, self.rules, self._rules_at)

    def candidates(self, doc: Document) -> list[Rule]:
        found = self.index.found(doc.added_lower)
        change, old = doc.change, doc.change.old_path
        picked = {r.id: r for k in found for r in self._by_keyword[k]}
        picked.update((r.id, r) for r in self._at(change, self.always, self._always_at))
        if picked and self.gates is not None:
            data = doc.added_text.encode("utf-8", "surrogatepass")
            if eligible(data):
                gated, passing = self.gates.gated, self.gates.passing(data)
                picked = {i: r for i, r in picked.items() if i not in gated or i in passing}
        chosen = [
            r for r in picked.values() if self._selected_at(r, change.path) or (old is not None and self._selected_at(r, old))
        ]
        return sorted(chosen, key=lambda r: self._order[r.id])

    def scan_change(self, change: Change) -> Scanned:
        notice = f"{change.path}: skipped, {change.skipped}" if change.skipped else None
        textual = change.kind is Kind.FILE and bool(change.added) and not change.skipped
        if not textual and not self.whole:
            return Scanned((), frozenset(), notice)
        doc = Document(change)
        best: dict[tuple[int | None, str], tuple[Rule, Hit]] = {}
        for rule in self.candidates(doc) if textual else self._at(change, self.whole, self._whole_at):
            for hit in DETECTORS[rule.detector].detect(rule.prepared, doc):
                if hit.line is not None and not _touches_added(hit, doc):
                    continue
                # One value on one line is one finding: the most specific rule keeps it.
                key = (hit.line, hit.secret) if rule.category is Category.SECRET else (hit.line, f"{rule.id}\0{hit.secret}")
                held = best.get(key)
                if held is None or _preference(rule, hit) > _preference(*held):
                    best[key] = (rule, hit)
        kept = _drop_covered(list(best.values()))
        lowered = context.lowered_confidence(change.path)
        out: list[Finding] = []
        allowed: set[int] = set()
        masker = _Masker(doc, [hit for _, hit in kept])
        for rule, hit in sorted(kept, key=lambda rh: (rh[1].line or 0, rh[1].column or 0, self._order[rh[0].id])):
            if hit.line is not None and pragma_allows(doc.line(hit.line), rule.id):
                allowed.add(len(out))
            out.append(replace(_finding(rule, change, hit, lowered), snippet=masker.frame(hit)))
        return Scanned(tuple(out), frozenset(allowed), notice)


def _drop_covered(found: list[tuple[Rule, Hit]]) -> list[tuple[Rule, Hit]]:
    """A generic or adapter secret finding inside (or around) a provider finding is the same leak."""
    provider: dict[int, list[str]] = {}
    spans: list[tuple[int, int]] = []
    for rule, hit in found:
        if rule.category is Category.SECRET and rule.detector == "regex" and hit.line is not None:
            provider.setdefault(hit.line, []).append(hit.secret)
            spans.append((hit.line, hit.end_line or hit.line))
    if not provider:
        return found

    def covered(rule: Rule, hit: Hit) -> bool:
        if rule.category is not Category.SECRET or rule.detector == "regex" or hit.line is None:
            return False
        end = hit.end_line or hit.line
        block = end > hit.line or rule.detector == "pem-block"
        if block and any(a <= hit.line and end <= b for a, b in spans):
            return True  # a multi-line block (a key) that a provider rule already reports whole
        return any(hit.secret in s or s in hit.secret for s in provider.get(hit.line, ()))

    return [(rule, hit) for rule, hit in found if not covered(rule, hit)]


def _preference(rule: Rule, hit: Hit) -> tuple[int, int, int]:
    """Provider rules beat generic ones and the detect-secrets adapter; then confidence decides."""
    confidence = hit.confidence if hit.confidence is not None else rule.confidence
    return (rule.detector == "regex", rule.detector != "detect-secrets", int(confidence))


def _touches_added(hit: Hit, doc: Document) -> bool:
    assert hit.line is not None
    end = hit.end_line or hit.line
    return any(doc.is_added(n) for n in range(hit.line, end + 1))


def _mask(text: str, n: int, hits: Sequence[Hit]) -> str:
    """Line `n` of a code frame with every secret found in this change masked, and any other long token too."""
    for h in hits:  # where the detector says a secret starts on this line
        head = h.secret.strip().split("\n")[0]
        if h.line == n and h.column and head and text[h.column - 1 : h.column - 1 + len(head)] == head:
            text = text[: h.column - 1] + redact(head) + text[h.column - 1 + len(head) :]
    pieces = {p.strip() for h in hits for p in h.secret.split("\n")}
    for piece in sorted((p for p in pieces if len(p) >= 4), key=len, reverse=True):
        text = text.replace(piece, redact(piece))
    # A credential no rule matched may sit next to one that did: mask long tokens mixing letters and digits.
    text = _TOKEN_LIKE.sub(lambda m: redact(m.group()) if _mixed(m.group()) else m.group(), text)
    return text if len(text) <= _FRAME_WIDTH else text[:_FRAME_WIDTH] + "…"


def _mixed(token: str) -> bool:
    return any(c.isdigit() for c in token) and any(c.isalpha() for c in token)


class _Masker:
    """Code frames for one change; each line is masked once, however many findings share it."""

    def __init__(self, doc: Document, hits: Sequence[Hit]) -> None:
        self.doc = doc
        self.hits = hits
        self._lines: dict[int, str] = {}

    def line(self, n: int, text: str) -> str:
        got = self._lines.get(n)
        if got is None:
            got = self._lines[n] = _mask(text, n, self.hits)
        return got

    def frame(self, hit: Hit) -> Snippet | None:
        """The line before a finding, its first lines (at most 3) and the line after, redacted."""
        if hit.line is None:
            return None
        doc = self.doc
        lines: list[str] = []
        first = max(1, hit.line - 1)
        for n in range(first, min(hit.end_line or hit.line, hit.line + 2) + 2):
            text = doc.line_map.get(n)
            if text is None and 0 < n <= len(doc.lines):
                text = doc.lines[n - 1]
            if text is None:
                if n < hit.line:
                    first = n + 1
                    continue
                break
            lines.append(self.line(n, text))
        return Snippet(first, tuple(lines)) if lines else None


def frame(doc: Document, hit: Hit, hits: Sequence[Hit]) -> Snippet | None:
    """One finding's redacted code frame (see _Masker)."""
    return _Masker(doc, hits).frame(hit)


def file_finding(rule: Rule, path: str, subject: str, reason: str, commit: str | None) -> Finding:
    """A finding about a whole file, commit or push (no line), made by code outside a detector."""
    return Finding(
        rule_id=rule.id,
        category=rule.category,
        severity=rule.severity,
        confidence=rule.confidence,
        confidence_reason=reason,
        path=path,
        line=None,
        end_line=None,
        column=None,
        commit=commit,
        message=rule.title,
        redacted=redact(subject),
        fingerprint=fingerprint(rule.id, path, subject),
    )


def _finding(rule: Rule, change: Change, hit: Hit, lowered: str | None) -> Finding:
    confidence = hit.confidence if hit.confidence is not None else rule.confidence
    reason = hit.reason or f"{rule.detector} rule {rule.id}"
    if lowered and confidence > Confidence.LOW:
        confidence = Confidence(confidence - 1)
        reason = f"{reason}; lowered: {lowered}"
    return Finding(
        rule_id=rule.id,
        category=rule.category,
        severity=rule.severity,
        confidence=confidence,
        confidence_reason=reason,
        path=change.path,
        line=hit.line,
        end_line=hit.end_line,
        column=hit.column,
        commit=change.commit,
        message=rule.title,
        redacted=redact(hit.secret),
        fingerprint=fingerprint(rule.id, change.path, hit.secret),
    )


def scan(changes: Iterable[Change], engine: Engine, *, exclude: tuple[str, ...] = ()) -> Iterator[Scanned]:
    for change in changes:
        if exclude and any(fnmatchcase(change.path, g) for g in exclude):
            continue
        yield engine.scan_change(change)
