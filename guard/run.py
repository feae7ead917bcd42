"""Orchestration without click: pick a source, build the engine, scan, decide."""

from __future__ import annotations

import os
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from functools import partial
from pathlib import Path
from typing import Any

from guard import rules as rules_mod
from guard.blast import Tracker
from guard.config import Config
from guard.detectors import repofiles
from guard.model import Actor
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
    baseline_file: Path | None = None  # instead of the config's `baseline`


# From this many commits a scan compiles the pattern gates (about a second, then cached) if needed.
GATES_FROM = 200
CHUNKS_PER_WORKER = 4

Progress = Callable[[int], None]  # called with the number of commits read so far


def active_rules(cfg: Config) -> tuple[Rule, ...]:
    groups: list[Iterable[Rule]] = [rules_mod.load_builtin()]
    groups += [rules_mod.load_dir(d) for d in cfg.rule_dirs]
    combined = rules_mod.combine(groups, cfg.disable)
    return tuple(r for r in combined if r.enabled or r.id in cfg.enable)


@dataclass
class _Part:
    """What scanning some commits (or the index, or files) produced; parts merge in order."""

    subjects: list[Subject] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)
    tracker: tuple[Any, ...] = ()
    actors: dict[str, Actor] = field(default_factory=dict)  # who wrote each commit, found where it was scanned


def _open(req: Request) -> Any:
    """The repository of a range or history scan (pygit2: ranges, commit metadata, blobs)."""
    from guard.sources import gitdiff

    return gitdiff.open_repo(req.repo)


def _commits(repo: Any, req: Request) -> list[str]:
    """The commits a range or history scan covers, oldest first."""
    import subprocess

    from guard.errors import GitError
    from guard.sources import history

    if req.mode == "range":
        assert req.rev_range is not None
        tips, hide = history.parse_range(repo, req.rev_range)
        revs = [str(t) for t in tips] + [f"^{h}" for h in hide]
    else:
        if not list(repo.references):
            return []
        revs = ["--all"]
    proc = subprocess.run(
        ["git", "rev-list", "--reverse", "--topo-order", *revs, "--"],
        capture_output=True,
        env={**os.environ, "GIT_DIR": repo.path},
    )
    if proc.returncode != 0:
        raise GitError(f"git rev-list failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
    return proc.stdout.decode("ascii").split()


def _scan(changes: Iterable[Change], engine: Engine, tracker: Tracker, req: Request, known: frozenset[str], out: _Part) -> None:
    from guard.scan import scan

    for scanned in scan(tracker.watch(changes), engine, exclude=req.config.exclude + req.extra_exclude):
        if scanned.notice:
            out.notices.append(scanned.notice)
        out.subjects.extend(
            Subject(f, pragma=i in scanned.allowed, in_baseline=f.fingerprint in known) for i, f in enumerate(scanned.findings)
        )


def _scan_commits(
    req: Request, engine: Engine, rules: tuple[Rule, ...], known: frozenset[str], progress: Progress | None, shas: Sequence[str]
) -> _Part:
    from guard.sources.gitlog import log_changes

    repo = _open(req)  # each process opens its own repository
    out, tracker = _Part(), Tracker(rules)

    def changes() -> Iterator[Change]:
        for meta, found in log_changes(repo, (), stdin_revs=shas, max_bytes=req.config.max_file_size):
            out.commits.append(meta)
            if progress is not None:
                progress(len(out.commits))
            yield from found

    _scan(changes(), engine, tracker, req, known, out)
    out.tracker = tracker.state()
    if out.commits:  # the agent catalog loads only when there are commits to attribute
        from guard.actors import actors_for

        out.actors = actors_for(out.commits, req.config)
    return out


def _known(req: Request) -> frozenset[str]:
    path = req.baseline_file or req.config.baseline
    if path is None:
        return req.baseline
    from guard import baseline

    return req.baseline | baseline.load_fingerprints(path)


def execute(req: Request, progress: Progress | None = None) -> tuple[Verdict, tuple[Rule, ...]]:
    cfg = req.config
    known = _known(req)
    rules = active_rules(cfg)
    engine = Engine(rules)
    repofiles.set_root(req.repo)
    tracker = Tracker(rules)  # commit- and push-level rules (guard/blast.py)
    parts: list[_Part]
    if req.mode != "range" and req.mode != "history":
        engine.use_gates(large=False)  # cached gates, or built in the background for the next run
    if req.mode == "files":
        from guard.sources.files import files

        part = _Part()
        found = files(req.paths or (".",), max_bytes=cfg.max_file_size, exclude=cfg.exclude + req.extra_exclude)
        _scan(found, engine, tracker, req, known, part)
        parts = [part]
    elif req.mode == "staged":
        from guard.sources.staged import staged

        part = _Part()
        # `git commit -a` and `git commit <path>` hand the hook a temporary index in GIT_INDEX_FILE.
        hooked = req.stage is Stage.PRE_COMMIT and bool(os.environ.get("GIT_INDEX_FILE"))
        _scan(staged(req.repo, max_bytes=cfg.max_file_size, from_env=hooked), engine, tracker, req, known, part)
        parts = [part]
    else:
        from guard import parallel

        shas = _commits(_open(req), req)
        engine.use_gates(large=len(shas) >= GATES_FROM)
        workers = parallel.jobs(len(shas))
        # More chunks than workers, taken in turn: history is uneven (one commit vendors a library).
        chunks = parallel.split(shas, workers * CHUNKS_PER_WORKER if workers > 1 else 1)
        main = os.getpid()

        counted = [0, 0]  # commits of this process's finished chunks, of its current chunk

        def report(n: int) -> None:  # only this process draws the progress line; workers stay silent
            if progress is None or os.getpid() != main:
                return
            if n < counted[1]:  # a new chunk started
                counted[0] += counted[1]
            counted[1] = n
            progress(min(len(shas), (counted[0] + n) * workers))  # the other workers read about as many

        parts = parallel.map_chunks(partial(_scan_commits, req, engine, rules, known, report), chunks, workers)
        for p in parts:
            tracker.absorb(p.tracker)
    subjects = [s for p in parts for s in p.subjects]
    notices = [n for p in parts for n in p.notices]
    commits = [c for p in parts for c in p.commits]
    subjects.extend(Subject(f, in_baseline=f.fingerprint in known) for f in tracker.findings())
    actors = {sha: actor for p in parts for sha, actor in p.actors.items()}
    verdict = decide(subjects, cfg, stage=req.stage, commits=commits, actors=actors, notices=notices)
    return verdict, rules
