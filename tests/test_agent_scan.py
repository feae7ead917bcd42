"""Range scans of real repositories: authorship per commit, agent vs person policy, pragmas, notes, repository contracts."""

from __future__ import annotations

import json
from typing import Any

from conftest import Repo
from conftest import token

from guard.annotate import NOTES_REF
from guard.annotate import read_note

CLAUDE = "\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"
WORKFLOW = "on: push\npermissions: write-all\njobs: {}\n"


def base(repo: Repo) -> str:
    repo.write("README.md", "# shop\n")
    return repo.commit("initial")


def scan(run_guard: Any, repo: Repo, rng: str, *extra: str) -> tuple[int, dict[str, Any]]:
    r = run_guard("scan", "--range", rng, "--format", "json", *extra, cwd=repo.path)
    return r.code, json.loads(r.out)


def risks(doc: dict[str, Any]) -> list[tuple[str, str, int | None, str, str]]:
    return [(f["rule_id"], f["path"], f["line"], f["action"], f["reason"]) for f in doc["findings"] if f["category"] == "risk"]


def test_person_warns_agent_blocks_on_the_same_change(repo: Repo, run_guard: Any) -> None:
    start = base(repo)
    repo.write(".github/workflows/ci.yml", WORKFLOW)
    human = repo.commit("ci: widen token")
    code, doc = scan(run_guard, repo, f"{start}..{human}")
    assert (code, doc["verdict"]) == (0, "warn")
    assert risks(doc) == [
        ("risk.ci-workflow-changed", ".github/workflows/ci.yml", None, "warn", "risky change by a person warns"),
        ("risk.ci-permissions-write-all", ".github/workflows/ci.yml", 2, "warn", "risky change by a person warns"),
    ]
    assert doc["commits"] == [
        {
            "sha": human,
            "author": "Ada Dev <ada@example.com>",
            "decision": "warn",
            "actor": {"kind": "human", "name": None, "confidence": "low", "evidence": ["no agent signal"]},
        }
    ]
    repo.write(".github/workflows/ci.yml", WORKFLOW + "# more\n")
    agent = repo.commit("ci: widen token" + CLAUDE)
    code, doc = scan(run_guard, repo, f"{human}..{agent}")
    assert (code, doc["verdict"]) == (1, "block")
    blocked = "risky change by agent claude-code (high confidence) blocks until a human approves"
    assert risks(doc) == [("risk.ci-workflow-changed", ".github/workflows/ci.yml", None, "block", blocked)]
    assert doc["commits"][0]["actor"] == {
        "kind": "agent",
        "name": "claude-code",
        "confidence": "high",
        "evidence": ["trailer co-authored-by: Claude <noreply@anthropic.com>"],
    }


def test_agent_pragma_does_not_silence_its_own_risk(repo: Repo, run_guard: Any) -> None:
    start = base(repo)
    repo.write("tools/run.py", "import subprocess\nsubprocess.run(cmd, shell=True)  # guard: allow\n")
    agent = repo.commit("tools" + CLAUDE)
    code, doc = scan(run_guard, repo, f"{start}..{agent}")
    ignored = "; inline 'guard: allow' on line 2 ignored: added by an agent commit"
    blocked = "risky change by agent claude-code (high confidence) blocks until a human approves"
    assert code == 1
    assert risks(doc) == [
        ("risk.exec-shell-python", "tools/run.py", 2, "block", blocked + ignored),
        ("risk.tamper-suppression-comment", "tools/run.py", 2, "block", blocked + ignored),
    ]
    repo.write("tools/run.py", "import subprocess\nsubprocess.run(cmd2, shell=True)  # guard: allow\n")
    human = repo.commit("tools: by hand")
    code, doc = scan(run_guard, repo, f"{agent}..{human}")
    assert (code, risks(doc), doc["suppressed"]) == (0, [], 2)


def test_annotate_writes_redacted_notes(repo: Repo, run_guard: Any) -> None:
    start = base(repo)
    secret = token(seed="note")
    repo.write("deploy.sh", f"export GH={secret}\n")
    sha = repo.commit("deploy" + CLAUDE)
    r = run_guard("scan", "--range", f"{start}..{sha}", "--annotate", cwd=repo.path)
    assert r.code == 1
    assert f"guard: wrote 1 note under {NOTES_REF}" in r.err
    note = read_note(repo.path, sha)
    assert note is not None
    assert (note["commit"], note["decision"], note["actor"]["name"]) == (sha, "block", "claude-code")
    assert [(f["rule_id"], f["action"], f["path"], f["line"], f["secret"]) for f in note["findings"]] == [
        ("secret.github-pat", "block", "deploy.sh", 1, "ghp_********")
    ]
    assert secret not in repo.git("notes", "--ref", "guard", "show", sha)
    assert read_note(repo.path, start) is None
    r = run_guard("scan", "--annotate", ".", cwd=repo.path)
    assert r.code == 2 and "--annotate needs --range A..B or --all-history" in r.err


def test_contracts_and_owners_come_from_the_scanned_repository(repo: Repo, run_guard: Any) -> None:
    repo.write(".importlinter", "[importlinter]\nroot_package = shop\n[importlinter:contract:l]\nname = layers\ntype = layers\n"
               "layers =\n    shop.web\n    shop.domain\n")  # fmt: skip
    repo.write(".github/CODEOWNERS", "* @org/all\n/shop/domain/ @org/core\n")
    repo.write("shop/domain/model.py", "X = 1\n")
    repo.write("shop/web/views.py", "from shop.domain import model\n")
    start = repo.commit("layout")
    repo.write("shop/domain/model.py", "from shop.web import views\nX = 1\n")
    repo.write("shop/web/views.py", "from shop.domain import model\nY = 2\n")
    sha = repo.commit("shortcut")
    code, doc = scan(run_guard, repo, f"{start}..{sha}")
    assert code == 0
    assert [(r[0], r[1], r[2]) for r in risks(doc)] == [
        ("risk.area-code-owned", "shop/domain/model.py", None),
        ("risk.arch-layer-violation", "shop/domain/model.py", 1),
    ]
    reasons = {f["rule_id"]: f["confidence_reason"] for f in doc["findings"]}
    layer = "contract 'layers': lower layer shop.domain may not import higher layer shop.web"
    assert reasons["risk.arch-layer-violation"] == layer
    assert reasons["risk.area-code-owned"] == "owned by @org/core (CODEOWNERS line 2: /shop/domain/)"


def test_commit_level_checks_in_range_scans(repo: Repo, run_guard: Any) -> None:
    repo.write("web/package.json", '{\n  "dependencies": {\n    "a": "^1.0.0"\n  }\n}\n')
    repo.write("web/package-lock.json", "{}\n")
    repo.write("tests/test_cart.py", "def test_cart():\n    assert True\n")
    start = repo.commit("web")
    repo.write("web/package.json", '{\n  "dependencies": {\n    "a": "^1.0.0",\n    "left-pad": "^1.3.0"\n  }\n}\n')
    (repo.path / "tests" / "test_cart.py").unlink()
    sha = repo.commit("deps, drop test" + CLAUDE)
    code, doc = scan(run_guard, repo, f"{start}..{sha}")
    assert code == 1
    assert [(r[0], r[1], r[3]) for r in risks(doc)] == [
        ("risk.test-file-deleted", "tests/test_cart.py", "block"),
        ("risk.supply-manifest-without-lockfile", "web/package.json", "block"),
    ]
