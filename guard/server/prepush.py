"""The client-side twin of pre-receive: what `git push` is about to send.

git runs pre-push with the remote's name and URL as arguments and one
`<local ref> SP <local sha> SP <remote ref> SP <remote sha>` line per ref on
stdin. The pre-commit framework reads that stdin itself and hands its hooks
PRE_COMMIT_FROM_REF / PRE_COMMIT_TO_REF (PRE_COMMIT_SOURCE / PRE_COMMIT_ORIGIN
in pre-commit < 2.0) instead.

The commits to scan are those reachable from the local shas and not from
what the remote is known to have: its current sha for the ref (when we have
it) and every remote-tracking ref of that remote. Like every client hook this
is advisory (`git push --no-verify` skips it); the server enforces.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import pygit2

from guard.actors import actors_for
from guard.config import Config
from guard.errors import GuardError
from guard.model import Stage
from guard.model import Verdict
from guard.policy import decide
from guard.rules import Rule
from guard.run import active_rules
from guard.server.budget import Budget
from guard.server.budget import Limits
from guard.server.refs import is_zero
from guard.server.scanning import scan_commits
from guard.sources import history

ENV_RANGES = (("PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF"), ("PRE_COMMIT_SOURCE", "PRE_COMMIT_ORIGIN"))
UNLIMITED = Limits(deadline=math.inf, max_commits=10**9, max_bytes=10**15)


@dataclass(frozen=True, slots=True)
class PushLine:
    local_ref: str
    local_sha: str
    remote_ref: str
    remote_sha: str


def parse_lines(text: str) -> tuple[PushLine, ...]:
    out: list[PushLine] = []
    for n, raw in enumerate(text.splitlines(), 1):
        parts = raw.split()
        if not parts:
            continue
        if len(parts) != 4:
            raise GuardError(f"pre-push input line {n}: expected '<local ref> <local sha> <remote ref> <remote sha>'")
        out.append(PushLine(*parts))
    return tuple(out)


def env_range(env: Mapping[str, str]) -> tuple[str, str] | None:
    """(from, to) set by the pre-commit framework, if any."""
    for a, b in ENV_RANGES:
        if env.get(a) and env.get(b):
            return env[a], env[b]
    return None


def _commit(repo: pygit2.Repository, rev: str) -> pygit2.Oid | None:
    if is_zero(rev):
        return None
    try:
        obj = repo.revparse_single(rev).peel(pygit2.Commit)
    except (KeyError, ValueError, pygit2.GitError, pygit2.InvalidSpecError):
        return None
    return obj.id


def targets(
    repo: pygit2.Repository, lines: tuple[PushLine, ...], remote: str | None, env: Mapping[str, str]
) -> tuple[list[pygit2.Oid], list[pygit2.Oid]]:
    """(tips to scan from, commits the remote already has)."""
    span = env_range(env)
    if span is not None:
        tip = _commit(repo, span[1])
        if tip is None:
            raise GuardError(f"pre-push: unknown revision {span[1]}")
        base = _commit(repo, span[0])
        return [tip], [base] if base is not None else []
    tips = [t for t in (_commit(repo, ln.local_sha) for ln in lines) if t is not None]
    hide = [h for h in (_commit(repo, ln.remote_sha) for ln in lines) if h is not None]
    if remote:
        prefix = f"refs/remotes/{remote}/"
        for name in repo.references:
            if name.startswith(prefix):
                target = _commit(repo, name)
                if target is not None:
                    hide.append(target)
    return tips, hide


def run(
    repo: pygit2.Repository, stdin: str, env: Mapping[str, str], remote: str | None, cfg: Config
) -> tuple[Verdict, tuple[Rule, ...]]:
    lines = parse_lines(stdin) if env_range(env) is None else ()
    tips, hide = targets(repo, lines, remote, env)
    shas = tuple(str(c.id) for c in history.walk(repo, tips, hide))
    rules = active_rules(cfg)
    scanned = scan_commits(repo, shas, rules, cfg, Budget(UNLIMITED))
    actors = actors_for(scanned.commits, cfg)
    verdict = decide(
        scanned.subjects, cfg, stage=Stage.PRE_PUSH, commits=scanned.commits, actors=actors, notices=scanned.notices
    )
    return verdict, rules
