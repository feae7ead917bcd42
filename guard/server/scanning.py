"""Scan a push's new commits within the budget: Engine rules on added lines, path rules on every change."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pygit2

from guard.blast import Tracker
from guard.config import Config
from guard.detectors import repofiles
from guard.model import Commit
from guard.policy import Subject
from guard.rules import Rule
from guard.scan import Engine
from guard.server.budget import Budget
from guard.server.budget import DeadlineExceeded
from guard.server.budget import Overrun
from guard.server.push import open_pushed
from guard.server.selfconfig import config_findings
from guard.server.selfconfig import split_rules
from guard.sources.gitlog import log_changes


@dataclass
class Scanned:
    """What the scan got through (filled in as it goes, so a deadline keeps the partial result)."""

    subjects: list[Subject] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)
    complete: int = 0  # commits scanned to the end


def _excluded(path: str, globs: tuple[str, ...]) -> bool:
    return any(fnmatchcase(path, g) for g in globs)


def _scan(
    repo: pygit2.Repository,
    shas: tuple[str, ...],
    rules: tuple[Rule, ...],
    cfg: Config,
    budget: Budget,
    out: Scanned,
    tracker: Tracker,
) -> None:
    engine_rules, path_rules = split_rules(rules)
    engine = Engine(engine_rules)
    paths = Engine(path_rules, use_hyperscan=False)  # only its per-path rule selection is used
    repofiles.set_root(Path(repo.path))  # CODEOWNERS & co. are looked up once per push, not once per change
    engine.use_gates(large=False)  # never compiled inside the hook's deadline: cached, or built in the background
    # One `git log -p --stdin` for the whole push: git diffs ~3x faster than libgit2, and runs on
    # the other core while this one scans. git sees quarantined objects through the inherited environment.
    stream = log_changes(repo, (), stdin_revs=shas, max_bytes=cfg.max_file_size)
    try:
        for meta, changes in stream:
            sha = meta.sha
            if budget.expired():
                budget.record("deadline", f"deadline of {budget.limits.deadline:g} s reached after {budget.elapsed():.2f} s")
                return
            out.commits.append(meta)
            for change in budget.limit(changes):
                if cfg.exclude and _excluded(change.path, cfg.exclude):
                    continue
                tracker.add(change)
                result = engine.scan_change(change)
                if result.notice:
                    out.notices.append(f"{sha[:10]} {result.notice}")
                out.subjects.extend(Subject(f, pragma=i in result.allowed) for i, f in enumerate(result.findings))
                out.subjects.extend(Subject(f) for f in config_findings(change, path_rules, paths.rules_at(change)))
            if budget.overruns and any(o.kind in ("deadline", "bytes") for o in budget.overruns):
                return
            out.complete += 1
    finally:
        stream.close()  # stops git when the budget ends the scan early


def scan_commits(repo: pygit2.Repository, shas: tuple[str, ...], rules: tuple[Rule, ...], cfg: Config, budget: Budget) -> Scanned:
    """Scan `shas` (oldest first) until done or out of budget; overruns land in `budget`.

    A large push is split into contiguous parts scanned on both cores (guard/parallel.py). Each
    part keeps the deadline (its own alarm, same start) and an equal share of the byte cap;
    commit- and push-level rules see every part's changes before they decide.
    """
    from guard import parallel

    parts = parallel.split(shas, parallel.jobs(len(shas)))
    if len(parts) <= 1:
        tracker = Tracker(rules)  # commit- and push-level size rules (guard/blast.py)
        out = _scan_part(repo, shas, rules, cfg, budget, tracker)
        out.subjects.extend(Subject(f) for f in tracker.findings())
        return out
    share = replace(budget.limits, max_bytes=budget.limits.max_bytes // len(parts))
    main = os.getpid()

    def part(chunk: Sequence[str]) -> tuple[Scanned, list[Overrun], int, tuple[Any, ...]]:
        own = repo if os.getpid() == main else open_pushed(repo.path, os.environ)  # a child opens its own
        sub = Budget(share, clock=budget.clock, start=budget.start)
        tracker = Tracker(rules)
        got = _scan_part(own, tuple(chunk), rules, cfg, sub, tracker)
        return got, sub.overruns, sub.bytes, tracker.state()

    out, tracker = Scanned(), Tracker(rules)
    for got, overruns, used, state in parallel.map_parts(part, parts):
        out.subjects.extend(got.subjects)
        out.notices.extend(got.notices)
        out.commits.extend(got.commits)
        out.complete += got.complete
        for o in overruns:
            budget.record(o.kind, o.detail)
        budget.bytes += used
        tracker.absorb(state)
    out.subjects.extend(Subject(f) for f in tracker.findings())
    return out


def _scan_part(
    repo: pygit2.Repository, shas: tuple[str, ...], rules: tuple[Rule, ...], cfg: Config, budget: Budget, tracker: Tracker
) -> Scanned:
    out = Scanned()
    try:
        with budget.alarm():
            _scan(repo, shas, rules, cfg, budget, out, tracker)
    except DeadlineExceeded:
        budget.record("deadline", f"deadline of {budget.limits.deadline:g} s reached while scanning")
    return out
