"""The risk detectors beyond their rules' cases: config errors, repository files, contracts, blast radius."""

from __future__ import annotations

from pathlib import Path

import pytest

from guard import blast
from guard.detectors import contracts
from guard.detectors import owners
from guard.detectors import repofiles
from guard.errors import RuleError
from guard.model import Blob
from guard.model import Category
from guard.model import Change
from guard.model import Status
from guard.rulecheck import change_for
from guard.rules import Rule
from guard.rules import load_builtin
from guard.rules import parse_rule
from guard.scan import Engine


def rule(**raw: object) -> Rule:
    base: dict[str, object] = {"id": "risk.t", "title": "t", "severity": "medium", "examples": ["x"]}
    return parse_rule({**base, **raw}, "test.toml", Category.RISK)


def lines(r: Rule, change: Change) -> list[int | None]:
    return [f.line for f in Engine([r]).scan_change(change).findings]


BAD_RULES = [
    ({"detector": "added-regex", "pattern": "("}, "pattern: invalid regular expression"),
    ({"detector": "added-regex", "pattern": "x", "kinds": ["cobol"]}, "kinds: unknown file kind 'cobol'"),
    ({"detector": "added-regex", "pattern": "x", "unless": ""}, "unless: expected a non-empty string"),
    ({"detector": "query", "language": "php", "query": "(x) @hit"}, "language: unknown language 'php'"),
    ({"detector": "query", "language": "python", "query": "(call) @c"}, "report: the query has no capture @hit"),
    ({"detector": "removed", "pattern": "x", "mode": "lowered"}, 'pattern: mode "lowered" needs a group named value'),
    ({"detector": "removed", "pattern": "x", "mode": "shrunk"}, "mode: expected one of gone|lowered, got 'shrunk'"),
    ({"detector": "push", "scope": "commit"}, "scope: scope 'commit' needs at least one of max-deleted, max-files, max-lines"),
    ({"detector": "push", "scope": "ref", "refs": ["refs/heads/m"], "on": ["rename"]}, "on: expected a list from force delete"),
    ({"detector": "push", "scope": "file", "max-bytes": 1, "refs": ["x"]}, "refs: not a key of scope 'file'"),
    ({"detector": "push", "scope": "pair", "lonely": "manifest", "pairs": [["a/package.json", "x"]]}, "pairs: expected lists"),
    ({"detector": "imports", "contracts": "[other]\nx = 1\n"}, "contracts: no [importlinter] section"),
]


@pytest.mark.parametrize(("raw", "message"), BAD_RULES, ids=[m.split(":")[0] for _, m in BAD_RULES])
def test_bad_rule_config_names_the_key(raw: dict[str, object], message: str) -> None:
    with pytest.raises(RuleError) as e:
        rule(**raw)
    assert str(e.value).startswith(f"test.toml: rule risk.t: {message}")


def test_query_that_does_not_compile_is_a_rule_error() -> None:
    r = rule(detector="query", language="python", query="(no_such_node) @hit")
    with pytest.raises(RuleError, match=r"test.toml: rule risk.t: query: does not compile"):
        lines(r, change_for("a.py", "x = 1\n"))


def test_query_reports_only_added_rows_of_a_multiline_call() -> None:
    r = next(x for x in load_builtin() if x.id == "risk.exec-shell-python")
    old = "subprocess.run(\n    cmd,\n    check=True,\n)\n"
    new = "subprocess.run(\n    cmd,\n    check=True,\n    shell=True,\n)\n"
    assert lines(r, change_for("t.py", new, old, Status.MODIFIED)) == [4]
    assert lines(r, change_for("t.py", new.replace("cmd,", "cmd2,"), new, Status.MODIFIED)) == []


def test_removed_lowered_takes_the_lowest_key_and_ignores_added_files() -> None:
    r = next(x for x in load_builtin() if x.id == "risk.test-coverage-lowered-js")
    old = '{"coverageThreshold": {"global": {"branches": 80, "lines": 90, "functions": 70}}}\n'
    new = '{"coverageThreshold": {"global": {"branches": 80, "lines": 85}}}\n'
    found = Engine([r]).scan_change(change_for("package.json", new, old, Status.MODIFIED)).findings
    assert [(f.line, f.confidence_reason) for f in found] == [
        (None, "removed: functions (was 70)"),
        (1, "lowered: lines from 90 to 85"),
    ]
    assert Engine([r]).scan_change(change_for("package.json", new)).findings == ()


