"""pygit2 diffs -> Changes with their added lines.

Only this module and its siblings in guard/sources/ import pygit2.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pygit2
from pygit2.enums import DeltaStatus

from guard.errors import GitError
from guard.model import Blob
from guard.model import Change
from guard.model import Kind
from guard.model import Status
from guard.sources.textio import DEFAULT_MAX_BYTES
from guard.sources.textio import decode_line
from guard.sources.textio import display_path
from guard.sources.textio import text_added as _text_added

ZERO = "0" * 40

_MODE_LINK = 0o120000
_MODE_GITLINK = 0o160000

_STATUS = {
    DeltaStatus.ADDED: Status.ADDED,
    DeltaStatus.MODIFIED: Status.MODIFIED,
    DeltaStatus.DELETED: Status.DELETED,
    DeltaStatus.RENAMED: Status.RENAMED,
    DeltaStatus.COPIED: Status.COPIED,
    DeltaStatus.TYPECHANGE: Status.TYPECHANGE,
}


def open_repo(path: str | os.PathLike[str] = ".", *, from_env: bool = False) -> pygit2.Repository:
    """Open the repository containing `path` (with `from_env`, honour GIT_DIR and quarantine variables)."""
    try:
        if from_env:
            return pygit2.Repository(os.fspath(path), pygit2.enums.RepositoryOpenFlag.FROM_ENV)
        found = pygit2.discover_repository(os.fspath(path))
        if found is None:
            raise GitError(f"not a git repository: {display_path(os.fspath(Path(path).resolve()))}")
        return pygit2.Repository(found)
    except pygit2.GitError as e:
        raise GitError(f"cannot open repository: {e}") from None


def empty_tree(repo: pygit2.Repository) -> pygit2.Tree:
    tree = repo[repo.TreeBuilder().write()]
    assert isinstance(tree, pygit2.Tree)
    return tree


def _blob_loader(repo: pygit2.Repository, oid: pygit2.Oid) -> Blob:
    if oid.raw == b"\0" * 20:
        return Blob()

    def load() -> bytes | None:
        try:
            obj = repo[oid]
        except (KeyError, ValueError):
            return None
        return obj.data if isinstance(obj, pygit2.Blob) else None

    return Blob(load)


def _kind(mode: int, is_binary: bool) -> Kind:
    if mode == 0:
        return Kind.ABSENT
    if mode == _MODE_LINK:
        return Kind.SYMLINK
    if mode == _MODE_GITLINK:
        return Kind.SUBMODULE
    return Kind.BINARY if is_binary else Kind.FILE


def changes(
    repo: pygit2.Repository,
    diff: pygit2.Diff,
    *,
    commit: str | None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[Change]:
    """Turn a zero-context diff into Changes (rename detection is the caller's choice)."""
    for patch in diff:
        if patch is None:
            continue
        delta = patch.delta
        status = _STATUS.get(delta.status)
        if status is None:
            continue
        new, old = delta.new_file, delta.old_file
        path = display_path(new.raw_path if status is not Status.DELETED else old.raw_path)
        old_path = display_path(old.raw_path) if status in (Status.RENAMED, Status.COPIED) else None
        kind = _kind(new.mode, bool(delta.is_binary))
        content = _blob_loader(repo, new.id)
        old_content = _blob_loader(repo, old.id)
        base = Change(
            path=path,
            status=status,
            old_path=old_path,
            commit=commit,
            kind=kind,
            content=content,
            old_content=old_content,
            size=new.size,
        )
        if kind in (Kind.ABSENT, Kind.SYMLINK, Kind.SUBMODULE):
            yield base
            continue
        if new.size > max_bytes:
            yield _replace(base, skipped=f"larger than {max_bytes} bytes ({new.size})")
            continue
        if kind is Kind.BINARY:
            data = content()
            added = _text_added(old_content(), data) if data is not None else None
            if added is None:
                yield _replace(base, skipped="binary")
            else:
                yield _replace(base, kind=Kind.FILE, added=added)
            continue
        lines: list[tuple[int, str]] = []
        removed: list[str] = []
        for hunk in patch.hunks:
            for line in hunk.lines:
                if line.origin == "+":
                    lines.append((line.new_lineno, decode_line(line.raw_content)))
                elif line.origin == "-":
                    removed.append(decode_line(line.raw_content))
        yield _replace(base, added=tuple(lines), removed=tuple(removed))


def _replace(change: Change, **kw: object) -> Change:
    from dataclasses import replace

    return replace(change, **kw)  # type: ignore[arg-type]
