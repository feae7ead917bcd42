"""A large push is scanned on both cores: the same findings as one process, and the same budget rules."""

from __future__ import annotations

import pytest
from conftest import Repo
from conftest import token

from guard.config import Config
from guard.run import active_rules
from guard.server.budget import Budget
from guard.server.budget import Limits
from guard.server.scanning import scan_commits
from guard.sources.gitdiff import open_repo


def _history(repo: Repo, commits: int) -> list[str]:
    shas = []
    for i in range(commits):
        text = f"value_{i} = {i}\n"
        if i in (3, commits - 2):  # one leak in each half
            text += f'TOKEN = "{token(seed=f"leak{i}")}"\n'
        repo.write(f"pkg/mod{i % 7}.py", text)
        shas.append(repo.commit(f"change {i}"))
    return shas


def _summary(budget: Budget, shas: list[str], repo: Repo) -> tuple[object, ...]:
    scanned = scan_commits(open_repo(repo.path), tuple(shas), active_rules(Config()), Config(), budget)
    found = sorted((s.finding.rule_id, s.finding.commit or "", s.finding.path, s.finding.line or 0) for s in scanned.subjects)
    return found, [c.sha for c in scanned.commits], scanned.complete, [o.kind for o in budget.overruns], budget.bytes


def test_two_parts_find_what_one_process_finds(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    shas = _history(repo, 140)  # parallel.MIN_PER_JOB is 64: two parts
    monkeypatch.setenv("GUARD_JOBS", "1")
    alone = _summary(Budget(Limits(deadline=60)), shas, repo)
    monkeypatch.setenv("GUARD_JOBS", "2")
    split = _summary(Budget(Limits(deadline=60)), shas, repo)
    assert split == alone
    found, commits, complete, overruns, _ = split
    leaks = [(rule, commit) for rule, commit, _path, _line in found if rule == "secret.github-pat"]
    assert leaks == sorted([("secret.github-pat", shas[3]), ("secret.github-pat", shas[138])])
    assert commits == shas
    assert (complete, overruns) == (140, [])


def test_each_part_keeps_the_deadline(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    shas = _history(repo, 140)
    monkeypatch.setenv("GUARD_JOBS", "2")
    expired = Budget(Limits(deadline=0.0001))
    found, commits, complete, overruns, _ = _summary(expired, shas, repo)
    assert (found, commits, complete, overruns) == ([], [], 0, ["deadline"])
    assert expired.blocks()


def test_each_part_gets_a_share_of_the_byte_cap(repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    shas = _history(repo, 140)
    monkeypatch.setenv("GUARD_JOBS", "2")
    capped = Budget(Limits(deadline=60, max_bytes=400))
    _found, _commits, complete, overruns, used = _summary(capped, shas, repo)
    assert overruns == ["bytes"]
    assert complete < 140
    assert used <= 400
