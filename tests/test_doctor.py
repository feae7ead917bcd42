from __future__ import annotations

import re
import stat
from typing import Any

from conftest import Repo

from guard.install import MARKER

WENT = "the commit went through"


def section(out: str, title: str) -> list[str]:
    lines = out.splitlines()
    start = lines.index(title) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i]), len(lines))
    return lines[start:end]


def test_installed_hook_blocks_the_staged_canary(repo: Repo, run_guard: Any) -> None:
    repo.write(".guard.toml", 'exclude = ["vendor/*"]\ndisable = ["secret.aws-access-key"]\n')
    assert run_guard("install", cwd=repo.path).code == 0
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    r = run_guard("doctor", cwd=repo.path)
    assert section(r.out, "Hooks") == [
        f"  directory: {hook.parent} (the repository's hooks directory)",
        "  pre-commit   guard",
        "  pre-push     missing",
        "  pre-receive  missing",
        "  pre-commit framework: no .pre-commit-config.yaml mentioning guard",
    ]
    assert section(r.out, "Config") == [
        f"  source: {repo.path / '.guard.toml'}",
        "  rule directories: built-in only",
        "  exclude: vendor/*",
        "  disable: secret.aws-access-key",
        "  enable: none",
        "  baseline: none",
        "  block-confidence: high",
        "  actions: none",
    ]
    assert re.search(r"^Rules: [1-9]\d* secret, \d+ risk active; [1-9]\d* disabled or off by default$", r.out, re.M)
    canary = section(r.out, "Canary: a generated fake credential for secret.github-pat, committed in a temporary repository")
    assert canary[:2] == [
        f"  through the installed hook {hook}",
        "  git commit     blocked (exit 1: guard: block: 1 blocking, 0 warning in 1 file)",
    ]


def test_installed_hook_blocks_commit_all(repo: Repo, run_guard: Any) -> None:
    assert run_guard("install", cwd=repo.path).code == 0
    r = run_guard("doctor", cwd=repo.path)
    assert "  git commit -a  blocked (exit 1: guard: block: 1 blocking, 0 warning in 1 file)" in r.out.splitlines()
    assert (r.code, r.out.splitlines()[-1]) == (0, "guard doctor: ok")


def test_a_hook_that_reads_the_temporary_index_passes_both(repo: Repo, run_guard: Any) -> None:
    """doctor's own logic, with a stand-in hook that looks at the index git gives it (GIT_INDEX_FILE)."""
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text(
        f"#!/bin/sh\n{MARKER}: pre-commit\n"
        'if git diff --cached -U0 | grep -q "ghp_"; then echo "secret.github-pat: blocked" >&2; exit 1; fi\n'
    )
    hook.chmod(0o755)
    r = run_guard("doctor", cwd=repo.path)
    assert section(r.out, "Canary: a generated fake credential for secret.github-pat, committed in a temporary repository") == [
        f"  through the installed hook {hook}",
        "  git commit     blocked (exit 1: secret.github-pat: blocked)",
        "  git commit -a  blocked (exit 1: secret.github-pat: blocked)",
    ]
    assert (r.code, r.out.splitlines()[-1]) == (0, "guard doctor: ok")


def test_a_hook_that_scans_nothing_is_caught(repo: Repo, run_guard: Any) -> None:
    assert run_guard("install", cwd=repo.path).code == 0
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text(f"#!/bin/sh\n{MARKER}: pre-commit\nexit 0\n")
    r = run_guard("doctor", cwd=repo.path)
    assert r.code == 1
    assert r.out.splitlines()[-4:] == [
        f"problem: the canary (secret.github-pat) got through `git commit` with the installed hook {hook}: {WENT}",
        f"problem: the canary (secret.github-pat) got through `git commit -a` with the installed hook {hook}: {WENT}",
        "",
        "guard doctor: 2 problem(s)",
    ]


def test_a_hook_whose_guard_is_gone_is_caught(repo: Repo, run_guard: Any, monkeypatch: Any) -> None:
    assert run_guard("install", cwd=repo.path).code == 0
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    hook.write_text(re.sub(r"GUARD_PYTHON=.*", "GUARD_PYTHON=/nonexistent/python", hook.read_text()))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    r = run_guard("doctor", cwd=repo.path)
    assert r.code == 1
    assert (
        f"problem: the canary (secret.github-pat) got through `git commit` with the installed hook {hook}: exit 1: "
        "guard: not installed (no /nonexistent/python, no guard on PATH): pre-commit refused"
    ) in r.out.splitlines()


def test_not_executable_and_shadowed_hooks_are_problems(repo: Repo, run_guard: Any) -> None:
    assert run_guard("install", cwd=repo.path).code == 0
    old = repo.path / ".git" / "hooks" / "pre-commit"
    repo.git("config", "core.hooksPath", ".githooks")
    assert run_guard("install", cwd=repo.path).code == 0
    new = repo.path / ".githooks" / "pre-commit"
    new.chmod(new.stat().st_mode & ~(stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH))
    r = run_guard("doctor", cwd=repo.path)
    assert r.code == 1
    assert section(r.out, "Hooks")[:2] == [
        f"  directory: {new.parent} (core.hooksPath = .githooks)",
        "  pre-commit   guard, NOT executable",
    ]
    problems = [ln for ln in r.out.splitlines() if ln.startswith("problem: ")]
    assert problems[:3] == [
        f"problem: {new} is not executable: git skips it (run `chmod +x {new}`)",
        f"problem: {old} is ignored: core.hooksPath points git at {new.parent}",
        f"problem: the canary (secret.github-pat) got through `git commit` with the installed hook {new}: {WENT}",
    ]


def test_canary_runs_with_the_users_config(repo: Repo, run_guard: Any) -> None:
    repo.write(".guard.toml", '[actions]\n"secret.*" = "warn"\n')
    assert run_guard("install", cwd=repo.path).code == 0
    r = run_guard("doctor", cwd=repo.path)
    assert r.code == 1
    assert "  git commit     NOT blocked (the commit went through)" in r.out.splitlines()


def test_pre_commit_framework_config_and_no_hook(repo: Repo, run_guard: Any) -> None:
    repo.write(
        ".pre-commit-config.yaml",
        "repos:\n-   repo: https://example.invalid/guard\n    rev: v0.1.0\n    hooks:\n    -   id: guard\n",
    )
    r = run_guard("doctor", "--no-canary", cwd=repo.path)
    assert r.code == 0
    assert f"  pre-commit framework: {repo.path / '.pre-commit-config.yaml'}" in r.out.splitlines()
    assert (
        "warning: .pre-commit-config.yaml mentions guard but the framework's hook is not installed (run `pre-commit install`)"
        in r.out
    )
    assert "Canary" not in r.out


def test_no_hook_at_all_still_runs_the_hook_guard_would_install(repo: Repo, run_guard: Any) -> None:
    r = run_guard("doctor", cwd=repo.path)
    canary = section(r.out, "Canary: a generated fake credential for secret.github-pat, committed in a temporary repository")
    assert canary[:2] == [
        "  through the hook `guard install` would write (none installed)",
        "  git commit     blocked (exit 1: guard: block: 1 blocking, 0 warning in 1 file)",
    ]
    assert "warning: no guard pre-commit hook here: commits are not scanned (run `guard install`)" in r.out.splitlines()
