"""Write guard's hook into a repository's hooks directory (honouring core.hooksPath)."""

from __future__ import annotations

import os
import shlex
import stat
import sys
from pathlib import Path

from guard.errors import GitError
from guard.errors import GuardError

MARKER = "# guard-managed-hook"
HOOKS = ("pre-commit", "pre-push", "pre-receive")


def script(hook: str, python: str | None = None, warm_socket: str | None = None) -> str:
    py = shlex.quote(python or sys.executable)
    warm = ""
    if warm_socket:  # a `guard serve` at this socket runs the hook warm; without one the hook runs here
        warm = f'[ -n "${{GUARD_WARM_SOCKET:-}}" ] || GUARD_WARM_SOCKET={shlex.quote(warm_socket)}; export GUARD_WARM_SOCKET\n'
    return f"""#!/bin/sh
{MARKER}: {hook}
# Installed by `guard install`; `guard install --force` rewrites it.
GUARD_PYTHON={py}
{warm}if [ -x "$GUARD_PYTHON" ]; then exec "$GUARD_PYTHON" -m guard hook {hook} "$@"; fi
if command -v guard >/dev/null 2>&1; then exec guard hook {hook} "$@"; fi
echo "guard: not installed (no $GUARD_PYTHON, no guard on PATH): {hook} refused" >&2
exit 1
"""


def hooks_dir(repo_path: Path) -> Path:
    """Where git looks for hooks: core.hooksPath (relative to the work tree) or GIT_DIR/hooks."""
    from guard.sources.gitdiff import open_repo

    repo = open_repo(repo_path)
    try:
        configured = repo.config["core.hooksPath"]
    except KeyError:
        configured = None
    if configured:
        p = Path(os.path.expanduser(str(configured)))
        if not p.is_absolute():
            base = Path(repo.workdir) if repo.workdir else Path(repo.path)
            p = base / p
        return p
    return Path(repo.path) / "hooks"


def install(
    repo_path: Path, hook: str = "pre-commit", *, force: bool = False, hooks: Path | None = None, warm_socket: str | None = None
) -> Path:
    """Write the hook; a hook guard did not write is kept unless `force` (then backed up)."""
    if hook not in HOOKS:
        raise GuardError(f"unknown hook {hook!r} (one of {', '.join(HOOKS)})")
    directory = hooks or hooks_dir(repo_path)
    target = directory / hook
    if target.exists():
        existing = target.read_bytes()
        if MARKER.encode() not in existing:
            if not force:
                raise GuardError(f"{target} exists and was not written by guard; use --force to replace it (a backup is kept)")
            target.with_name(hook + ".guard-backup").write_bytes(existing)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        target.write_text(script(hook, warm_socket=warm_socket), encoding="utf-8")
        target.chmod(target.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    except OSError as e:
        raise GitError(f"cannot write {target}: {e.strerror}") from None
    return target
