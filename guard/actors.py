"""Authorship for every scanned commit: guard.agents.identify with what the caller knows.

Range, history and pre-receive scans call `actors_for` with the commits they
collected; the server adds the pushed branch of each commit, the
authenticated pusher and git-ai notes. The agent accounts come from config
(`[agents] accounts`).
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from functools import cache

from guard.agents.authorship import identify
from guard.agents.catalog import Catalog
from guard.agents.catalog import load_catalog
from guard.config import Config
from guard.model import Actor
from guard.model import Commit
from guard.model import Confidence


@cache
def catalog() -> Catalog:
    return load_catalog()


def actors_for(
    commits: Iterable[Commit],
    cfg: Config,
    *,
    branches: Mapping[str, str] | None = None,
    pusher: str | None = None,
    notes: Mapping[str, str] | None = None,
) -> dict[str, Actor]:
    """commit sha -> Actor. `branches` and `notes` are keyed by sha; `pusher` applies to every commit."""
    cat = catalog()
    branches = branches or {}
    notes = notes or {}
    return {
        c.sha: identify(
            c, cat, branch=branches.get(c.sha), pusher=pusher, agent_accounts=cfg.agent_accounts, note=notes.get(c.sha)
        )
        for c in commits
    }


def pusher_actor(pusher: str | None, cfg: Config) -> Actor | None:
    """The actor behind findings that belong to the push, not a commit (ref updates): an agent account, or None."""
    if pusher and pusher.casefold() in {a.casefold() for a in cfg.agent_accounts}:
        return Actor("agent", pusher, Confidence.HIGH, (f"pusher {pusher} is a listed agent account",))
    return None
