"""Who pushed: the account name each git server puts in the hook's environment.

The first non-empty variable wins, most specific first:

=================== ========================== ==================================
variable            set by                     platform
=================== ========================== ==================================
GITHUB_USER_LOGIN   GitHub Enterprise Server   github
GL_USERNAME         GitLab (Gitaly)            gitlab
GL_ID               GitLab (`user-42`)         gitlab
GITEA_PUSHER_NAME   Gitea and Forgejo          gitea
GL_USER             gitolite                   gitolite
REMOTE_USER         git http-backend behind an http
                    authenticating web server
USER, LOGNAME       the server process owner   local
=================== ========================== ==================================

With none of them set, the owner of the hook process (from the password
database) is the pusher, on platform `local`.

USER is weak evidence: over ssh to a shared `git` account every pusher has the
same USER, so an allow-list keyed on it allows everyone or no one.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

SOURCES: tuple[tuple[str, str], ...] = (
    ("GITHUB_USER_LOGIN", "github"),
    ("GL_USERNAME", "gitlab"),
    ("GL_ID", "gitlab"),
    ("GITEA_PUSHER_NAME", "gitea"),
    ("GL_USER", "gitolite"),
    ("REMOTE_USER", "http"),
    ("USER", "local"),
    ("LOGNAME", "local"),
)

_GITLAB = ("GL_ID", "GL_USERNAME", "GL_PROTOCOL", "GL_REPOSITORY", "GL_PROJECT_PATH")


@dataclass(frozen=True, slots=True)
class Pusher:
    name: str | None
    source: str | None  # the variable it came from
    platform: str  # github | gitlab | gitea | gitolite | http | local | unknown

    def __str__(self) -> str:
        return self.name or "unknown pusher"


def os_user() -> str | None:
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name or None
    except (ImportError, KeyError, OSError):
        return None


def pusher(env: Mapping[str, str], fallback: str | None = None) -> Pusher:
    """The pusher named by the environment, else `fallback` (e.g. `os_user()`) as a local user."""
    for var, platform in SOURCES:
        value = env.get(var, "").strip()
        if value:
            return Pusher(value, var, platform)
    if fallback:
        return Pusher(fallback, "uid", "local")
    return Pusher(None, None, "unknown")


def is_gitlab(env: Mapping[str, str]) -> bool:
    """GitLab shows hook lines prefixed `GL-HOOK-ERR: ` in its UI."""
    return any(env.get(k) for k in _GITLAB)
