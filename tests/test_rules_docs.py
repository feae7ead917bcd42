"""docs/rules.md is generated from the rule files and kept fresh."""

from __future__ import annotations

from typing import Any

from conftest import ROOT

from guard.rules import load_builtin
from guard.rulesdoc import render


def test_docs_rules_md_is_fresh() -> None:
    want = render(load_builtin())
    got = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert got == want, "docs/rules.md is stale: run `guard rules docs > docs/rules.md`"


def test_cli_prints_the_same(run_guard: Any) -> None:
    r = run_guard("rules", "docs", cwd=ROOT)
    assert (r.code, r.out) == (0, render(load_builtin()))


def test_every_risk_rule_has_a_section_and_a_table_row() -> None:
    text = render(load_builtin())
    for rule in load_builtin():
        assert f"\n### {rule.id}\n" in text
        assert f"| [`{rule.id}`](#{rule.id.replace('.', '')}) | {rule.severity.label} |" in text