# --- repository files: CODEOWNERS and import-linter contracts -----------------

CODEOWNERS = """
* @org/everyone
/shop/auth/ @org/security
*.tf @org/infra  # terraform
docs/
"""


def test_codeowners_patterns() -> None:
    entries = owners.parse(CODEOWNERS)
    assert [(e.pattern, e.owners) for e in entries] == [
        ("*", ("@org/everyone",)),
        ("/shop/auth/", ("@org/security",)),
        ("*.tf", ("@org/infra",)),
        ("docs/", ()),
    ]
    pick = {p: (e.pattern if e else None) for p in ("shop/auth/x.py", "infra/net/main.tf", "a/shop/auth/x.py", "docs/a.md")
            for e in [owners.owner_of(entries, p)]}  # fmt: skip
    assert pick == {"shop/auth/x.py": "/shop/auth/", "infra/net/main.tf": "*.tf", "a/shop/auth/x.py": "*", "docs/a.md": "docs/"}


def test_code_owned_rule_reads_codeowners_from_the_repository() -> None:
    r = next(x for x in load_builtin() if x.id == "risk.area-code-owned")
    files = {".github/CODEOWNERS": CODEOWNERS}
    with repofiles.use(files.get):
        found = [f for path in ("shop/auth/login.py", "README.md", "docs/x.md") for f in
                 Engine([r]).scan_change(change_for(path, "x = 1\n")).findings]  # fmt: skip
        deleted = Engine([r]).scan_change(change_for("shop/auth/old.py", "", None, Status.DELETED)).findings
    assert [(f.path, f.confidence_reason) for f in found] == [
        ("shop/auth/login.py", "owned by @org/security (CODEOWNERS line 3: /shop/auth/)")
    ]
    assert [f.path for f in deleted] == ["shop/auth/old.py"]


IMPORTLINTER = """
[importlinter]
root_package = shop

[importlinter:contract:layers]
name = Shop layers
type = layers
layers =
    shop.web
    shop.services
    shop.domain

[importlinter:contract:nodb]
name = Domain is pure
type = forbidden
source_modules = shop.domain
forbidden_modules = sqlalchemy
"""


def test_contract_parsing_and_edges() -> None:
    found = contracts.from_ini(IMPORTLINTER)
    assert found is not None and found.roots == ("shop",)
    layers, forbidden = found.contracts
    assert [lv.modules for lv in layers.layers] == [("shop.web",), ("shop.services",), ("shop.domain",)]
    assert contracts.violation(layers, "shop.domain.model", "shop.web.views") == (
        "contract 'Shop layers': lower layer shop.domain may not import higher layer shop.web"
    )
    assert contracts.violation(layers, "shop.web.views", "shop.domain.model") is None
    assert contracts.violation(forbidden, "shop.domain.repo", "sqlalchemy.orm") == (
        "contract 'Domain is pure': shop.domain may not import sqlalchemy"
    )
    toml = (
        '[tool.importlinter]\nroot_packages = ["a"]\n'
        '[[tool.importlinter.contracts]]\nname = "i"\ntype = "independence"\nmodules = ["a.x", "a.y"]\n'
    )
    parsed = contracts.from_pyproject(toml)
    assert parsed is not None
    assert contracts.violation(parsed.contracts[0], "a.x.m", "a.y") == "contract 'i': a.x and a.y must stay independent"
    siblings = contracts.Contract("s", "layers", layers=(contracts._level("a | b"),), containers=("p",))
    assert contracts.violation(siblings, "p.a.m", "p.b") == (
        "contract 's': independent layers p.a and p.b may not import each other"
    )


def test_layer_rule_checks_only_new_imports_with_relative_resolution() -> None:
    r = next(x for x in load_builtin() if x.id == "risk.arch-layer-violation")
    old = "from shop.web import forms\n\nX = 1\n"
    new = "from shop.web import forms\nfrom ..services import billing\nimport sqlalchemy.orm as orm\n"
    new += "from . import value\n\nX = 1\n"
    with repofiles.use({"setup.cfg": IMPORTLINTER}.get):
        found = Engine([r]).scan_change(change_for("src/shop/domain/model.py", new, old, Status.MODIFIED)).findings
    assert [(f.line, f.confidence_reason) for f in found] == [
        (2, "contract 'Shop layers': lower layer shop.domain may not import higher layer shop.services"),
        (3, "contract 'Domain is pure': shop.domain may not import sqlalchemy"),
    ]


