"""A change to guard's own configuration is a finding: the path detector and the content checks."""

from __future__ import annotations

import pytest

from guard.detectors import DETECTORS
from guard.detectors import path as path_detector
from guard.document import Document
from guard.errors import RuleError
from guard.model import Blob
from guard.model import Change
from guard.model import Status
from guard.rules import load_builtin
from guard.server import selfconfig

RULE = "risk.guard-config-changed"


def change(
    path: str, new: str | None, old: str | None = None, status: Status | None = None, old_path: str | None = None
) -> Change:
    if status is None:
        status = Status.DELETED if new is None else (Status.ADDED if old is None else Status.MODIFIED)
    added = tuple(enumerate((new or "").splitlines(), 1)) if old is None else ()
    return Change(
        path=path,
        status=status,
        added=added,
        old_path=old_path,
        commit="c" * 40,
        content=Blob(data=new.encode()) if new is not None else Blob(),
        old_content=Blob(data=old.encode()) if old is not None else Blob(),
    )


def found(c: Change) -> list[tuple[str, str, str]]:
    rules = selfconfig.split_rules(load_builtin())[1]
    return [(f.rule_id, f.path, f.confidence_reason) for f in selfconfig.config_findings(c, rules) if f.rule_id == RULE]


def test_path_detector_is_registered_and_validates_its_keys() -> None:
    assert DETECTORS["path"] is path_detector
    with pytest.raises(RuleError, match="paths"):
        path_detector.prepare({"paths": []}, "x.toml", "risk.x")
    with pytest.raises(RuleError, match="on"):
        path_detector.prepare({"paths": ["a"], "on": ["Q"]}, "x.toml", "risk.x")


@pytest.mark.parametrize(
    ("glob", "path", "hit"),
    [
        (".guard.toml", ".guard.toml", True),
        (".guard.toml", "svc/a/.guard.toml", True),
        (".guard.toml", "svc/a/.guard.toml.bak", False),
        ("ci/*.yml", "ci/a.yml", True),
        ("ci/*.yml", "x/ci/a.yml", False),
    ],
)
def test_path_globs(glob: str, path: str, hit: bool) -> None:
    assert path_detector.matches(glob, path) is hit
    prepared = path_detector.prepare({"paths": [glob, "never/*.x"]}, "x", "risk.x")
    assert [h.secret for h in path_detector.detect(prepared, Document(change(path, "x\n")))] == ([path] if hit else [])


def test_path_detector_honours_statuses() -> None:
    prepared = path_detector.prepare({"paths": [".guard.toml"], "on": ["D"]}, "x", "risk.x")
    deleted = Document(change(".guard.toml", None, "x = 1\n"))
    added = Document(change(".guard.toml", "x = 1\n"))
    assert [h.line for h in path_detector.detect(prepared, deleted)] == [None]
    assert list(path_detector.detect(prepared, added)) == []


def test_deleting_and_renaming_guard_toml_are_findings_without_added_lines() -> None:
    assert found(change(".guard.toml", None, "disable = []\n")) == [(RULE, ".guard.toml", "path rule risk.guard-config-changed")]
    renamed = change("old.toml", "", "", status=Status.RENAMED, old_path=".guard.toml")
    assert found(renamed) == [(RULE, "old.toml", "path rule risk.guard-config-changed")]


def test_pyproject_only_counts_when_tool_guard_changes() -> None:
    old = '[project]\nname = "a"\n\n[tool.guard]\ndisable = []\n'
    assert found(change("pyproject.toml", old.replace('"a"', '"b"'), old)) == []
    edited = old.replace("disable = []", 'disable = ["secret.*"]')
    assert found(change("pyproject.toml", edited, old)) == [(RULE, "pyproject.toml", "[tool.guard] changed in pyproject.toml")]
    removed = '[project]\nname = "a"\n'
    assert found(change("pyproject.toml", removed, old)) == [(RULE, "pyproject.toml", "[tool.guard] removed in pyproject.toml")]
    assert found(change("pkg/pyproject.toml", old)) == [(RULE, "pkg/pyproject.toml", "[tool.guard] added in pkg/pyproject.toml")]
    # Unparsable TOML still compares the [tool.guard] section's lines.
    broken = "[project\n[tool.guard]\nexclude = ['**']\n"
    assert found(change("pyproject.toml", broken, "[project\n[tool.guard]\nexclude = []\n")) == [
        (RULE, "pyproject.toml", "[tool.guard] changed in pyproject.toml")
    ]


PRECOMMIT = """repos:
  - repo: https://example.com/guard
    rev: v1.0.0
    hooks:
      - id: guard
        args: [--format, text]
      - id: guard-pre-push
        stages: [pre-push]
  - repo: local
    hooks:
      - id: lint
        name: lint
        entry: make lint
        language: system
"""


def test_guard_hooks_are_found_with_their_entries() -> None:
    hooks = selfconfig.guard_hooks(PRECOMMIT)
    assert hooks == {
        "guard": "      - id: guard\n        args: [--format, text]",
        "guard-pre-push": "      - id: guard-pre-push\n        stages: [pre-push]",
    }


def test_precommit_guard_hook_removed_or_edited_is_a_finding() -> None:
    removed = PRECOMMIT.replace("      - id: guard\n        args: [--format, text]\n", "")
    assert found(change(".pre-commit-config.yaml", removed, PRECOMMIT)) == [
        (RULE, ".pre-commit-config.yaml", "guard hook guard removed from .pre-commit-config.yaml")
    ]
    manual = PRECOMMIT.replace("stages: [pre-push]", "stages: [manual]")
    assert found(change(".pre-commit-config.yaml", manual, PRECOMMIT)) == [
        (RULE, ".pre-commit-config.yaml", "guard hook guard-pre-push edited in .pre-commit-config.yaml")
    ]
    assert found(change(".pre-commit-config.yaml", None, PRECOMMIT))[0][2] == (
        "guard hook guard, guard-pre-push removed from .pre-commit-config.yaml"
    )


def test_precommit_changes_that_keep_guard_hooks_are_not_findings() -> None:
    other = PRECOMMIT.replace("entry: make lint", "entry: make check")
    assert found(change(".pre-commit-config.yaml", other, PRECOMMIT)) == []
    assert found(change(".pre-commit-config.yaml", PRECOMMIT)) == []  # adding guard is fine
    bumped = PRECOMMIT.replace("rev: v1.0.0", "rev: v1.1.0")
    assert found(change(".pre-commit-config.yaml", bumped, PRECOMMIT)) == []


def test_disabling_the_rule_disables_the_content_checks() -> None:
    old = "[tool.guard]\ndisable = []\n"
    c = change("pyproject.toml", "[tool.guard]\ndisable = ['x']\n", old)
    assert list(selfconfig.config_findings(c, ())) == []
    assert found(c) == [(RULE, "pyproject.toml", "[tool.guard] changed in pyproject.toml")]
