from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from conftest import Repo
from conftest import guard_subprocess
from conftest import token

from guard import __version__


def findings(out: str) -> list[tuple[str, str, int | None, str]]:
    doc: dict[str, Any] = json.loads(out)
    return [(f["rule_id"], f["path"], f["line"], f["action"]) for f in doc["findings"] if f["category"] == "secret"]


def test_version(run_guard: Any) -> None:
    r = run_guard("--version")
    assert (r.code, r.out) == (0, f"guard {__version__}\n")


def test_staged_secret_blocks_with_redacted_output(repo: Repo, run_guard: Any) -> None:
    secret = token()
    repo.write("app/settings.py", f'DEBUG = True\nGITHUB_TOKEN = "{secret}"\n')
    repo.git("add", ".")
    r = run_guard("scan", "--staged", "--format", "json", cwd=repo.path)
    assert r.code == 1
    doc = json.loads(r.out)
    assert doc["verdict"] == "block"
    (f,) = [f for f in doc["findings"] if f["category"] == "secret"]
    assert f == {
        "rule_id": "secret.github-pat",
        "category": "secret",
        "severity": "critical",
        "confidence": "high",
        "confidence_reason": "regex rule secret.github-pat",
        "action": "block",
        "reason": "secret with high confidence blocks",
        "path": "app/settings.py",
        "line": 2,
        "end_line": 2,
        "column": 17,
        "commit": None,
        "message": "GitHub personal access token (classic)",
        "secret": "ghp_********",
        "fingerprint": f["fingerprint"],
    }
    assert len(f["fingerprint"]) == 32
    assert secret not in r.out + r.err
    text = run_guard("scan", "--staged", cwd=repo.path)
    assert text.code == 1
    assert secret not in text.out + text.err
    assert "app/settings.py:2:17  secret.github-pat" in text.out


def test_only_added_lines_are_reported(repo: Repo, run_guard: Any) -> None:
    old = token(seed="old")
    repo.write("a.txt", f"t = {old}\n")
    repo.commit("old secret")
    new = token(seed="new")
    repo.write("a.txt", f"t = {old}\nu = {new}\n")
    repo.git("add", ".")
    r = run_guard("scan", "--staged", "--format", "json", cwd=repo.path)
    assert findings(r.out) == [("secret.github-pat", "a.txt", 2, "block")]


def test_clean_staged_change_passes(repo: Repo, run_guard: Any) -> None:
    repo.write("a.py", "import os\nTOKEN = os.environ['GITHUB_TOKEN']\n")
    repo.git("add", ".")
    r = run_guard("scan", "--staged", cwd=repo.path)
    assert (r.code, r.out) == (0, "guard: allow: 0 blocking, 0 warning\n")


def test_range_and_history_report_commits(repo: Repo, run_guard: Any) -> None:
    repo.write("a.txt", "hello\n")
    base = repo.commit("base")
    repo.write("b.txt", f"x = {token()}\n")
    dirty = repo.commit("dirty")
    repo.write("c.txt", "clean\n")
    clean = repo.commit("clean")
    r = run_guard("scan", "--range", f"{base}..HEAD", "--format", "json", cwd=repo.path)
    doc = json.loads(r.out)
    assert r.code == 1
    assert [(c["sha"], c["author"], c["decision"]) for c in doc["commits"]] == [
        (dirty, "Ada Dev <ada@example.com>", "block"),
        (clean, "Ada Dev <ada@example.com>", "allow"),
    ]
    assert [(f["rule_id"], f["path"], f["line"], f["commit"]) for f in doc["findings"]] == [
        ("secret.github-pat", "b.txt", 1, dirty)
    ]
    full = run_guard("scan", "--all-history", "--format", "json", cwd=repo.path)
    assert [c["sha"] for c in json.loads(full.out)["commits"]] == [base, dirty, clean]


def test_scan_directory_paths_are_relative(tmp_path: Path, run_guard: Any) -> None:
    d = tmp_path / "proj"
    (d / "conf").mkdir(parents=True)
    (d / "conf" / "app.env").write_text(f"A=1\nTOKEN={token()}\n")
    r = run_guard("scan", str(d), "--format", "json", cwd=tmp_path)
    assert findings(r.out) == [("secret.github-pat", "conf/app.env", 2, "block")]
    excluded = run_guard("scan", str(d), "--exclude", "conf/*", "--format", "json", cwd=tmp_path)
    assert (excluded.code, findings(excluded.out)) == (0, [])


def test_inline_pragma_suppresses(tmp_path: Path, run_guard: Any) -> None:
    # The risk rule that reports pragmas themselves is tested with the policy; here only secrets count.
    (tmp_path / ".guard.toml").write_text('disable = ["risk.tamper-suppression-comment"]\n')
    (tmp_path / "a.py").write_text(
        f'a = "{token(seed="1")}"  # guard: allow\n'
        f'b = "{token(seed="2")}"  # guard: allow secret.github-pat\n'
        f'c = "{token(seed="3")}"  # guard: allow secret.aws-access-key\n'
        f'd = "{token(seed="4")}"  /* guard:allow secret.github-* */\n'
    )
    r = run_guard("scan", str(tmp_path), "--format", "json", "--exclude", ".guard.toml")
    doc = json.loads(r.out)
    assert findings(r.out) == [("secret.github-pat", "a.py", 3, "block")]
    assert doc["suppressed"] == 3


