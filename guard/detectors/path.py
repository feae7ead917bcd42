"""The path detector: a file-level finding when a change touches a watched path.

Keys: `paths` (globs; a glob without "/" matches the file name at any depth,
one with "/" matches the whole path, `*` crossing directories) and `on` (the
statuses that count, letters A M D R T C; default all of them). It reads no
content, so it has no keywords and costs one glob match per change.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any

from guard import rawget
from guard.detectors.base import Hit
from guard.document import Document
from guard.errors import RuleError
from guard.model import Status

KEYS = frozenset(("paths", "on"))
WANTS_ALL_CHANGES = True  # deletions, binaries, links and submodules too (guard/scan.py)

STATUSES = {
    "A": Status.ADDED,
    "M": Status.MODIFIED,
    "D": Status.DELETED,
    "R": Status.RENAMED,
    "T": Status.TYPECHANGE,
    "C": Status.COPIED,
}


@dataclass(frozen=True, slots=True)
class Prepared:
    paths: tuple[str, ...]
    on: frozenset[Status]
    by_name: re.Pattern[str] | None  # the globs without "/", matched against the file name
    by_path: re.Pattern[str] | None  # the globs with "/", matched against the whole path
    name_needles: tuple[str, ...] = ("",)  # a name can match only if it holds one of these (see needle)
    path_needles: tuple[str, ...] = ("",)


def _compile(globs: list[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(fnmatch.translate(g) for g in globs)) if globs else None


def prepare(raw: Mapping[str, Any], where: str, rule_id: str) -> Prepared:
    def fail(key: str, msg: str) -> RuleError:
        return RuleError(where, rule_id, key, msg)

    paths = rawget.get_strs(raw, "paths", fail)
    if not paths or any(not p for p in paths):
        raise fail("paths", "expected at least one non-empty glob")
    letters = rawget.get_strs(raw, "on", fail, tuple(STATUSES))
    unknown = [s for s in letters if s not in STATUSES]
    if unknown or not letters:
        raise fail("on", f"expected status letters from {' '.join(STATUSES)}, got {list(letters)!r}")
    return Prepared(
        paths=paths,
        on=frozenset(STATUSES[s] for s in letters),
        by_name=_compile([g for g in paths if "/" not in g]),
        by_path=_compile([g for g in paths if "/" in g]),
        name_needles=tuple(needle(g) for g in paths if "/" not in g),
        path_needles=tuple(needle(g) for g in paths if "/" in g),
    )


@lru_cache(maxsize=4096)
def needle(glob: str) -> str:
    """The longest run of literal characters in `glob`: only a string holding it can match.

    Checked before the glob's regular expression is used (or even compiled): most paths of a
    change hold none of a rule's needles. "" (e.g. for "*") means every string must be tried.
    """
    best, run, i, n = "", [], 0, len(glob)
    while i < n:
        ch = glob[i]
        if ch == "[":  # a class ends at the first "]" after an optional "!" and a leading "]" (fnmatch's reading)
            j = i + 1
            j += j < n and glob[j] == "!"
            j += j < n and glob[j] == "]"
            j = glob.find("]", j)
            if j < 0:  # no end: fnmatch takes "[" literally
                run.append(ch)
                i += 1
                continue
            best, run, i = max(best, "".join(run), key=len), [], j + 1
            continue
        if ch in "*?":
            best, run = max(best, "".join(run), key=len), []
        else:
            run.append(ch)
        i += 1
    return max(best, "".join(run), key=len)


def keywords(prepared: Prepared) -> tuple[str, ...]:
    return ()


def selects(p: Prepared, path: str) -> bool:
    return _hit(p, path)


def matches(glob: str, path: str) -> bool:
    subject = path.rsplit("/", 1)[-1] if "/" not in glob else path
    return needle(glob) in subject and fnmatchcase(subject, glob)


def _hit(p: Prepared, path: str) -> bool:
    if p.by_name is not None:
        name = path.rsplit("/", 1)[-1]
        if any(n in name for n in p.name_needles) and p.by_name.match(name):
            return True
    return p.by_path is not None and any(n in path for n in p.path_needles) and p.by_path.match(path) is not None


def detect(p: Prepared, doc: Document) -> Iterator[Hit]:
    change = doc.change
    if change.status not in p.on:
        return
    candidates = (change.path,) if change.old_path is None else (change.path, change.old_path)
    for path in candidates:
        if _hit(p, path):
            yield Hit(None, None, None, path)
            return
