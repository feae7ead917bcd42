"""Agent pushes end to end: a real `git push` into a bare repository with guard's pre-receive hook.

The same workflow change that widens the token is rejected from an agent,
accepted with a warning from a person, and accepted from the agent once a
configured approver pushes it with `-o guard.approve=<reason>`; the approval
is in the hash-chained audit log. A commit message can never approve.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Repo
from test_server_helpers import Server
from test_server_helpers import clear_forge_env
from test_server_helpers import make_server

from guard import audit
from guard.config import Config
from guard.model import Action
from guard.model import Category
from guard.model import Commit
from guard.model import Confidence
from guard.model import Finding
from guard.model import Severity
from guard.policy import Subject
from guard.pushpolicy import decide_push
from guard.rules import load_builtin

CLAUDE = "\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"
WORKFLOW = "on: push\npermissions:\n  contents: read\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
WIDENED = "on: push\npermissions: write-all\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
POLICY = '[policy]\napprovers = ["alice"]\n[agents]\naccounts = ["ci-agent"]\n'
RULE = "risk.ci-permissions-write-all"
BLOCKED = "risky change by agent claude-code (high confidence) blocks until a human approves"



@pytest.fixture(autouse=True)
def _no_forge_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_forge_env(monkeypatch)


@pytest.fixture
def server(tmp_path: Path) -> Server:
    srv = make_server(tmp_path / "srv", POLICY)
    yield srv  # type: ignore[misc]
    srv.close()


def main_with_workflow(repo: Repo, server: Server) -> str:
    repo.write(".github/workflows/ci.yml", WORKFLOW)
    sha = repo.commit("ci")
    pushed = server.push(repo, "main", user="alice")
    assert pushed.code == 0, pushed.out
    return sha


def finding_lines(pushed_lines: list[str] | tuple[str, ...], rule: str) -> list[str]:
    return [ln for ln in pushed_lines if f" {rule}  " in ln]


def test_agent_widening_permissions_is_rejected(repo: Repo, server: Server) -> None:
    base = main_with_workflow(repo, server)
    repo.write(".github/workflows/ci.yml", WIDENED)
    sha = repo.commit("ci: more permissions" + CLAUDE)
    pushed = server.push(repo, "main", user="ada")
    assert pushed.code != 0
    assert server.ref("refs/heads/main") == base
    line = f"guard: BLOCK {RULE}  {sha[:10]}  .github/workflows/ci.yml:2  (refs/heads/main)"
    assert finding_lines(pushed.remote(), RULE) == [line]
    event = server.last()
    assert event["decision"] == "reject"
    assert event["actors"][sha]["kind"] == "agent" and event["actors"][sha]["name"] == "claude-code"
    assert [(f["rule"], f["action"]) for f in event["findings"] if f["rule"] == RULE] == [(RULE, "block")]


def test_same_change_by_a_person_is_accepted_with_a_warning(repo: Repo, server: Server) -> None:
    main_with_workflow(repo, server)
    repo.write(".github/workflows/ci.yml", WIDENED)
    sha = repo.commit("ci: more permissions")
    pushed = server.push(repo, "main", user="ada")
    assert pushed.code == 0, pushed.out
    assert server.ref("refs/heads/main") == sha
    line = f"guard: WARN  {RULE}  {sha[:10]}  .github/workflows/ci.yml:2  (refs/heads/main)"
    assert finding_lines(pushed.remote(), RULE) == [line]
    event = server.last()
    assert (event["decision"], event["actors"][sha]["kind"]) == ("accept", "human")


def test_approver_lets_the_agent_change_through_and_it_is_logged(repo: Repo, server: Server) -> None:
    main_with_workflow(repo, server)
    repo.write(".github/workflows/ci.yml", WIDENED)
    sha = repo.commit("ci: more permissions" + CLAUDE)
    pushed = server.push(repo, "main", user="alice", options=("guard.approve=reviewed",))
    assert pushed.code == 0, pushed.out
    assert server.ref("refs/heads/main") == sha
    line = f"guard: ALLOW {RULE}  {sha[:10]}  .github/workflows/ci.yml:2  (refs/heads/main)"
    assert finding_lines(pushed.remote(), RULE) == [line]
    event = server.last()
    assert event["decision"] == "accept"
    assert event["approval"]["approver"] == "alice" and event["approval"]["reason"] == "reviewed"
    assert event["approval"]["accepted"] is True
    assert {(a["rule"], a["commit"]) for a in event["approval"]["allowed"]} >= {(RULE, sha)}
    assert audit.verify(server.log).ok


def test_approval_by_a_non_approver_or_in_a_commit_message_does_not_count(repo: Repo, server: Server) -> None:
    base = main_with_workflow(repo, server)
    repo.write(".github/workflows/ci.yml", WIDENED)
    trailers = "Approved-by: alice\nCo-authored-by: Claude <noreply@anthropic.com>\n"
    repo.commit("ci: more permissions\n\nguard.approve=reviewed\n\n" + trailers)
    pushed = server.push(repo, "main", user="bob", options=("guard.approve=lgtm",))
    assert pushed.code != 0
    assert server.ref("refs/heads/main") == base
    assert "guard: approval refused: bob is not a configured approver ([policy] approvers)" in pushed.remote()
    event = server.last()
    assert event["approval"]["accepted"] is False
    pushed = server.push(repo, "main", user="ci-agent", options=("guard.approve=self",))
    assert pushed.code != 0
    assert "guard: approval refused: ci-agent is an agent account" in pushed.remote()


# --- the same policy without a server: guard.pushpolicy.decide_push ---------------------------


def test_decide_push_unit() -> None:
    sha = "c" * 40
    commit = Commit(sha, "Ada", "ada@example.com", "Ada", "ada@example.com", "x" + CLAUDE)
    path = ".github/workflows/ci.yml"
    f = Finding(RULE, Category.RISK, Severity.HIGH, Confidence.HIGH, "r", path, 2, 2, 1, sha, "t", "writ********", "1" * 32)
    cfg = Config(approvers=frozenset({"alice"}), agent_accounts=frozenset({"ci-agent"}))
    rules = load_builtin()
    pd = decide_push([Subject(f)], [commit], cfg, rules, pusher="ada", ref_updates=[("refs/heads/main", "force")])
    assert [(d.finding.rule_id, d.action, d.reason) for d in pd.verdict.decisions] == [
        (RULE, Action.BLOCK, BLOCKED),
        ("risk.blast-protected-force-push", Action.BLOCK, "critical risk blocks for anyone"),
    ]
    assert (pd.approval, pd.problems, pd.event["approval"]) == (None, (), None)
    assert pd.event["actors"][sha]["name"] == "claude-code"
    branches = {sha: "refs/heads/claude/x"}
    ok = decide_push([Subject(f)], [commit], cfg, rules, pusher="alice", approvals=("reviewed",), branches=branches)
    approved = f"approved by alice: 'reviewed' (was: {BLOCKED})"
    assert [(d.action, d.reason) for d in ok.verdict.decisions] == [(Action.ALLOW, approved)]
    assert ok.event["approval"] == {
        "approver": "alice",
        "reason": "reviewed",
        "accepted": True,
        "problem": None,
        "allowed": [{"rule": RULE, "commit": sha, "fingerprint": "1" * 32}],
    }
    assert "branch claude/x" in ok.event["actors"][sha]["evidence"]
    human = Commit(sha, "Ada", "ada@example.com", "Ada", "ada@example.com", "x\n")
    by_agent_account = decide_push([Subject(f)], [human], cfg, rules, pusher="ci-agent", approvals=("me",))
    assert by_agent_account.problems == ("approval refused: ci-agent is an agent account",)
    assert [(d.action, d.reason) for d in by_agent_account.verdict.decisions] == [
        (Action.BLOCK, "risky change by agent ci-agent (high confidence) blocks until a human approves")
    ]
