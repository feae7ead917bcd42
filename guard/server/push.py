"""The commits a push adds: reachable from the pushed tips, not from any existing ref.

During pre-receive no ref has moved yet, so "every existing ref" is exactly the
history the server has already accepted. Hiding all of them (not just the
pushed ref's old value) means a branch created from accepted history scans
nothing, and a commit already on another branch is not scanned twice. Refs
hidden from clients (`receive.hideRefs`, `transfer.hideRefs`) do not count as
accepted, as in git's own connectivity check.

The pushed objects are still in git's quarantine directory
(GIT_QUARANTINE_PATH = GIT_OBJECT_DIRECTORY, with the main object store as an
alternate); a repository opened without those variables silently sees none
of them, so `open_pushed` honours them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from itertools import islice
from pathlib import Path

import pygit2

from guard.errors import GitError
from guard.server.refs import RefKind
from guard.server.refs import RefUpdate
from guard.sources import history
from guard.sources.gitdiff import open_repo

MAX_DROPPED_COUNT = 100_000


def open_pushed(path: str | os.PathLike[str], env: Mapping[str, str]) -> pygit2.Repository:
    """Open the receiving repository so that quarantined objects are visible."""
    try:
        return open_repo(path, from_env=True)
    except GitError:
        # FROM_ENV refuses GIT_WORK_TREE / GIT_COMMON_DIR: open plainly, add the quarantine by hand.
        repo = open_repo(env.get("GIT_DIR") or path)
        for var in ("GIT_QUARANTINE_PATH", "GIT_OBJECT_DIRECTORY"):
            extra = env.get(var)
            if extra and Path(extra).is_dir():
                repo.odb.add_disk_alternate(extra)
        return repo


def git_dir(repo: pygit2.Repository) -> Path:
    return Path(repo.path)


def _config_values(repo: pygit2.Repository, key: str) -> list[str]:
    try:
        return [str(v) for v in repo.config.get_multivar(key)]
    except (pygit2.GitError, KeyError, ValueError):
        return []


def hidden_patterns(repo: pygit2.Repository) -> tuple[str, ...]:
    return tuple(_config_values(repo, "transfer.hideRefs") + _config_values(repo, "receive.hideRefs"))


def is_hidden(ref: str, patterns: Iterable[str]) -> bool:
    """git's hideRefs: a prefix hides a ref and everything below it; `!` un-hides; the last match wins."""
    hidden = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        p = pattern[1:] if negate else pattern
        p = p[1:] if p.startswith("^") else p
        p = p.rstrip("/")
        if p and (ref == p or ref.startswith(p + "/")):
            hidden = not negate
    return hidden


def accepted_tips(repo: pygit2.Repository) -> list[pygit2.Oid]:
    """The commit every visible existing ref peels to."""
    patterns = hidden_patterns(repo)
    return history.all_tips(repo, (lambda name: is_hidden(name, patterns)) if patterns else None)


@dataclass(frozen=True, slots=True)
class Plan:
    """What a push brings: new commits (oldest first, each once) and which refs bring them."""

    commits: tuple[str, ...]
    by_ref: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    dropped: Mapping[str, int] = field(default_factory=dict)  # force pushes: commits the ref no longer reaches

    def refs_of(self, sha: str) -> tuple[str, ...]:
        return tuple(ref for ref, shas in self.by_ref.items() if sha in shas)


def plan(repo: pygit2.Repository, updates: Iterable[RefUpdate]) -> Plan:
    hide = accepted_tips(repo)
    order: dict[str, None] = {}
    by_ref: dict[str, tuple[str, ...]] = {}
    dropped: dict[str, int] = {}
    for u in updates:
        if u.tip is None:
            continue
        shas = tuple(str(c.id) for c in history.walk(repo, [pygit2.Oid(hex=u.tip)], hide))
        by_ref[u.ref] = shas
        order.update(dict.fromkeys(shas))
        if u.kind is RefKind.FORCE and u.old_tip is not None:
            gone = history.walk(repo, [pygit2.Oid(hex=u.old_tip)], [pygit2.Oid(hex=u.tip)])
            dropped[u.ref] = sum(1 for _ in islice(gone, MAX_DROPPED_COUNT))
    return Plan(tuple(order), by_ref, dropped)
