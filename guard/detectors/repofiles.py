"""Files of the scanned repository that a detector reads as configuration (CODEOWNERS, .importlinter).

Detectors see one change at a time; a few rules also need a repository-wide
file. They read it through `read(name)`:

* by default from the repository around the current directory: its working
  tree, or for a bare repository (a git server) the tree of HEAD, which during
  pre-receive is the history already accepted -- so a push cannot loosen the
  contracts it is checked against;
* or from a reader installed with `use(reader)` (the server can pass one that
  reads a chosen commit's tree; tests pass a dict's `get`).

Reads are cached per file version (path, size, mtime), so many changes cost one read.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from guard.sources.textio import decode

Reader = Callable[[str], "str | None"]

_READER: ContextVar[Reader | None] = ContextVar("guard_repo_reader", default=None)
_ROOT: ContextVar[Path | None] = ContextVar("guard_repo_root", default=None)
MAX_CONFIG_BYTES = 1024 * 1024


@contextmanager
def use(reader: Reader) -> Iterator[None]:
    """Read repository files through `reader` inside the block."""
    token = _READER.set(reader)
    try:
        yield
    finally:
        _READER.reset(token)


@contextmanager
def use_root(root: Path) -> Iterator[None]:
    """Read repository files from the repository at (or above) `root` inside the block."""
    token = _ROOT.set(root)
    try:
        yield
    finally:
        _ROOT.reset(token)


def set_root(root: Path) -> None:
    """Read repository files from the repository at (or above) `root` from now on, in this context.

    Called when a scan starts: reads are remembered until the next call, so a history scan
    that asks for CODEOWNERS for every change stats the file once.
    """
    _ROOT.set(root)
    _MEMO.clear()


_MEMO: dict[tuple[Path | None, str], str | None] = {}


def read(name: str) -> str | None:
    """The text of repository file `name` (a path from the repository root), or None."""
    reader = _READER.get()
    if reader is not None:
        return reader(name)
    key = (_ROOT.get(), name)
    if key[0] is not None and key in _MEMO:
        return _MEMO[key]
    got = _read(name)
    if key[0] is not None:
        _MEMO[key] = got
    return got


def _read(name: str) -> str | None:
    root = _ROOT.get() or Path.cwd()
    found = _discover(str(root.resolve()))
    if found is None:
        return None
    git_dir, workdir = found
    if workdir is not None:
        path = Path(workdir) / name
        try:
            st = path.stat()
        except OSError:
            return None
        return _read_disk(str(path), st.st_size, st.st_mtime_ns)
    return _read_head(git_dir, name, _head_mtime(git_dir))


def exists(name: str) -> bool:
    """Whether repository file `name` exists (any size), read the same way as `read`."""
    reader = _READER.get()
    if reader is not None:
        return reader(name) is not None
    found = _discover(str((_ROOT.get() or Path.cwd()).resolve()))
    if found is None:
        return False
    git_dir, workdir = found
    if workdir is not None:
        return (Path(workdir) / name).is_file()
    return _in_head(git_dir, name, _head_mtime(git_dir))


@lru_cache(maxsize=256)
def _in_head(git_dir: str, name: str, stamp: int) -> bool:
    import pygit2

    try:
        repo = pygit2.Repository(git_dir)
        if repo.head_is_unborn:
            return False
        repo.head.peel(pygit2.Commit).tree[name]
    except (KeyError, ValueError, pygit2.GitError):
        return False
    return True


@lru_cache(maxsize=64)
def _discover(start: str) -> tuple[str, str | None] | None:
    from guard.errors import GitError
    from guard.sources.gitcli import locate

    try:
        where = locate(Path(start))
    except GitError:
        return None
    return str(where.git_dir), str(where.workdir) if where.workdir is not None else None


@lru_cache(maxsize=256)
def _read_disk(path: str, size: int, mtime_ns: int) -> str | None:
    if size > MAX_CONFIG_BYTES:
        return None
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    return decode(data)


def _head_mtime(git_dir: str) -> int:
    """Changes when any ref moves (packed or loose), so a cached read goes stale with HEAD."""
    stamps = []
    for name in ("HEAD", "packed-refs", "refs/heads"):
        try:
            stamps.append(os.stat(os.path.join(git_dir, name)).st_mtime_ns)
        except OSError:
            stamps.append(0)
    return hash(tuple(stamps))


@lru_cache(maxsize=256)
def _read_head(git_dir: str, name: str, stamp: int) -> str | None:
    import pygit2

    try:
        repo = pygit2.Repository(git_dir)
        if repo.head_is_unborn:
            return None
        tree = repo.head.peel(pygit2.Commit).tree
        obj = tree[name]
        blob = repo[obj.id]
    except (KeyError, ValueError, pygit2.GitError):
        return None
    if not isinstance(blob, pygit2.Blob) or blob.size > MAX_CONFIG_BYTES:
        return None
    return decode(blob.data)
