"""Commit ranges and whole history: each commit against its parent(s)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import replace

import pygit2
from pygit2.enums import SortMode

from guard.errors import GitError
from guard.errors import GuardError
from guard.model import Change
from guard.model import Commit
from guard.sources.gitdiff import changes
from guard.sources.gitdiff import empty_tree
from guard.sources.textio import DEFAULT_MAX_BYTES


def commit_meta(c: pygit2.Commit) -> Commit:
    raw = c.raw_message
    return Commit(
        sha=str(c.id),
        author_name=c.author.raw_name.decode("utf-8", "replace"),
        author_email=c.author.raw_email.decode("utf-8", "replace"),
        committer_name=c.committer.raw_name.decode("utf-8", "replace"),
        committer_email=c.committer.raw_email.decode("utf-8", "replace"),
        message=raw.decode("utf-8", "replace"),
        parents=tuple(str(p) for p in c.parent_ids),
    )


def resolve(repo: pygit2.Repository, rev: str) -> pygit2.Commit:
    try:
        obj = repo.revparse_single(rev)
        commit = obj.peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        raise GuardError(f"unknown revision: {rev}") from None
    assert isinstance(commit, pygit2.Commit)
    return commit


def parse_range(repo: pygit2.Repository, spec: str) -> tuple[list[pygit2.Oid], list[pygit2.Oid]]:
    """`A..B` -> ([B], [A]); a single `REV` -> just that commit."""
    if "..." in spec:
        raise GuardError(f"symmetric ranges are not supported: {spec} (use A..B)")
    if ".." in spec:
        a, b = spec.split("..", 1)
        tip = resolve(repo, b or "HEAD")
        hide = [resolve(repo, a).id] if a else []
        return [tip.id], hide
    c = resolve(repo, spec)
    return [c.id], [p for p in c.parent_ids]


def all_tips(repo: pygit2.Repository, skip: Callable[[str], bool] | None = None) -> list[pygit2.Oid]:
    """The commit every ref peels to (refs for which `skip(name)` is true left out)."""
    tips: list[pygit2.Oid] = []
    for name in repo.references:
        if skip is not None and skip(name):
            continue
        try:
            target = repo.references[name].peel(pygit2.Commit)
        except (pygit2.GitError, ValueError, KeyError, pygit2.InvalidSpecError):
            continue
        tips.append(target.id)
    return tips


def walk(repo: pygit2.Repository, tips: Iterable[pygit2.Oid], hide: Iterable[pygit2.Oid] = ()) -> Iterator[pygit2.Commit]:
    """Commits reachable from `tips` but not from `hide`, oldest first."""
    tips = list(tips)
    if not tips:
        return
    try:
        walker = repo.walk(tips[0], SortMode.TOPOLOGICAL | SortMode.REVERSE)
        for t in tips[1:]:
            walker.push(t)
        for h in hide:
            walker.hide(h)
        yield from walker
    except pygit2.GitError as e:
        raise GitError(f"cannot walk history: {e}") from None


def commit_changes(repo: pygit2.Repository, c: pygit2.Commit, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Change]:
    """What one commit added. A merge reports only lines new to every parent (an evil merge)."""
    sha = str(c.id)
    parents = _parents(repo, c)
    if not parents:
        diff = c.tree.diff_to_tree(empty_tree(repo), context_lines=0, swap=True)
        yield from changes(repo, diff, commit=sha, max_bytes=max_bytes)
        return
    first = parents[0].tree.diff_to_tree(c.tree, context_lines=0)
    first.find_similar()
    if len(parents) == 1:
        yield from changes(repo, first, commit=sha, max_bytes=max_bytes)
        return
    # Lines of the merge result that are new relative to every parent.
    per_parent: list[dict[str, frozenset[int]]] = []
    for p in parents[1:]:
        d = p.tree.diff_to_tree(c.tree, context_lines=0)
        per_parent.append({ch.path: ch.added_lines for ch in changes(repo, d, commit=sha, max_bytes=max_bytes)})
    for ch in changes(repo, first, commit=sha, max_bytes=max_bytes):
        keep = ch.added_lines
        for other in per_parent:
            keep = keep & other.get(ch.path, frozenset())
        if keep:
            yield replace(ch, added=tuple(a for a in ch.added if a[0] in keep))


def _parents(repo: pygit2.Repository, c: pygit2.Commit) -> list[pygit2.Commit]:
    out: list[pygit2.Commit] = []
    for pid in c.parent_ids:
        try:
            p = repo[pid]
        except KeyError:
            continue  # shallow clone: the parent is not here; treat as a root
        assert isinstance(p, pygit2.Commit)
        out.append(p)
    return out
