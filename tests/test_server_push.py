"""End to end: real `git push` into a bare repository with guard's pre-receive hook.

Every test runs over a local path, and (marked slow) over git daemon and git http-backend on loopback.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Repo
from conftest import token
from test_server_helpers import Server
from test_server_helpers import clear_forge_env
from test_server_helpers import make_server
from test_server_helpers import push

from guard.scan import fingerprint

RULE = "secret.github-pat"
MASKED = "ghp_********"


@pytest.fixture(autouse=True)
def _no_forge_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_forge_env(monkeypatch)


@pytest.fixture(params=["path", pytest.param("daemon", marks=pytest.mark.slow), pytest.param("http", marks=pytest.mark.slow)])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """The same bare repository reached over a local path, git daemon or git http-backend on 127.0.0.1."""
    srv = make_server(tmp_path / "srv", transport=request.param)
    yield srv
    srv.close()


def head(repo: Repo) -> str:
    return repo.git("rev-parse", "HEAD")


def clean_main(repo: Repo, server: Server) -> str:
    repo.write("README.md", "# app\n")
    sha = repo.commit("initial")
    pushed = server.push(repo, "main")
    assert pushed.code == 0, pushed.out
    return sha


def test_clean_push_is_accepted_and_logged(repo: Repo, server: Server) -> None:
    repo.write("app.py", "import os\nTOKEN = os.environ['TOKEN']\n")
    sha = repo.commit("app")
    pushed = server.push(repo, "main", user="ada")
    assert pushed.code == 0, pushed.out
    assert server.ref("refs/heads/main") == sha
    assert "guard: refs/heads/main: create, 1 new commit" in pushed.remote()
    event = server.last()
    assert (event["hook"], event["decision"], event["pusher"], event["platform"]) == (
        "pre-receive",
        "accept",
        "ada",
        server.platform,
    )
    assert event["refs"] == [
        {"ref": "refs/heads/main", "old": "0" * 40, "new": sha, "kind": "create", "family": "branch", "commits": 1}
    ]
    assert (event["new_commits"], event["scanned_commits"], event["findings"], event["overruns"]) == (1, 1, [], [])


def test_secret_in_last_commit_is_rejected_and_ref_not_updated(repo: Repo, server: Server) -> None:
    base = clean_main(repo, server)
    secret = token()
    repo.write("config.py", f"DEBUG = False\nGITHUB_TOKEN = '{secret}'\n")
    sha = repo.commit("config")
    pushed = server.push(repo, "main")
    assert pushed.code != 0
    assert server.ref("refs/heads/main") == base
    lines = pushed.remote()
    assert f"guard: BLOCK {RULE}  {sha[:10]}  config.py:2  {MASKED}  (refs/heads/main)" in lines
    assert "guard: push rejected: 1 blocking finding in 1 commit; no ref was updated" in lines
    assert f"guard:         git rebase -i {sha[:10]}~1  (or git commit --amend for the last one), and push again" in lines
    assert secret not in pushed.out
    assert secret not in server.log.read_text()
    event = server.last()
    assert event["decision"] == "reject"
    assert event["reasons"] == ["blocking findings"]
    assert event["findings"] == [
        {
            "rule": RULE,
            "action": "block",
            "commit": sha,
            "path": "config.py",
            "line": 2,
            "redacted": MASKED,
            "fingerprint": fingerprint(RULE, "config.py", secret),
        }
    ]


def test_secret_in_second_of_three_commits_of_a_new_branch_is_rejected(repo: Repo, server: Server) -> None:
    clean_main(repo, server)
    repo.git("switch", "-q", "-c", "feature")
    repo.write("one.txt", "first\n")
    repo.commit("one")
    repo.write("settings.ini", f"[github]\ntoken = {token()}\n")
    second = repo.commit("two")
    repo.write("settings.ini", "[github]\ntoken = ${GITHUB_TOKEN}\n")
    repo.commit("three: take it out again")
    pushed = server.push(repo, "feature")
    assert pushed.code != 0
    assert server.ref("refs/heads/feature") is None
    assert f"guard: BLOCK {RULE}  {second[:10]}  settings.ini:2  {MASKED}  (refs/heads/feature)" in pushed.remote()
    event = server.last()
    assert event["refs"][0]["kind"] == "create"
    assert event["refs"][0]["commits"] == 3
    assert [(f["commit"], f["path"], f["line"]) for f in event["findings"]] == [(second, "settings.ini", 2)]


def test_multi_ref_push_with_only_the_second_ref_dirty_is_rejected_whole(repo: Repo, server: Server) -> None:
    base = clean_main(repo, server)
    repo.git("switch", "-q", "-c", "alpha")
    repo.write("alpha.txt", "clean\n")
    alpha = repo.commit("alpha")
    repo.git("switch", "-q", "-c", "beta", base)
    repo.write("beta.env", f"TOKEN={token()}\n")
    beta = repo.commit("beta")
    pushed = server.push(repo, "alpha", "beta")
    assert pushed.code != 0
    assert (server.ref("refs/heads/alpha"), server.ref("refs/heads/beta")) == (None, None)
    lines = pushed.remote()
    assert "guard: refs/heads/alpha: create, 1 new commit" in lines
    assert "guard: refs/heads/beta: create, 1 new commit" in lines
    assert f"guard: BLOCK {RULE}  {beta[:10]}  beta.env:1  {MASKED}  (refs/heads/beta)" in lines
    event = server.last()
    assert [(r["ref"], r["new"]) for r in event["refs"]] == [("refs/heads/alpha", alpha), ("refs/heads/beta", beta)]
    assert [f["commit"] for f in event["findings"]] == [beta]


def test_branch_created_from_accepted_history_scans_nothing(repo: Repo, server: Server) -> None:
    hook = server.bare / "hooks" / "pre-receive"
    shutil.move(hook, hook.with_name("off"))  # history accepted before guard was installed
    repo.write("old.env", f"TOKEN={token()}\n")
    old = repo.commit("old secret, already on the server")
    assert push(repo, str(server.bare), "main").code == 0
    shutil.move(hook.with_name("off"), hook)
    repo.git("branch", "copy")
    pushed = server.push(repo, "copy")
    assert pushed.code == 0, pushed.out
    assert server.ref("refs/heads/copy") == old
    assert "guard: refs/heads/copy: create, 0 new commits" in pushed.remote()
    event = server.last()
    assert (event["decision"], event["new_commits"], event["findings"]) == ("accept", 0, [])


def test_deletion_is_accepted_and_logged(repo: Repo, server: Server) -> None:
    base = clean_main(repo, server)
    repo.git("branch", "topic")
    assert server.push(repo, "topic").code == 0
    pushed = server.push(repo, ":topic")
    assert pushed.code == 0, pushed.out
    assert server.ref("refs/heads/topic") is None
    assert "guard: refs/heads/topic: delete" in pushed.remote()
    event = server.last()
    assert event["refs"] == [
        {"ref": "refs/heads/topic", "old": base, "new": "0" * 40, "kind": "delete", "family": "branch", "commits": 0}
    ]
    assert event["decision"] == "accept"


def test_force_push_is_scanned_and_reported(repo: Repo, server: Server) -> None:
    first = clean_main(repo, server)
    repo.git("checkout", "-q", "-b", "work")
    for name in ("b", "c"):
        repo.write(f"{name}.txt", name)
        repo.commit(name)
    old_tip = head(repo)
    assert server.push(repo, "work").code == 0
    repo.git("reset", "-q", "--hard", first)
    repo.write("d.txt", "rewritten\n")
    new_tip = repo.commit("d")
    pushed = server.push(repo, "+work")
    assert pushed.code == 0, pushed.out
    assert server.ref("refs/heads/work") == new_tip
    moved = f"{old_tip[:10]} -> {new_tip[:10]}"
    expected = f"guard: refs/heads/work: FORCED update {moved}: 2 commits dropped from the branch, 1 new commit"
    assert expected in pushed.remote()
    ref = server.last()["refs"][0]
    assert (ref["kind"], ref["dropped"], ref["commits"]) == ("force", 2, 1)
    # A forced update is scanned like any other.
    repo.git("reset", "-q", "--hard", first)
    repo.write("e.env", f"TOKEN={token(seed='force')}\n")
    dirty = repo.commit("e")
    rejected = server.push(repo, "+work")
    assert rejected.code != 0
    assert server.ref("refs/heads/work") == new_tip
    assert f"guard: BLOCK {RULE}  {dirty[:10]}  e.env:1  {MASKED}  (refs/heads/work)" in rejected.remote()


def test_force_push_to_a_protected_branch_is_blocked(repo: Repo, server: Server) -> None:
    first = clean_main(repo, server)
    repo.write("b.txt", "b\n")
    old_tip = repo.commit("b")
    assert server.push(repo, "main").code == 0
    repo.git("reset", "-q", "--hard", first)
    repo.write("d.txt", "rewritten\n")
    repo.commit("d")
    pushed = server.push(repo, "+main")
    assert pushed.code != 0
    assert server.ref("refs/heads/main") == old_tip
    assert "guard: BLOCK risk.blast-protected-force-push  -  refs/heads/main" in pushed.remote()
    assert server.last()["decision"] == "reject"


def _three_commits(repo: Repo, dirty_last: bool = False) -> list[str]:
    shas = []
    for i in range(3):
        text = f"TOKEN={token(seed='cap')}\n" if dirty_last and i == 2 else f"n = {i}\n"
        repo.write(f"f{i}.txt", text)
        shas.append(repo.commit(f"c{i}"))
    return shas


def test_commit_cap_fail_closed_rejects(repo: Repo, server: Server) -> None:
    server.configure('[server]\nmax-commits = 1\non-overrun = "fail-closed"\n')
    _three_commits(repo)
    pushed = server.push(repo, "main")
    assert pushed.code != 0
    assert server.ref("refs/heads/main") is None
    lines = pushed.remote()
    assert "guard: budget: 3 new commits, over the cap of 1: only the newest 1 are scanned (scanned 1 of 3 commits)" in lines
    assert "guard: fail-closed: push rejected because part of it was not scanned; push fewer commits at a time" in lines
    event = server.last()
    assert event["overruns"] == [{"kind": "commits", "detail": "3 new commits, over the cap of 1: only the newest 1 are scanned"}]
    assert event["reasons"] == ["budget overrun (fail-closed)"]
    assert (event["fail_mode"], event["scanned_commits"]) == ("fail-closed", 1)


def test_commit_cap_fail_open_accepts_but_still_blocks_what_it_scanned(repo: Repo, server: Server) -> None:
    server.configure('[server]\nmax-commits = 1\non-overrun = "fail-open"\n')
    shas = _three_commits(repo)
    pushed = server.push(repo, "main")
    assert pushed.code == 0, pushed.out
    assert server.ref("refs/heads/main") == shas[-1]
    assert "guard: fail-open: push accepted although part of it was not scanned (logged)" in pushed.remote()
    event = server.last()
    assert (event["decision"], event["overruns"][0]["kind"]) == ("accept", "commits")
    repo.git("switch", "-q", "-c", "more")
    dirty = _three_commits(repo, dirty_last=True)[-1]
    blocked = server.push(repo, "more")
    assert blocked.code != 0
    assert f"guard: BLOCK {RULE}  {dirty[:10]}  f2.txt:1  {MASKED}  (refs/heads/more)" in blocked.remote()


@pytest.mark.parametrize(("mode", "accepted"), [("fail-closed", False), ("fail-open", True)])
def test_deadline_overrun_follows_the_fail_mode(repo: Repo, server: Server, mode: str, accepted: bool) -> None:
    server.configure(f'[server]\ndeadline = 0.001\non-overrun = "{mode}"\n')
    repo.write("a.txt", "a\n")
    sha = repo.commit("a")
    pushed = server.push(repo, "main")
    assert (pushed.code == 0) is accepted, pushed.out
    assert server.ref("refs/heads/main") == (sha if accepted else None)
    budget = [ln for ln in pushed.remote() if ln.startswith("guard: budget: ")]
    assert len(budget) == 1
    assert budget[0].startswith("guard: budget: deadline of 0.001 s reached")
    assert budget[0].endswith("(scanned 0 of 1 commit)")
    event = server.last()
    assert [o["kind"] for o in event["overruns"]] == ["deadline"]
    assert (event["decision"], event["fail_mode"]) == ("accept" if accepted else "reject", mode)


def test_guard_sees_objects_that_exist_only_in_the_quarantine(repo: Repo, server: Server) -> None:
    clean_main(repo, server)
    repo.write("only-here.cfg", f"github_token: {token(seed='quarantine')}\n")
    sha = repo.commit("quarantined")
    blob = repo.git("rev-parse", "HEAD:only-here.cfg")
    assert not server.has_object(blob)
    pushed = server.push(repo, "main")
    assert pushed.code != 0
    assert f"guard: BLOCK {RULE}  {sha[:10]}  only-here.cfg:1  {MASKED}  (refs/heads/main)" in pushed.remote()
    event = server.last()
    assert event["quarantine"] is True
    assert [(f["commit"], f["path"]) for f in event["findings"]] == [(sha, "only-here.cfg")]
    # git dropped the quarantine after the rejection: the objects never reached the object store.
    assert not server.has_object(blob)
    assert not server.has_object(sha)
    # Over git daemon the client can return before receive-pack has removed its quarantine: wait briefly.
    deadline = time.monotonic() + 10
    while list((server.bare / "objects").glob("tmp_objdir-incoming-*")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [p.name for p in (server.bare / "objects").glob("tmp_objdir-incoming-*")] == []


BREAKGLASS = '[server]\nbreakglass-users = ["alice"]\n'
REASON = "INC-42 prod deploy, token already revoked"


def test_breakglass_by_an_allowed_user_passes_and_is_logged(repo: Repo, server: Server) -> None:
    server.configure(BREAKGLASS)
    repo.write("deploy.sh", f"export GH={token(seed='bg')}\n")
    sha = repo.commit("hotfix")
    pushed = server.push(repo, "main", user="alice", options=(f"guard.breakglass={REASON}",))
    assert pushed.code == 0, pushed.out
    assert server.ref("refs/heads/main") == sha
    assert f"guard: break-glass by alice: {REASON!r}: accepted despite blocking findings; logged" in pushed.remote()
    event = server.last()
    assert event["breakglass"] == {"reason": REASON, "allowed": True, "overrode": ["blocking findings"]}
    assert (event["decision"], event["pusher"], event["push_options"]) == ("accept", "alice", [f"guard.breakglass={REASON}"])
    assert [(f["rule"], f["action"], f["commit"]) for f in event["findings"]] == [(RULE, "block", sha)]


def test_breakglass_by_another_user_is_refused_and_logged(repo: Repo, server: Server) -> None:
    server.configure(BREAKGLASS)
    repo.write("deploy.sh", f"export GH={token(seed='bg')}\n")
    repo.commit("hotfix")
    pushed = server.push(repo, "main", user="bob", options=(f"guard.breakglass={REASON}",))
    assert pushed.code != 0
    assert server.ref("refs/heads/main") is None
    assert "guard: break-glass refused: bob may not use it (server config breakglass-users); logged" in pushed.remote()
    event = server.last()
    assert event["breakglass"] == {"reason": REASON, "allowed": False}
    assert (event["decision"], event["pusher"]) == ("reject", "bob")
    assert event["reasons"] == ["blocking findings", "break-glass refused"]


def test_server_config_in_the_pushed_tree_is_ignored(repo: Repo, server: Server) -> None:
    repo.write(".guard.toml", f'disable = ["{RULE}"]\n\n[server]\non-overrun = "fail-open"\nbreakglass-users = ["mallory"]\n')
    repo.write("pyproject.toml", f'[project]\nname = "app"\n\n[tool.guard]\ndisable = ["{RULE}"]\n')
    repo.write("app.py", f"TOKEN = '{token(seed='tree')}'\n")
    sha = repo.commit("silence guard")
    pushed = server.push(repo, "main", user="mallory", options=("guard.breakglass=trust me",))
    assert pushed.code != 0
    assert server.ref("refs/heads/main") is None
    lines = pushed.remote()
    assert f"guard: BLOCK {RULE}  {sha[:10]}  app.py:1  {MASKED}  (refs/heads/main)" in lines
    assert f"guard: WARN  risk.guard-config-changed  {sha[:10]}  .guard.toml  (refs/heads/main)" in lines
    assert f"guard: WARN  risk.guard-config-changed  {sha[:10]}  pyproject.toml  (refs/heads/main)" in lines
    assert "guard: break-glass refused: mallory may not use it (server config breakglass-users); logged" in lines
    event = server.last()
    assert event["config"] == str(server.config)
    assert sorted((f["rule"], f["path"], f["action"]) for f in event["findings"]) == [
        ("risk.guard-config-changed", ".guard.toml", "warn"),
        ("risk.guard-config-changed", "pyproject.toml", "warn"),
        (RULE, "app.py", "block"),
    ]


def test_server_config_actions_apply_to_pushed_guard_config(repo: Repo, server: Server) -> None:
    server.configure('[actions]\n"risk.guard-config-changed" = "block"\n')
    clean_main(repo, server)
    repo.write(".pre-commit-config.yaml", "repos: []\n")
    repo.commit("drop hooks (no guard hook before: nothing removed)")
    assert server.push(repo, "main").code == 0
    repo.write(".guard.toml", "exclude = ['**']\n")
    sha = repo.commit("exclude everything")
    pushed = server.push(repo, "main")
    assert pushed.code != 0
    assert f"guard: BLOCK risk.guard-config-changed  {sha[:10]}  .guard.toml  (refs/heads/main)" in pushed.remote()


def test_annotated_tag_on_an_unpushed_commit_is_scanned(repo: Repo, server: Server) -> None:
    clean_main(repo, server)
    repo.git("switch", "-q", "--detach")
    repo.write("release.env", f"TOKEN={token(seed='tag')}\n")
    sha = repo.commit("release")
    repo.git("tag", "-a", "v1.0", "-m", "release 1.0")
    pushed = server.push(repo, "refs/tags/v1.0")
    assert pushed.code != 0
    assert server.ref("refs/tags/v1.0") is None
    assert "guard: refs/tags/v1.0: new tag, 1 new commit" in pushed.remote()
    assert f"guard: BLOCK {RULE}  {sha[:10]}  release.env:1  {MASKED}  (refs/tags/v1.0)" in pushed.remote()
    assert server.last()["refs"][0]["family"] == "tag"


def test_gitlab_gets_its_prefix_on_blocking_lines(repo: Repo, tmp_path: Path) -> None:
    server = make_server(tmp_path / "srv")
    repo.write("ci.env", f"TOKEN={token(seed='gl')}\n")
    sha = repo.commit("ci")
    pushed = server.push(repo, "main", env={"GL_ID": "user-7", "GL_USERNAME": "ada", "GL_PROTOCOL": "ssh"})
    assert pushed.code != 0
    lines = pushed.remote()
    assert f"GL-HOOK-ERR: guard: BLOCK {RULE}  {sha[:10]}  ci.env:1  {MASKED}  (refs/heads/main)" in lines
    assert "guard: refs/heads/main: create, 1 new commit" in lines  # informational lines keep no prefix
    assert (server.last()["pusher"], server.last()["platform"]) == ("ada", "gitlab")