def test_usage_errors_exit_2(repo: Repo, run_guard: Any) -> None:
    r = run_guard("scan", "--staged", "--range", "a..b", cwd=repo.path)
    assert r.code == 2
    assert "Error: --range cannot be combined with --staged or --all-history" in r.err
    r = run_guard("scan", "--range", "HEAD", cwd=repo.path)
    assert (r.code, r.err) == (2, "guard: error: unknown revision: HEAD\n")  # unborn
    repo.commit()
    r = run_guard("scan", "--range", "nope..HEAD", cwd=repo.path)
    assert (r.code, r.err) == (2, "guard: error: unknown revision: nope\n")


def test_git_errors_exit_3(tmp_path: Path, run_guard: Any) -> None:
    r = run_guard("scan", "--staged", cwd=tmp_path)
    assert r.code == 3
    assert r.err.startswith("guard: error: not a git repository: ")


def test_empty_repository_history_is_clean(repo: Repo, run_guard: Any) -> None:
    r = run_guard("scan", "--all-history", "--format", "json", cwd=repo.path)
    assert (r.code, json.loads(r.out)["findings"]) == (0, [])


def test_rules_list_json(run_guard: Any) -> None:
    r = run_guard("rules", "list", "--format", "json")
    items = json.loads(r.out)
    pat = next(i for i in items if i["id"] == "secret.github-pat")
    assert {k: pat[k] for k in ("id", "category", "severity", "title")} == {
        "id": "secret.github-pat",
        "category": "secret",
        "severity": "critical",
        "title": "GitHub personal access token (classic)",
    }
    assert all(i["category"] in ("secret", "risk") for i in items)


def test_install_writes_hook_and_refuses_foreign(repo: Repo, run_guard: Any) -> None:
    r = run_guard("install", cwd=repo.path)
    hook = repo.path / ".git" / "hooks" / "pre-commit"
    assert r.code == 0
    assert hook.stat().st_mode & stat.S_IXUSR
    assert "-m guard hook pre-commit" in hook.read_text()
    assert run_guard("install", cwd=repo.path).code == 0  # our own hook: rewritten
    hook.write_text("#!/bin/sh\necho mine\n")
    r = run_guard("install", cwd=repo.path)
    assert r.code == 2
    assert "was not written by guard; use --force" in r.err
    assert run_guard("install", "--force", cwd=repo.path).code == 0
    assert (repo.path / ".git" / "hooks" / "pre-commit.guard-backup").read_text() == "#!/bin/sh\necho mine\n"


def test_install_honours_core_hooks_path(repo: Repo, run_guard: Any) -> None:
    repo.git("config", "core.hooksPath", ".githooks")
    r = run_guard("install", cwd=repo.path)
    assert r.code == 0
    assert (repo.path / ".githooks" / "pre-commit").is_file()
    assert not (repo.path / ".git" / "hooks" / "pre-commit").exists()


def test_installed_hook_blocks_real_commit(repo: Repo) -> None:
    assert guard_subprocess("install", cwd=repo.path).returncode == 0
    secret = token()
    repo.write("deploy.sh", f"export GH_TOKEN={secret}\n")
    repo.git("add", ".")
    proc = repo_commit(repo)
    assert proc.returncode == 1
    assert "deploy.sh:1" in proc.stderr
    assert secret not in proc.stdout + proc.stderr
    assert repo.git("rev-list", "--all") == ""  # nothing committed
    repo.write("deploy.sh", 'export GH_TOKEN="$(pass show gh)"\n')
    repo.git("add", ".")
    assert repo_commit(repo).returncode == 0


def repo_commit(repo: Repo) -> Any:
    import subprocess

    return subprocess.run(["git", "commit", "-m", "x"], cwd=repo.path, capture_output=True, text=True)


def test_internal_error_is_one_line(run_guard: Any, monkeypatch: Any, tmp_path: Path) -> None:
    import guard.run

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(guard.run, "execute", boom)
    r = run_guard("scan", str(tmp_path))
    assert (r.code, r.err) == (3, "guard: internal error: RuntimeError: kaput (set GUARD_DEBUG=1 for details)\n")


def test_installed_hook_blocks_commit_all_with_temporary_index(repo: Repo) -> None:
    import subprocess

    assert guard_subprocess("install", cwd=repo.path).returncode == 0
    repo.write("app.py", "x = 1\n")
    repo.commit("base")
    secret = token(seed="commit-a")
    repo.write("app.py", f"x = 1\nt = '{secret}'\n")
    proc = subprocess.run(["git", "commit", "-a", "-m", "x"], cwd=repo.path, capture_output=True, text=True)
    assert proc.returncode == 1
    assert "app.py:2" in proc.stderr
    assert repo.git("rev-list", "--count", "HEAD") == "1"


def test_installed_hook_blocks_commit_of_a_path_and_passes_the_clean_one(repo: Repo) -> None:
    import subprocess

    assert guard_subprocess("install", cwd=repo.path).returncode == 0
    repo.write("app.py", "x = 1\n")
    repo.write("lib.py", "y = 1\n")
    repo.commit("base")
    repo.write("app.py", f"x = 1\nt = '{token(seed='commit-path')}'\n")  # left unstaged
    repo.write("lib.py", "y = 2\n")
    # `git commit <path>` builds a temporary index holding the path as it is in the worktree.
    leaked = subprocess.run(["git", "commit", "app.py", "-m", "x"], cwd=repo.path, capture_output=True, text=True)
    assert (leaked.returncode, "app.py:2" in leaked.stderr) == (1, True)
    clean = subprocess.run(["git", "commit", "lib.py", "-m", "y"], cwd=repo.path, capture_output=True, text=True)
    assert clean.returncode == 0, clean.stderr
    assert repo.git("log", "--format=%s").split() == ["y", "base"]
