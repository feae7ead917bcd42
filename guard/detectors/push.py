"""The push detector: limits for a commit, a push or a ref update, checked by guard/blast.py, never per change.

These rules need more than one change at a time, so the Engine gets nothing
from them (detect reports nothing); guard.blast reads their settings from the
loaded rules and reports findings for whole commits, pushes and ref updates.

Keys by `scope`:

* "file": `max-bytes` -- one added or modified file larger than this;
* "commit" / "push": `max-files`, `max-lines` (added lines), `max-deleted`
  (deleted files) -- one commit, or every new commit of a push together;
* "pair": `pairs` (lists: a manifest file name, then its lock file names),
  `lonely` ("manifest": the manifest changed, a lock file exists beside it
  and did not change; "lockfile": a lock file changed without its manifest)
  and `lines` (optional: a manifest counts only if an added line matches);
* "ref": `refs` (protected ref globs) and `on` ("force", "delete").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guard import rawget
from guard.detectors.base import Hit
from guard.document import Document
from guard.errors import RuleError

SCOPE_KEYS: dict[str, frozenset[str]] = {
    "file": frozenset(("max-bytes",)),
    "commit": frozenset(("max-files", "max-lines", "max-deleted")),
    "push": frozenset(("max-files", "max-lines", "max-deleted")),
    "pair": frozenset(("pairs", "lonely", "lines")),
    "ref": frozenset(("refs", "on")),
}
KEYS = frozenset(("scope",)).union(*SCOPE_KEYS.values())
REF_EVENTS = ("force", "delete")
LONELY = ("manifest", "lockfile")


@dataclass(frozen=True, slots=True)
class Prepared:
    scope: str
    limits: Mapping[str, int]  # max-bytes, max-files, max-lines, max-deleted
    pairs: tuple[tuple[str, tuple[str, ...]], ...] = ()
    lonely: str = "manifest"
    lines: re.Pattern[str] | None = None
    refs: tuple[str, ...] = ()
    on: frozenset[str] = frozenset()


def prepare(raw: Mapping[str, Any], where: str, rule_id: str) -> Prepared:
    def fail(key: str, msg: str) -> RuleError:
        return RuleError(where, rule_id, key, msg)

    scope = rawget.choice(raw, "scope", {s: s for s in SCOPE_KEYS}, fail)
    stray = sorted(k for k in raw if k in KEYS and k != "scope" and k not in SCOPE_KEYS[scope])
    if stray:
        raise fail(stray[0], f"not a key of scope {scope!r}")
    limits = {k: rawget.get(raw, k, int, fail) for k in sorted(SCOPE_KEYS[scope]) if k.startswith("max-") and k in raw}
    if any(v <= 0 for v in limits.values()):
        raise fail(next(k for k, v in limits.items() if v <= 0), "must be a positive number")
    if scope in ("file", "commit", "push") and not limits:
        raise fail("scope", f"scope {scope!r} needs at least one of {', '.join(sorted(SCOPE_KEYS[scope]))}")
    if scope == "ref":
        refs = rawget.get_strs(raw, "refs", fail)
        on = rawget.get_strs(raw, "on", fail)
        if not refs:
            raise fail("refs", "expected protected ref globs")
        if not on or any(o not in REF_EVENTS for o in on):
            raise fail("on", f"expected a list from {' '.join(REF_EVENTS)}")
        return Prepared(scope, limits, refs=refs, on=frozenset(on))
    if scope == "pair":
        lonely = rawget.choice(raw, "lonely", {x: x for x in LONELY}, fail)
        return Prepared(scope, limits, pairs=_pairs(raw.get("pairs"), fail), lonely=lonely, lines=_regex(raw.get("lines"), fail))
    return Prepared(scope, limits)


def _pairs(raw: Any, fail: rawget.Fail) -> tuple[tuple[str, tuple[str, ...]], ...]:
    ok = isinstance(raw, list) and raw and all(
        isinstance(p, list) and len(p) >= 2 and all(isinstance(s, str) and s and "/" not in s for s in p) for p in raw
    )
    if not ok:
        raise fail("pairs", "expected lists of file names: [manifest, lockfile, ...]")
    return tuple((p[0], tuple(p[1:])) for p in raw)


def _regex(raw: Any, fail: rawget.Fail) -> re.Pattern[str] | None:
    if raw is None:
        return None
    if not isinstance(raw, str) or not raw:
        raise fail("lines", "expected a regular expression")
    try:
        return re.compile(raw)
    except re.error as e:
        raise fail("lines", f"invalid regular expression: {e}") from None


def keywords(prepared: Prepared) -> tuple[str, ...]:
    return ()


def detect(p: Prepared, doc: Document) -> Iterator[Hit]:
    return iter(())
