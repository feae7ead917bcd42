from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from conftest import token

from guard import baseline
from guard.baseline import Entry
from guard.errors import GuardError
from guard.scan import fingerprint

PAT = "secret.github-pat"
# Risk rules (config changes and the like) are not what these tests are about.
CONFIG = '[actions]\n"risk.*" = "off"\n'


def entry(path: str, seed: str) -> Entry:
    return Entry(fingerprint(PAT, path, token(seed=seed)), PAT, path)


def findings(out: str) -> list[tuple[str, str, int | None, str]]:
    doc: dict[str, Any] = json.loads(out)
    return [(f["rule_id"], f["path"], f["line"], f["action"]) for f in doc["findings"]]


def test_layout_is_sorted_one_entry_per_line() -> None:
    b = Entry("b" * 32, "risk.x", "z.py")
    a = Entry("a" * 32, PAT, "dir/\u00e9.py")
    assert baseline.dumps([b, a, b]) == (
        "{\n"
        '  "version": 1,\n'
        '  "fingerprints": [\n'
        f'    {{"fingerprint": "{"a" * 32}", "rule_id": "secret.github-pat", "path": "dir/\u00e9.py"}},\n'
        f'    {{"fingerprint": "{"b" * 32}", "rule_id": "risk.x", "path": "z.py"}}\n'
        "  ]\n"
        "}\n"
    )
    assert baseline.dumps([]) == '{\n  "version": 1,\n  "fingerprints": []\n}\n'
    assert baseline.loads(baseline.dumps([b, a]), "f") == (a, b)


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("{", "f: invalid baseline JSON: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ('{"version": 2, "fingerprints": []}', 'f: not a guard baseline (expected {"version": 1, "fingerprints": [...]})'),
        (
            '{"version": 1, "fingerprints": [{"fingerprint": "x"}]}',
            "f: fingerprints[0]: expected an object with string fingerprint, rule_id, path",
        ),
        (
            '{"version": 1, "fingerprints": [\n<<<<<<< HEAD\n=======\n>>>>>>> b\n]}',
            "f: unresolved merge conflict: keep the entry lines of both sides, then run `guard baseline update`",
        ),
    ],
)
def test_invalid_baseline_is_a_one_line_error(text: str, error: str) -> None:
    with pytest.raises(GuardError) as e:
        baseline.loads(text, "f")
    assert str(e.value) == error


def test_update_adds_and_prune_drops() -> None:
    old, kept, new = entry("a.py", "1"), entry("b.py", "2"), entry("c.py", "3")
    assert baseline.update([old, kept], [kept, new], prune=False) == tuple(sorted([old, kept, new]))
    assert baseline.update([old, kept], [kept, new], prune=True) == tuple(sorted([kept, new]))


def test_missing_baseline_file(tmp_path: Path) -> None:
    with pytest.raises(GuardError) as e:
        baseline.load(tmp_path / "nope.json")
    assert str(e.value) == f"baseline file not found: {tmp_path / 'nope.json'} (create it with `guard baseline create`)"


def test_create_then_scan_hides_known_findings(repo: Repo, run_guard: Any) -> None:
    repo.write(".guard.toml", CONFIG)
    repo.write("app/settings.py", f'NAME = "shop"\nTOKEN = "{token(seed="s1")}"\n')
    repo.write("deploy/env.sh", f"export GH={token(seed='s2')}\n")
    r = run_guard("baseline", "create", cwd=repo.path)
    assert (r.code, r.out) == (0, f"guard: wrote 2 fingerprints to {repo.path / '.guard-baseline.json'}\n")
    written = baseline.load(repo.path / ".guard-baseline.json")
    assert written == tuple(sorted([entry("app/settings.py", "s1"), entry("deploy/env.sh", "s2")]))
    text = (repo.path / ".guard-baseline.json").read_text()
    assert token(seed="s1") not in text and '"line"' not in text

    plain = run_guard("scan", ".", "--format", "json", cwd=repo.path)
    assert (plain.code, sorted(findings(plain.out))) == (
        1,
        [(PAT, "app/settings.py", 2, "block"), (PAT, "deploy/env.sh", 1, "block")],
    )
    known = run_guard("scan", ".", "--baseline", ".guard-baseline.json", "--format", "json", cwd=repo.path)
    assert (known.code, findings(known.out)) == (0, [])

    repo.write("new.py", f'T = "{token(seed="s3")}"\n')
    fresh = run_guard("scan", ".", "--baseline", ".guard-baseline.json", "--format", "json", cwd=repo.path)
    assert (fresh.code, findings(fresh.out)) == (1, [(PAT, "new.py", 1, "block")])


