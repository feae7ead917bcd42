from __future__ import annotations

import dataclasses
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote
from urllib.parse import urlsplit

import jsonschema
import pytest
from conftest import Repo
from conftest import token
from test_report_golden import RULES
from test_report_golden import finding
from test_report_golden import rule
from test_report_golden import sample_verdict

from guard.model import Action
from guard.model import Category
from guard.model import Confidence
from guard.model import Decision
from guard.model import Severity
from guard.model import Verdict
from guard.report import sarif

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def validate(doc: dict[str, Any]) -> None:
    """The official schema, and the limits GitHub code scanning documents on top of it."""
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    (run,) = doc["runs"]
    descriptors = run["tool"]["driver"]["rules"]
    assert len(run["results"]) <= 25_000
    assert len({d["id"] for d in descriptors}) == len(descriptors)
    for d in descriptors:
        assert len(d["name"]) <= 255 and len(d["id"]) <= 255
        assert 0 < len(d["shortDescription"]["text"]) <= 1024 and 0 < len(d["fullDescription"]["text"]) <= 1024
        assert d["help"]["text"] and d["help"]["markdown"]
        assert len(d["properties"]["tags"]) <= 20
        assert 0.0 < float(d["properties"]["security-severity"]) <= 10.0
        assert d["defaultConfiguration"]["level"] in {"note", "warning", "error"}
    for r in run["results"]:
        assert descriptors[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["level"] in {"note", "warning", "error"}
        assert r["partialFingerprints"]["guardFingerprint/v1"]
        (loc,) = r["locations"]
        uri = loc["physicalLocation"]["artifactLocation"]["uri"]
        parts = urlsplit(uri)
        assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("", "", "", "")
        assert not uri.startswith("/") and "\\" not in uri and " " not in uri
        region = loc["physicalLocation"].get("region")
        if region is not None:
            assert region["startLine"] >= 1 and region["endLine"] >= region["startLine"] and region["startColumn"] >= 1


def render(verdict: Verdict, rules: Any = RULES) -> dict[str, Any]:
    out = io.StringIO()
    sarif.write(verdict, rules, out)
    doc: dict[str, Any] = json.loads(out.getvalue())
    return doc


def test_sample_is_valid_sarif_within_github_limits() -> None:
    doc = render(sample_verdict())
    validate(doc)
    (run,) = doc["runs"]
    assert [
        (r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run["results"]
    ] == [
        ("risk.ci-checks-disabled", "warning", ".github/workflows/ci.yml"),
        ("secret.generic-password", "warning", "deploy/%3Cprod%3E%26.env"),
        ("secret.github-pat", "note", "docs/example.md"),
        ("secret.retired-rule", "warning", "notes/%C3%A9t%C3%A9%20%231.txt"),
        ("secret.github-pat", "error", "src/app%20config/settings%2Cprod.py"),
    ]
    assert unquote("notes/%C3%A9t%C3%A9%20%231.txt") == "notes/\u00e9t\u00e9 #1.txt"


def test_file_level_finding_has_no_region() -> None:
    doc = render(sample_verdict())
    risk = doc["runs"][0]["results"][0]
    assert risk["locations"] == [
        {"physicalLocation": {"artifactLocation": {"uri": ".github/workflows/ci.yml", "uriBaseId": "%SRCROOT%"}}}
    ]


def test_rule_metadata_for_github() -> None:
    doc = render(sample_verdict())
    pat = next(d for d in doc["runs"][0]["tool"]["driver"]["rules"] if d["id"] == "secret.github-pat")
    assert pat["properties"] == {
        "tags": ["security", "secret", "external/cwe/cwe-798", "github", "token"],
        "precision": "high",
        "security-severity": "9.5",
    }
    assert pat["defaultConfiguration"] == {"level": "error"}
    assert pat["helpUri"] == "https://docs.github.com/en/authentication"
    assert "**How to fix**\n\nRevoke the token at github.com/settings/tokens" in pat["help"]["markdown"]


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        ("a/b.py", "a/b.py"),
        ("./a/b.py", "a/b.py"),
        ("dir with space/x#y?.txt", "dir%20with%20space/x%23y%3F.txt"),
        ("win\\style.txt", "win/style.txt"),
        ("100%.txt", "100%25.txt"),
    ],
)
def test_artifact_uri(path: str, uri: str) -> None:
    assert sarif.artifact_uri(path) == uri


def test_results_over_the_limit_keep_the_most_severe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sarif, "MAX_RESULTS", 5)
    decisions = [Decision(finding("secret.github-pat", f"warn/{i}.py", 1, 1), Action.WARN, "warns") for i in range(4)]
    decisions += [Decision(finding("secret.github-pat", f"block/{i}.py", 1, 1), Action.BLOCK, "blocks") for i in range(3)]
    doc = render(Verdict(tuple(decisions)))
    validate(doc)
    (run,) = doc["runs"]
    assert [(r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]) for r in run["results"]] == [
        ("error", "block/0.py"),
        ("error", "block/1.py"),
        ("error", "block/2.py"),
        ("warning", "warn/0.py"),
        ("warning", "warn/1.py"),
    ]
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes == [{"level": "warning", "message": {"text": "2 less severe results left out (limit 5)"}}]


def test_twenty_five_thousand_results_is_the_cap() -> None:
    f = finding("secret.github-pat", "a.py", 1, 1)
    decisions = tuple(Decision(dataclasses.replace(f, line=i + 1), Action.BLOCK, "blocks") for i in range(25_003))
    (run,) = render(Verdict(decisions))["runs"]
    assert len(run["results"]) == 25_000
    assert run["results"][-1]["locations"][0]["physicalLocation"]["region"]["startLine"] == 25_000


def test_long_rule_text_is_clipped_and_tags_capped() -> None:
    long = rule(
        "secret.long",
        Category.SECRET,
        "t" * 2000,
        Severity.LOW,
        Confidence.LOW,
        docs="d" * 5000,
        tags=tuple(f"tag{i}" for i in range(40)),
    )
    f = dataclasses.replace(finding("secret.long", "a.py", 1, 1), rule_id="secret.long")
    doc = render(Verdict((Decision(f, Action.WARN, "warns"),)), {"secret.long": long})
    validate(doc)
    (d,) = doc["runs"][0]["tool"]["driver"]["rules"]
    assert (len(d["shortDescription"]["text"]), len(d["fullDescription"]["text"]), len(d["properties"]["tags"])) == (
        1024,
        1024,
        20,
    )


def test_scan_cli_writes_valid_sarif_without_the_secret(repo: Repo, run_guard: Any) -> None:
    secret = token()
    repo.write("conf/app settings.env", f"A=1\nTOKEN={secret}\n")
    repo.git("add", ".")
    r = run_guard("scan", "--staged", "--format", "sarif", cwd=repo.path)
    assert r.code == 1
    assert secret not in r.out + r.err
    doc = json.loads(r.out)
    validate(doc)
    (result,) = doc["runs"][0]["results"]
    assert (result["ruleId"], result["level"], result["locations"][0]["physicalLocation"]) == (
        "secret.github-pat",
        "error",
        {
            "artifactLocation": {"uri": "conf/app%20settings.env", "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": 2, "startColumn": 7, "endLine": 2},
        },
    )
