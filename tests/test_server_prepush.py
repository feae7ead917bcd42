"""The client-side twin: guard's pre-push hook under a real `git push`, and the pre-commit framework's range."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import Repo
from conftest import guard_subprocess
from conftest import token
from test_server_helpers import push

from guard.errors import GuardError
from guard.server import prepush

RULE = "secret.github-pat"
A = "a" * 40
Z = "0" * 40


@pytest.fixture
def remote(repo: Repo, tmp_path: Path) -> Path:
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    repo.git("remote", "add", "origin", str(bare))
    proc = guard_subprocess("install", "--hook", "pre-push", "--repo", str(repo.path), cwd=repo.path)
    assert proc.returncode == 0, proc.stderr
    return bare


def remote_ref(bare: Path, ref: str) -> str | None:
    proc = subprocess.run(["git", "rev-parse", "--verify", "-q", ref], cwd=bare, capture_output=True, text=True)
    return proc.stdout.strip() or None


def test_pre_push_blocks_a_secret_and_passes_a_clean_push(repo: Repo, remote: Path) -> None:
    repo.write("README.md", "hello\n")
    clean = repo.commit("clean")
    assert push(repo, "origin", "main").code == 0
    assert remote_ref(remote, "refs/heads/main") == clean
    repo.write("deploy.env", f"GH_TOKEN={token()}\n")
    dirty = repo.commit("dirty")
    blocked = push(repo, "origin", "main")
    assert blocked.code != 0
    assert f"deploy.env:1:10 ({dirty[:12]})  {RULE}" in blocked.out
    assert token() not in blocked.out
    assert remote_ref(remote, "refs/heads/main") == clean


def test_pre_push_scans_only_what_the_remote_lacks(repo: Repo, remote: Path) -> None:
    repo.write("old.env", f"GH_TOKEN={token(seed='old')}\n")
    repo.commit("already pushed, past the hook")
    assert subprocess.run(["git", "push", "-q", "--no-verify", "origin", "main"], cwd=repo.path).returncode == 0
    repo.write("new.txt", "fine\n")
    new = repo.commit("clean follow-up")
    pushed = push(repo, "origin", "main")
    assert pushed.code == 0, pushed.out
    assert remote_ref(remote, "refs/heads/main") == new
    repo.git("switch", "-q", "-c", "topic")
    repo.write("topic.txt", "fine\n")
    assert push(repo, "origin", "topic").code == 0  # a new branch: only its own commit, not the old secret


def test_pre_commit_framework_range_from_the_environment(repo: Repo) -> None:
    repo.write("a.txt", f"token = {token(seed='before')}\n")
    before = repo.commit("outside the range")
    repo.write("b.cfg", f"x = 1\ntoken = {token(seed='inside')}\n")
    inside = repo.commit("inside the range")
    env = {"PRE_COMMIT_FROM_REF": before, "PRE_COMMIT_TO_REF": inside}
    proc = guard_subprocess("hook", "pre-push", "--format", "json", "b.cfg", cwd=repo.path, env=env)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert [(f["rule_id"], f["commit"], f["path"], f["line"], f["secret"]) for f in doc["findings"]] == [
        (RULE, inside, "b.cfg", 2, "ghp_********")
    ]
    assert [c["sha"] for c in doc["commits"]] == [inside]


def test_parse_pre_push_lines() -> None:
    text = f"refs/heads/main {A} refs/heads/main {Z}\n(delete) {Z} refs/heads/old {A}\n"
    assert prepush.parse_lines(text) == (
        prepush.PushLine("refs/heads/main", A, "refs/heads/main", Z),
        prepush.PushLine("(delete)", Z, "refs/heads/old", A),
    )
    with pytest.raises(GuardError, match="pre-push input line 1"):
        prepush.parse_lines("refs/heads/main abc\n")


def test_env_range_prefers_the_current_names() -> None:
    assert prepush.env_range({"PRE_COMMIT_FROM_REF": "a", "PRE_COMMIT_TO_REF": "b"}) == ("a", "b")
    assert prepush.env_range({"PRE_COMMIT_SOURCE": "c", "PRE_COMMIT_ORIGIN": "d"}) == ("c", "d")
    assert prepush.env_range({"PRE_COMMIT_FROM_REF": "a"}) is None
