"""The removed detector: compare the old and the new file; report what a change took away.

Keys: `pattern` (a regular expression searched in both sides), `mode` and the
file selection keys of select.py, plus `ignore-case`.

* `mode = "gone"` (default): a text the pattern matches (group `hit` if named,
  else the whole match) occurs fewer times in the new file than in the old
  one -- a guard decorator, a `permissions:` block, a `USER` line was removed.
  The finding is file-level: the removed line no longer exists.
* `mode = "lowered"`: the pattern has a group `value` (a number) and may have a
  group `key`; a finding when a key's number is lower in the new file (on the
  new line), or when the key is gone altogether (file-level) -- a coverage
  threshold was lowered or dropped.

Only modified (and renamed) files count: an added file has nothing to lose,
and a deleted one is the path rules' business. Changes that only delete lines
are seen too (WANTS_ALL_CHANGES). No keywords: what matters is in the old text, not in the added lines.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guard import rawget
from guard.detectors import select
from guard.detectors.added_regex import compile_pattern
from guard.detectors.base import Hit
from guard.document import Document
from guard.errors import RuleError
from guard.model import Status
from guard.sources.textio import decode

KEYS = frozenset(("pattern", "mode", "ignore-case")) | select.SELECT_KEYS
WANTS_ALL_CHANGES = True  # a change that only deletes lines has no added lines (guard/scan.py)
MODES = ("gone", "lowered")


@dataclass(frozen=True, slots=True)
class Prepared:
    pattern: re.Pattern[str]
    mode: str
    where: select.Where


def prepare(raw: Mapping[str, Any], where: str, rule_id: str) -> Prepared:
    def fail(key: str, msg: str) -> RuleError:
        return RuleError(where, rule_id, key, msg)

    flags = re.MULTILINE | (re.IGNORECASE if rawget.get(raw, "ignore-case", bool, fail, False) else 0)
    pattern = compile_pattern(rawget.get(raw, "pattern", str, fail), "pattern", flags, fail)
    mode = rawget.choice(raw, "mode", {m: m for m in MODES}, fail, "gone")
    if mode == "lowered" and "value" not in pattern.groupindex:
        raise fail("pattern", 'mode "lowered" needs a group named value: (?P<value>...)')
    return Prepared(pattern, mode, select.parse_where(raw, fail))


def selects(prepared: Prepared, path: str) -> bool:
    return prepared.where.applies(path)  # a rename is asked about both paths (guard/scan.py)


def keywords(prepared: Prepared) -> tuple[str, ...]:
    return ()


def _old_text(doc: Document) -> str | None:
    data = doc.change.old_content()
    return decode(data) if data else None


def detect(p: Prepared, doc: Document) -> Iterator[Hit]:
    if doc.change.status not in (Status.MODIFIED, Status.RENAMED) or doc.change.skipped:
        return
    if not p.where.applies(doc.path) and not (doc.change.old_path and p.where.applies(doc.change.old_path)):
        return
    removed = doc.change.removed
    if removed is not None and not p.pattern.search("\n".join(removed)):
        return  # what is gone was on a removed line: a diff source tells us cheaply
    old = _old_text(doc)
    if old is None or not p.pattern.search(old):
        return
    new = doc.text or ""
    yield from (_gone(p.pattern, old, new) if p.mode == "gone" else _lowered(p.pattern, old, new))


def _texts(pattern: re.Pattern[str], text: str) -> Counter[str]:
    group: int | str = "hit" if "hit" in pattern.groupindex else 0
    return Counter(m.group(group).strip() for m in pattern.finditer(text) if m.group(group))


def _gone(pattern: re.Pattern[str], old: str, new: str) -> Iterator[Hit]:
    before, after = _texts(pattern, old), _texts(pattern, new)
    for text, count in before.items():
        left = after.get(text, 0)
        if left < count:
            yield Hit(None, None, None, text, reason=f"removed: {text!r} ({count} before, {left} after)")


def _numbers(pattern: re.Pattern[str], text: str) -> dict[str, tuple[float, int]]:
    """key -> (first value, its 1-based line)."""
    out: dict[str, tuple[float, int]] = {}
    for m in pattern.finditer(text):
        key = (m.group("key") or "") if "key" in pattern.groupindex else ""
        try:
            value = float(m.group("value"))
        except (TypeError, ValueError):
            continue
        out.setdefault(key, (value, text.count("\n", 0, m.start("value")) + 1))
    return out


def _lowered(pattern: re.Pattern[str], old: str, new: str) -> Iterator[Hit]:
    before, after = _numbers(pattern, old), _numbers(pattern, new)
    for key, (was, _) in before.items():
        label = key or "threshold"
        if key not in after:
            yield Hit(None, None, None, f"{label} {was:g}", reason=f"removed: {label} (was {was:g})")
            continue
        now, line = after[key]
        if now < was:
            yield Hit(line, line, None, f"{label} {now:g}", reason=f"lowered: {label} from {was:g} to {now:g}")
