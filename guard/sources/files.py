"""Plain files and directories on disk (no git): every line counts."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from collections.abc import Iterator
from fnmatch import fnmatchcase
from pathlib import Path

from guard.errors import GuardError
from guard.model import Blob
from guard.model import Change
from guard.model import Kind
from guard.model import Status
from guard.sources.textio import DEFAULT_MAX_BYTES
from guard.sources.textio import decode
from guard.sources.textio import display_path
from guard.sources.textio import split_lines


def _file_change(real: Path, shown: str, max_bytes: int) -> Change:
    st = real.lstat()
    if stat.S_ISLNK(st.st_mode):
        return Change(path=shown, status=Status.ADDED, kind=Kind.SYMLINK)
    if st.st_size > max_bytes:
        return Change(path=shown, status=Status.ADDED, size=st.st_size, skipped=f"larger than {max_bytes} bytes ({st.st_size})")
    try:
        data = real.read_bytes()
    except OSError as e:
        return Change(path=shown, status=Status.ADDED, skipped=f"unreadable: {e.strerror}")
    text = decode(data)
    if text is None:
        return Change(path=shown, status=Status.ADDED, kind=Kind.BINARY, size=len(data), skipped="binary")
    added = tuple(enumerate(split_lines(text), start=1))
    return Change(path=shown, status=Status.ADDED, added=added, content=Blob(data=data), size=len(data))


def _walk(root: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d != ".git")
        for name in sorted(filenames):
            yield Path(dirpath) / name


def files(paths: Iterable[str], *, max_bytes: int = DEFAULT_MAX_BYTES, exclude: tuple[str, ...] = ()) -> Iterator[Change]:
    """Every regular file under `paths`. With one directory, paths are shown relative to it."""
    roots = [Path(p) for p in paths]
    for r in roots:
        if not r.exists() and not r.is_symlink():
            raise GuardError(f"no such file or directory: {display_path(str(r))}")
    single_dir = len(roots) == 1 and roots[0].is_dir()
    for root in roots:
        candidates = _walk(root) if root.is_dir() else iter([root])
        for real in candidates:
            rel = os.path.relpath(real, root) if single_dir else os.path.normpath(real)
            shown = display_path(rel).replace(os.sep, "/")
            if any(fnmatchcase(shown, g) for g in exclude):
                continue
            st = real.lstat()
            if not (stat.S_ISREG(st.st_mode) or stat.S_ISLNK(st.st_mode)):
                continue
            yield _file_change(real, shown, max_bytes)
