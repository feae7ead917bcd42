"""The staged index against HEAD (or against nothing in a new repository)."""

from __future__ import annotations

from collections.abc import Iterator

import pygit2

from guard.model import Change
from guard.sources.gitdiff import DEFAULT_MAX_BYTES
from guard.sources.gitdiff import changes
from guard.sources.gitdiff import empty_tree


def staged(repo: pygit2.Repository, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[Change]:
    """What `git commit` would record now, as Changes."""
    if repo.is_bare:
        return iter(())
    if repo.head_is_unborn:
        tree = empty_tree(repo)
    else:
        tree = repo.head.peel(pygit2.Tree)
    diff = repo.index.diff_to_tree(tree, context_lines=0)
    diff.find_similar()
    return changes(repo, diff, commit=None, max_bytes=max_bytes)