def test_moving_code_and_reordering_files_cause_no_churn(repo: Repo, run_guard: Any) -> None:
    s1, s2 = token(seed="m1"), token(seed="m2")
    repo.write(".guard.toml", 'baseline = ".guard-baseline.json"\n' + CONFIG)
    repo.write("app/settings.py", f'import os\n\nTOKEN = "{s1}"\nOTHER = 1\n')
    repo.write("b/tool.py", f'KEY = "{s2}"\n')
    repo.write("c/readme.txt", "hello\n")
    assert run_guard("baseline", "create", cwd=repo.path).code == 0
    before = (repo.path / ".guard-baseline.json").read_bytes()
    repo.commit("baseline")

    # Lines added above, the secret moved below other code, files added that sort before and after, one renamed.
    repo.write(
        "app/settings.py", f'"""Settings."""\nimport os\nimport sys\n\nOTHER = 1\n\n\ndef f():\n    return 2\n\nTOKEN = "{s1}"\n'
    )
    repo.write("b/tool.py", f'# header\n# more\nKEY = "{s2}"  \n')
    repo.write("a/first.py", "x = 1\n")
    repo.write("z/last.py", "y = 2\n")
    repo.git("mv", "c/readme.txt", "c/README.txt")
    r = run_guard("baseline", "update", cwd=repo.path)
    assert (r.code, r.out) == (0, f"guard: {repo.path / '.guard-baseline.json'}: 2 fingerprints (0 added, 0 removed)\n")
    assert (repo.path / ".guard-baseline.json").read_bytes() == before

    files = run_guard("scan", ".", "--format", "json", cwd=repo.path)
    assert (files.code, findings(files.out)) == (0, [])
    baseline.write(repo.path / "empty.json", [])
    unknown = run_guard("scan", ".", "--baseline", "empty.json", "--format", "json", cwd=repo.path)
    assert sorted(findings(unknown.out)) == [(PAT, "app/settings.py", 11, "block"), (PAT, "b/tool.py", 3, "block")]
    repo.git("add", "-A")
    staged = run_guard("hook", "pre-commit", cwd=repo.path)
    assert staged.code == 0 and staged.err.startswith("guard: allow: 0 blocking, 0 warning, ")


def test_config_baseline_applies_to_the_hook_and_new_secrets_still_block(repo: Repo, run_guard: Any) -> None:
    repo.write("a.py", f'T = "{token(seed="h1")}"\n')
    repo.write(".guard.toml", 'baseline = "ci/known.json"\n' + CONFIG)
    r = run_guard("baseline", "create", cwd=repo.path)
    assert r.out == f"guard: wrote 1 fingerprint to {repo.path / 'ci' / 'known.json'}\n"
    repo.git("add", "-A")
    assert run_guard("hook", "pre-commit", cwd=repo.path).code == 0
    repo.write("b.py", f'T = "{token(seed="h2")}"\n')
    repo.git("add", "-A")
    blocked = run_guard("hook", "pre-commit", "--format", "json", cwd=repo.path)
    assert (blocked.code, findings(blocked.out)) == (1, [(PAT, "b.py", 1, "block")])


def test_history_baseline_and_prune(repo: Repo, run_guard: Any) -> None:
    repo.write("old.py", f'T = "{token(seed="p1")}"\n')
    repo.commit("leak")
    repo.write("old.py", "T = None\n")
    repo.commit("fix")
    r = run_guard("baseline", "create", "--all-history", "-o", "hist.json", cwd=repo.path)
    assert (r.code, baseline.load(repo.path / "hist.json")) == (0, (entry("old.py", "p1"),))
    known = run_guard("scan", "--all-history", "--baseline", "hist.json", cwd=repo.path)
    assert known.code == 0
    pruned = run_guard("baseline", "update", "--baseline", "hist.json", "--prune", cwd=repo.path)
    assert (pruned.code, baseline.load(repo.path / "hist.json")) == (0, ())


def test_two_branches_adding_findings_merge_without_conflict(repo: Repo, run_guard: Any) -> None:
    for i in range(6):
        repo.write(f"svc/s{i}.py", f'T = "{token(seed=f"base{i}")}"\n')
    assert run_guard("baseline", "create", cwd=repo.path).code == 0
    repo.commit("base with baseline")
    base = baseline.load(repo.path / ".guard-baseline.json")
    added_a, added_b = entry("feature/a.py", "branch-a"), entry("feature/b.py", "branch-b")
    # Where git can merge: the two new lines land apart (fingerprints are hashes, so they usually do).
    ranks = [sorted([*base, added_a, added_b]).index(e) for e in (added_a, added_b)]
    assert abs(ranks[0] - ranks[1]) >= 2 and max(ranks) < len(base) + 1

    repo.git("checkout", "-q", "-b", "a")
    repo.write("feature/a.py", f'T = "{token(seed="branch-a")}"\n')
    assert run_guard("baseline", "update", cwd=repo.path).code == 0
    repo.commit("a")
    repo.git("checkout", "-q", "-b", "b", "main")
    repo.write("feature/b.py", f'T = "{token(seed="branch-b")}"\n')
    assert run_guard("baseline", "update", cwd=repo.path).code == 0
    repo.commit("b")

    repo.git("checkout", "-q", "main")
    repo.git("merge", "-q", "--no-edit", "a")
    merged = repo.git("merge", "--no-edit", "b", check=False)
    assert "CONFLICT" not in merged
    text = (repo.path / ".guard-baseline.json").read_text()
    assert baseline.loads(text, "merged") == tuple(sorted([*base, added_a, added_b]))
    assert text == baseline.dumps([*base, added_a, added_b])  # already canonical: nothing for update to do
    clean = run_guard("scan", ".", "--baseline", ".guard-baseline.json", cwd=repo.path)
    assert clean.code == 0
