"""The staged index against HEAD (or against nothing in a new repository).

`git diff --cached` gives the changes (git compares against the empty tree while HEAD is
unborn, and reads the temporary index of `git commit -a` from GIT_INDEX_FILE when the hook
passes it on), guard's diff parser (gitlog.py) turns them into Changes, and blob contents come
from one `git cat-file --batch` when a detector asks for a whole file. The pre-commit hook
never imports pygit2.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from guard.model import Change
from guard.sources.gitcli import BlobReader
from guard.sources.gitcli import diff_cached
from guard.sources.gitcli import environment
from guard.sources.gitcli import locate
from guard.sources.gitlog import diff_changes
from guard.sources.textio import DEFAULT_MAX_BYTES


def staged(start: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, from_env: bool = False) -> Iterator[Change]:
    """What `git commit` would record now, as Changes. `from_env`: honour GIT_DIR/GIT_INDEX_FILE (a hook)."""
    where = locate(start, from_env=from_env)
    if where.workdir is None:
        return  # a bare repository has no index to commit from
    reader = BlobReader(where, environment(from_env=from_env))
    try:
        yield from diff_changes(diff_cached(where, from_env=from_env), reader, max_bytes=max_bytes)
    finally:
        reader.close()