def test_repository_files_outside_a_repository(tmp_path: Path) -> None:
    with repofiles.use_root(tmp_path):
        assert (repofiles.read(".importlinter"), repofiles.exists(".importlinter")) == (None, False)


# --- blast radius ---------------------------------------------------------------


def change(path: str, n: int = 1, status: Status = Status.ADDED, commit: str = "c1", size: int = 10) -> Change:
    added = tuple((i, "x") for i in range(1, n + 1)) if status is not Status.DELETED else ()
    return Change(path, status, added, commit=commit, content=Blob(data=b"x"), size=size)


def test_commit_and_push_limits() -> None:
    rules = load_builtin()
    tracker = blast.Tracker(rules)
    stream = [change(f"f{i}.txt", commit="c1") for i in range(101)] + [change("big.txt", 5001, commit="c2")]
    stream += [change(f"d{i}.txt", status=Status.DELETED, commit="c3") for i in range(51)]
    assert list(tracker.watch(stream)) == stream
    got = [(f.rule_id, f.commit, f.confidence_reason) for f in tracker.findings()]
    assert got == [
        ("risk.blast-large-commit", "c1", "101 files changed (limit 100)"),
        ("risk.blast-large-commit", "c2", "5001 lines added (limit 5000)"),
        ("risk.blast-large-commit", "c3", "51 files deleted (limit 50)"),
    ]


def test_large_file() -> None:
    tracker = blast.Tracker(load_builtin())
    tracker.add(change("data/dump.sql", size=6 * 1024 * 1024))
    tracker.add(change("small.txt", size=100))
    assert [(f.rule_id, f.path, f.confidence_reason) for f in tracker.findings()] == [
        ("risk.supply-large-file", "data/dump.sql", "6291456 bytes (limit 5242880)")
    ]


def test_manifest_and_lockfile_pairs() -> None:
    tracker = blast.Tracker(load_builtin())
    dep = Change("web/package.json", Status.MODIFIED, ((3, '    "left-pad": "^1.3.0",'),), commit="c1")
    script = Change("api/package.json", Status.MODIFIED, ((3, '    "test": "jest --ci",'),), commit="c1")
    lock_only = Change("svc/poetry.lock", Status.MODIFIED, ((9, 'version = "2.0"'),), commit="c2")
    both = [Change("lib/Cargo.toml", Status.MODIFIED, ((5, 'serde = "1.0"'),), commit="c3"),
            Change("lib/Cargo.lock", Status.MODIFIED, ((7, 'version = "1.0.1"'),), commit="c3")]  # fmt: skip
    for c in (dep, script, lock_only, *both):
        tracker.add(c)
    files = {"web/package-lock.json": "{}", "api/package-lock.json": "{}"}
    with repofiles.use(files.get):
        got = [(f.rule_id, f.path, f.confidence_reason) for f in tracker.findings()]
    assert got == [
        ("risk.supply-manifest-without-lockfile", "web/package.json", "package.json changed, web/package-lock.json did not"),
        ("risk.supply-lockfile-without-manifest", "svc/poetry.lock", "poetry.lock changed, svc/pyproject.toml did not"),
    ]


def test_protected_ref_updates() -> None:
    updates = [("refs/heads/main", "force"), ("refs/heads/feature", "force"), ("refs/tags/v1.2.0", "delete"),
               ("refs/heads/release/2026.1", "delete"), ("refs/heads/main", "update")]  # fmt: skip
    found = blast.ref_findings(updates, load_builtin())
    assert {f.commit for f in found} == {None}
    assert [(f.rule_id, f.path, f.confidence_reason) for f in found] == [
        ("risk.blast-protected-force-push", "refs/heads/main", "protected ref refs/heads/main force-pushed (history rewritten)"),
        ("risk.blast-protected-ref-deleted", "refs/tags/v1.2.0", "protected ref refs/tags/v1.2.0 deleted"),
        ("risk.blast-protected-ref-deleted", "refs/heads/release/2026.1", "protected ref refs/heads/release/2026.1 deleted"),
    ]
