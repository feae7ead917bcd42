"""Every rule's own examples and cases, one test each (adding a rule adds its tests)."""

from __future__ import annotations

import re

import pytest

from guard.rulecheck import Probe
from guard.rulecheck import probes
from guard.rulecheck import run
from guard.rules import load_builtin

PROBES = [pytest.param(p, id=f"{p.rule.id}:{p.label}") for rule in load_builtin() for p in probes(rule)]


@pytest.mark.parametrize("probe", PROBES)
def test_rule_probe(probe: Probe) -> None:
    result = run(probe)
    if probe.label.startswith("known-miss"):
        assert not result.ok, f"known miss now detected, move it to examples:\n{result.explain()}"
    else:
        assert result.ok, result.explain()


def test_rule_ids_unique_and_well_formed() -> None:
    rules = load_builtin()
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"(secret|risk)\.[a-z0-9]+(?:-[a-z0-9]+)*", i) for i in ids), [
        i for i in ids if not re.fullmatch(r"(secret|risk)\.[a-z0-9]+(?:-[a-z0-9]+)*", i)
    ]


def test_every_rule_documents_itself() -> None:
    missing = [r.id for r in load_builtin() if not r.docs or not r.fix]
    assert missing == []


def test_secret_rules_have_negative_examples() -> None:
    missing = [r.id for r in load_builtin() if r.id.startswith("secret.") and not r.negative_examples and not r.cases]
    assert missing == []


def test_secret_rules_have_keywords() -> None:
    # A rule without keywords runs on every added line: only allowed where no literal marks the format.
    allowed = {"secret.dsecrets-high-entropy-base64", "secret.dsecrets-high-entropy-hex"}
    missing = [
        r.id
        for r in load_builtin()
        if r.id.startswith("secret.") and not r.keywords and r.id not in allowed and r.detector != "path"
    ]
    assert missing == []
