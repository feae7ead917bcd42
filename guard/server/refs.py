"""What a push asks for: pre-receive's stdin lines, classified against the repository.

git sends one `<old-oid> SP <new-oid> SP <ref-name>` line per ref. An all-zero
old oid creates the ref, an all-zero new oid deletes it (40 zeros in SHA-1
repositories, 64 in SHA-256 ones). An update whose old commit is not an
ancestor of the new one is a force push.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import pygit2

from guard.errors import GuardError

_OID = re.compile(r"\A(?:[0-9a-f]{40}|[0-9a-f]{64})\Z")


class RefKind(enum.Enum):
    CREATE = "create"
    DELETE = "delete"
    UPDATE = "update"  # fast-forward
    FORCE = "force"  # the old commit is not an ancestor of the new one


class RefFamily(enum.Enum):
    BRANCH = "branch"  # refs/heads/
    TAG = "tag"  # refs/tags/
    NOTES = "notes"  # refs/notes/ (git notes, e.g. git-ai's refs/notes/ai)
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class RefLine:
    """One stdin line, as sent."""

    old: str
    new: str
    ref: str


@dataclass(frozen=True, slots=True)
class RefUpdate:
    old: str
    new: str
    ref: str
    kind: RefKind
    family: RefFamily
    tip: str | None  # the commit `new` peels to; None for a deletion or a non-commit
    old_tip: str | None  # the commit `old` peels to
    annotated: bool = False  # `new` is an annotated tag object
    note: str | None = None  # e.g. why nothing can be scanned

    @property
    def short(self) -> str:
        for prefix in ("refs/heads/", "refs/tags/"):
            if self.ref.startswith(prefix):
                return self.ref[len(prefix) :]
        return self.ref


def is_zero(oid: str) -> bool:
    return bool(oid) and set(oid) == {"0"}


def family(ref: str) -> RefFamily:
    if ref.startswith("refs/heads/"):
        return RefFamily.BRANCH
    if ref.startswith("refs/tags/"):
        return RefFamily.TAG
    if ref.startswith("refs/notes/"):
        return RefFamily.NOTES
    return RefFamily.OTHER


def parse_lines(text: str) -> tuple[RefLine, ...]:
    """Every stdin line; a malformed one is an error (git never sends one)."""
    out: list[RefLine] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        parts = line.split(" ")
        if len(parts) != 3 or not _OID.match(parts[0]) or not _OID.match(parts[1]) or not parts[2]:
            raise GuardError(f"pre-receive input line {n}: expected '<old-oid> <new-oid> <ref>', got {line[:120]!r}")
        if len(parts[0]) != len(parts[1]):
            raise GuardError(f"pre-receive input line {n}: object ids of different lengths")
        out.append(RefLine(parts[0], parts[1], parts[2]))
    return tuple(out)


def peel(repo: pygit2.Repository, oid: str) -> tuple[str | None, bool, str]:
    """(commit it peels to or None, is an annotated tag, object type name)."""
    try:
        obj = repo[oid]
    except (KeyError, ValueError):
        return None, False, "missing"
    annotated = isinstance(obj, pygit2.Tag)
    try:
        commit = obj.peel(pygit2.Commit)
    except (pygit2.GitError, ValueError, KeyError, pygit2.InvalidSpecError):
        target = obj.get_object() if isinstance(obj, pygit2.Tag) else obj
        return None, annotated, type(target).__name__.lower()
    return str(commit.id), annotated, "commit"


def classify(repo: pygit2.Repository, line: RefLine) -> RefUpdate:
    fam = family(line.ref)
    if is_zero(line.new):
        old_tip = None if is_zero(line.old) else peel(repo, line.old)[0]
        return RefUpdate(line.old, line.new, line.ref, RefKind.DELETE, fam, None, old_tip)
    tip, annotated, what = peel(repo, line.new)
    note = None if tip is not None else f"points to a {what}, not a commit"
    if is_zero(line.old):
        return RefUpdate(line.old, line.new, line.ref, RefKind.CREATE, fam, tip, None, annotated, note)
    old_tip = peel(repo, line.old)[0]
    kind = RefKind.UPDATE
    if tip is not None and old_tip is not None and tip != old_tip and not repo.descendant_of(tip, old_tip):
        kind = RefKind.FORCE
    return RefUpdate(line.old, line.new, line.ref, kind, fam, tip, old_tip, annotated, note)


def classify_all(repo: pygit2.Repository, lines: tuple[RefLine, ...]) -> tuple[RefUpdate, ...]:
    return tuple(classify(repo, ln) for ln in lines)
