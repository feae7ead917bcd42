"""`guard install --hook pre-receive`: the hook file plus the receiving repository's settings."""

from __future__ import annotations

from pathlib import Path

from guard import install
from guard.errors import GitError
from guard.server.config import GIT_CONFIG_KEY
from guard.server.config import load
from guard.sources.gitdiff import open_repo


def install_server(
    repo_path: Path, *, force: bool = False, server_config: str | None = None, warm_socket: str | None = None
) -> list[str]:
    """Install the pre-receive hook; return what was done, one line each."""
    repo = open_repo(repo_path)
    done: list[str] = []
    if not repo.is_bare:
        done.append(f"guard: note: {repo.path} is not a bare repository (pushes to its checked-out branch are refused by git)")
    if server_config:
        path = Path(server_config).expanduser().resolve()
        load(path)  # refuse a config that would fail every push
    target = install.install(repo_path, "pre-receive", force=force, warm_socket=warm_socket)
    done.append(f"guard: installed pre-receive hook at {target}")
    if warm_socket:
        done.append(f"guard: the hook hands each push to `guard serve --socket {warm_socket}` when it runs")
    try:
        if "receive.advertisePushOptions" not in repo.config:
            repo.config["receive.advertisePushOptions"] = True
            done.append("guard: set receive.advertisePushOptions=true (for -o guard.breakglass / guard.approve)")
        if server_config:
            repo.config[GIT_CONFIG_KEY] = str(path)
            done.append(f"guard: set {GIT_CONFIG_KEY}={path}")
    except Exception as e:  # pygit2 raises GitError or OSError-like errors for unwritable config
        raise GitError(f"cannot update {repo.path}config: {e}") from None
    return done
