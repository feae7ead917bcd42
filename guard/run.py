"""Orchestration without click: pick a source, build the engine, scan, decide."""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from guard import rules as rules_mod
from guard.actors import actors_for
from guard.blast import Tracker
from guard.config import Config
from guard.detectors import repofiles
from guard.model import Change
from guard.model import Commit
from guard.model import Stage
from guard.model import Verdict
from guard.policy import Subject
from guard.policy import decide
from guard.rules import Rule
from guard.scan import Engine


@dataclass(frozen=True, slots=True)
class Request:
    mode: str  # "staged" | "range" | "history" | "files"
    stage: Stage = Stage.CI
    paths: tuple[str, ...] = ()
    rev_range: str | None = None
    repo: Path = Path(".")
    extra_exclude: tuple[str, ...] = ()
    config: Config = field(default_factory=Config)
    baseline: frozenset[str] = frozenset()  # fingerprints of known findings: policy turns them off


Progress = Callable[[int], None]  # called with the number of commits read so far


@dataclass(frozen=True, slots=True)
class Extras:
    """What a CLI-layer module adds to a command it does not own (guard/cli_report.py: `scan --baseline`)."""

    baseline_file: Path | None = None  # instead of the config's `baseline`
    progress: Progress | None = None


EXTRAS: ContextVar[Extras | None] = ContextVar("guard_run_extras", default=None)


def active_rules(cfg: Config) -> tuple[Rule, ...]:
    groups: list[Iterable[Rule]] = [rules_mod.load_builtin()]
    groups += [rules_mod.load_dir(d) for d in cfg.rule_dirs]
    combined = rules_mod.combine(groups, cfg.disable)
    return tuple(r for r in combined if r.enabled or r.id in cfg.enable)


@dataclass
class _Collected:
    commits: list[Commit] = field(default_factory=list)


def _git_changes(req: Request, collected: _Collected, progress: Progress | None) -> Iterator[Change]:
    import pygit2

    from guard.sources import gitdiff
    from guard.sources import history

    # `git commit -a` and `git commit <path>` hand the hook a temporary index in GIT_INDEX_FILE.
    hooked = req.stage is Stage.PRE_COMMIT and bool(os.environ.get("GIT_INDEX_FILE"))
    repo = gitdiff.open_repo(req.repo, from_env=hooked)
    size = req.config.max_file_size
    if req.mode == "staged":
        from guard.sources.staged import staged

        yield from staged(repo, max_bytes=size)
        return
    from guard.sources.gitlog import log_changes

    if req.mode == "range":
        assert req.rev_range is not None
        tips, hide = history.parse_range(repo, req.rev_range)
        revs = [str(t) for t in tips] + [f"^{h}" for h in hide]
    else:
        if not list(repo.references):
            return
        revs = ["--all"]
    for sha, changes in log_changes(repo, revs, max_bytes=size):
        obj = repo[sha]
        assert isinstance(obj, pygit2.Commit)
        collected.commits.append(history.commit_meta(obj))
        if progress is not None:
            progress(len(collected.commits))
        yield from changes


def _known(req: Request, extras: Extras) -> frozenset[str]:
    path = extras.baseline_file or req.config.baseline
    if path is None:
        return req.baseline
    from guard import baseline

    return req.baseline | baseline.load_fingerprints(path)


def execute(req: Request, progress: Progress | None = None) -> tuple[Verdict, tuple[Rule, ...]]:
    cfg = req.config
    extras = EXTRAS.get() or Extras()
    known = _known(req, extras)
    rules = active_rules(cfg)
    engine = Engine(rules)
    collected = _Collected()
    repofiles.set_root(req.repo)
    tracker = Tracker(rules)  # commit- and push-level rules (guard/blast.py)
    if req.mode == "files":
        from guard.sources.files import files

        changes: Iterable[Change] = files(
            req.paths or (".",), max_bytes=cfg.max_file_size, exclude=cfg.exclude + req.extra_exclude
        )
    else:
        changes = tracker.watch(_git_changes(req, collected, progress or extras.progress))
    subjects: list[Subject] = []
    notices: list[str] = []
    exclude = cfg.exclude + req.extra_exclude
    from guard.scan import scan

    for scanned in scan(changes, engine, exclude=exclude):
        if scanned.notice:
            notices.append(scanned.notice)
        subjects.extend(
            Subject(f, pragma=i in scanned.allowed, in_baseline=f.fingerprint in known) for i, f in enumerate(scanned.findings)
        )
    subjects.extend(Subject(f, in_baseline=f.fingerprint in known) for f in tracker.findings())
    actors = actors_for(collected.commits, cfg)
    verdict = decide(subjects, cfg, stage=req.stage, commits=collected.commits, actors=actors, notices=notices)
    return verdict, rules
