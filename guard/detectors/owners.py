"""The codeowners detector: a change to a path the repository's CODEOWNERS assigns to owners.

Keys: `files` (where CODEOWNERS may live, first found wins; default
.github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS, .gitlab/CODEOWNERS), read
with guard/detectors/repofiles.py (for a server: the accepted HEAD, not the
pushed tree), and `catch-all` (default false: a rule such as `* @org/all`
that owns every file does not make a path sensitive; true counts it).

CODEOWNERS patterns follow gitignore: a leading or inner `/` anchors at the
root, otherwise the pattern matches at any depth; a trailing `/` or a matched
directory covers everything below; `*` stays inside one component, `**`
crosses them. The last matching line wins; a line without owners unassigns.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from guard import rawget
from guard.detectors import repofiles
from guard.detectors.base import Hit
from guard.document import Document
from guard.errors import RuleError

KEYS = frozenset(("files", "catch-all"))
WANTS_ALL_CHANGES = True  # deleting an owned file counts too (guard/scan.py)
DEFAULT_FILES = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS")
CATCH_ALL = frozenset(("*", "**", "/*", "/**", "/"))


@dataclass(frozen=True, slots=True)
class Entry:
    line: int
    pattern: str
    regex: re.Pattern[str]
    owners: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Prepared:
    files: tuple[str, ...]
    catch_all: bool


def prepare(raw: Mapping[str, Any], where: str, rule_id: str) -> Prepared:
    def fail(key: str, msg: str) -> RuleError:
        return RuleError(where, rule_id, key, msg)

    return Prepared(rawget.get_strs(raw, "files", fail, DEFAULT_FILES), rawget.get(raw, "catch-all", bool, fail, False))


def keywords(prepared: Prepared) -> tuple[str, ...]:
    return ()


def _glob(pattern: str) -> re.Pattern[str]:
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    out = []
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        elif body[i] == "*":
            out.append("[^/]*")
            i += 1
        elif body[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(body[i]))
            i += 1
    prefix = "" if anchored else "(?:.*/)?"
    return re.compile(f"{prefix}{''.join(out)}(?:/.*)?")


@lru_cache(maxsize=32)
def parse(text: str) -> tuple[Entry, ...]:
    entries = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#") or line.startswith("["):  # GitLab sections
            continue
        pattern, *owners = line.split()
        entries.append(Entry(n, pattern, _glob(pattern), tuple(owners)))
    return tuple(entries)


def owner_of(entries: tuple[Entry, ...], path: str) -> Entry | None:
    """The last entry matching `path` (None: no entry matches)."""
    found = None
    for e in entries:
        if e.regex.fullmatch(path):
            found = e
    return found


def detect(p: Prepared, doc: Document) -> Iterator[Hit]:
    text = next((t for t in (repofiles.read(f) for f in p.files) if t), None)
    if not text:
        return
    entries = parse(text)
    for path in dict.fromkeys(x for x in (doc.path, doc.change.old_path) if x):
        entry = owner_of(entries, path)
        if entry is None or not entry.owners or (entry.pattern in CATCH_ALL and not p.catch_all):
            continue
        owners = " ".join(entry.owners[:3]) + (" ..." if len(entry.owners) > 3 else "")
        yield Hit(None, None, None, path, reason=f"owned by {owners} (CODEOWNERS line {entry.line}: {entry.pattern})")
        return
