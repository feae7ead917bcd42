"""Escaping and structure of the CI formats, and the terminal report's colour and code frame."""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from conftest import Repo
from conftest import token
from test_report_golden import RULES
from test_report_golden import finding
from test_report_golden import render
from test_report_golden import sample_verdict

from guard.model import Action
from guard.model import Decision
from guard.model import Verdict
from guard.report import github
from guard.report import gitlab
from guard.report import junit
from guard.report import text


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("value", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100% sure", "100%25 sure", "100%25 sure"),
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("x::error::injected", "x::error::injected", "x%3A%3Aerror%3A%3Ainjected"),
        ("a,b=c", "a,b=c", "a%2Cb=c"),
        ("bell\x07esc\x1b", "bell\\x07esc\\x1b", "bell\\x07esc\\x1b"),
    ],
)
def test_github_escaping(value: str, data: str, prop: str) -> None:
    assert (github.escape_data(value), github.escape_property(value)) == (data, prop)


def test_github_annotation_cannot_break_out_of_its_line() -> None:
    f = finding("secret.github-pat", "evil\n::error file=x::owned,.py", 3, 2, end_line=4, message="m\n::warning::x")
    out = io.StringIO()
    github.write(Verdict((Decision(f, Action.BLOCK, "secret with high confidence blocks"),)), RULES, out)
    first, summary = out.getvalue().splitlines()
    assert first.startswith(
        "::error file=evil%0A%3A%3Aerror file=x%3A%3Aowned%2C.py,line=3,endLine=4,col=2,"
        "title=guard secret.github-pat::m%0A::warning::x: "
    )
    assert summary == "guard: block: 1 blocking, 0 warning"


def test_junit_is_valid_xml_with_failures_for_blocks_only() -> None:
    root = ET.fromstring(render("junit").split("\n", 1)[1])
    (suite,) = root.findall("testsuite")
    assert (suite.get("tests"), suite.get("failures"), root.get("failures")) == ("5", "1", "1")
    cases = [(c.get("classname"), c.find("failure") is not None) for c in suite.findall("testcase")]
    assert cases == [
        (".github/workflows/ci.yml", False),
        ("deploy/<prod>&.env", False),
        ("docs/example.md", False),
        ("notes/\u00e9t\u00e9 #1.txt", False),
        ("src/app config/settings,prod.py", True),
    ]
    failure = suite.findall("testcase")[-1].find("failure")
    assert failure is not None
    assert (failure.get("type"), failure.get("message")) == (
        "secret.github-pat",
        "GitHub personal access token (classic): ghp_********",
    )
    retired = suite.findall("testcase")[3].find("system-out")
    assert retired is not None and retired.text is not None
    assert retired.text.startswith("secret.retired-rule: Retired rule\ufffd[31m with a control character\n")


def test_junit_without_findings_has_one_passing_case() -> None:
    out = io.StringIO()
    junit.write(Verdict(()), RULES, out)
    root = ET.fromstring(out.getvalue().split("\n", 1)[1])
    assert [(c.get("name"), list(c)) for c in root.iter("testcase")] == [("no findings", [])]
    assert (root.get("tests"), root.get("failures")) == ("1", "0")


def test_gitlab_secret_detection_report(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    doc = gitlab.secret_detection(sample_verdict(), RULES)
    assert (doc["version"], doc["scan"]["type"], doc["scan"]["start_time"]) == (
        "15.0.7",
        "secret_detection",
        "2026-01-01T00:00:00",
    )
    got = [(v["category"], v["severity"], v["location"], v["identifiers"][0]["value"]) for v in doc["vulnerabilities"]]
    assert got == [
        (
            "secret_detection",
            "High",
            {"file": "deploy/<prod>&.env", "commit": {"sha": "0000000"}, "start_line": 3, "end_line": 3},
            "secret.generic-password",
        ),
        (
            "secret_detection",
            "Critical",
            {"file": "docs/example.md", "commit": {"sha": "0000000"}, "start_line": 4, "end_line": 4},
            "secret.github-pat",
        ),
        (
            "secret_detection",
            "Low",
            {"file": "notes/\u00e9t\u00e9 #1.txt", "commit": {"sha": "0000000"}, "start_line": 2, "end_line": 2},
            "secret.retired-rule",
        ),
        (
            "secret_detection",
            "Critical",
            {
                "file": "src/app config/settings,prod.py",
                "commit": {"sha": "3f2a9c1d0b8e7f6a5d4c3b2a1908f7e6d5c4b3a2"},
                "start_line": 12,
                "end_line": 12,
            },
            "secret.github-pat",
        ),
    ]
    assert len({v["id"] for v in doc["vulnerabilities"]}) == 4
    assert doc["scan"]["messages"][-1] == {
        "level": "info",
        "value": "1 risky-change findings are in the gitlab-codequality report",
    }


def test_gitlab_code_quality_carries_risk_findings() -> None:
    assert gitlab.code_quality(sample_verdict(), RULES) == [
        {
            "type": "issue",
            "check_name": "risk.ci-checks-disabled",
            "description": "CI check disabled: 100% of tests, lint: skipped (warn: risky change warns)",
            "categories": ["Security"],
            "severity": "major",
            "fingerprint": "2c3d4e5f60718293a4b5c6d7e8f90a1b",
            "location": {"path": ".github/workflows/ci.yml", "lines": {"begin": 1}},
        }
    ]


def test_text_colour_only_on_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    plain, tty = io.StringIO(), Terminal()
    text.write(sample_verdict(), RULES, plain)
    text.write(sample_verdict(), RULES, tty)
    assert "\x1b[" not in plain.getvalue()
    assert "\x1b[1;31mBLOCK\x1b[0m src/app config/settings,prod.py:12:17" in tty.getvalue()
    assert (
        tty.getvalue().splitlines()[-1]
        == "\x1b[1;31mguard: block: 1 blocking, 3 warning, 1 allowed, 1 suppressed in 5 files\x1b[0m"
    )
    monkeypatch.setenv("NO_COLOR", "1")
    no_color = Terminal()
    text.write(sample_verdict(), RULES, no_color)
    assert no_color.getvalue() == plain.getvalue()


def test_text_escapes_control_characters_from_paths() -> None:
    f = finding("secret.github-pat", "a\x1b]0;pwned\x07.py", 1, 1)
    out = io.StringIO()
    text.write(Verdict((Decision(f, Action.BLOCK, "blocks"),)), RULES, out)
    assert out.getvalue().splitlines()[0] == "a\\x1b]0;pwned\\x07.py"
    assert "\x1b" not in out.getvalue() and "\x07" not in out.getvalue()


def test_text_frame_from_a_real_scan_is_redacted(repo: Repo, run_guard: Any) -> None:
    secret, neighbour = token(seed="frame"), token("${gen:alnum:40}", seed="n")
    repo.write("app/settings.py", f'import os\nHELPER = "{neighbour}"\nGITHUB_TOKEN = "{secret}"\nDEBUG = False\n')
    repo.git("add", ".")
    r = run_guard("scan", "--staged", cwd=repo.path)
    assert r.code == 1
    assert secret not in r.out and neighbour not in r.out
    lines = r.out.splitlines()
    start = lines.index("  BLOCK app/settings.py:3:17  secret.github-pat: GitHub personal access token (classic)")
    assert lines[start + 1 : start + 4] == [
        f'          2 | HELPER = "{neighbour[:4]}********"',
        '        > 3 | GITHUB_TOKEN = "ghp_********"',
        "          4 | DEBUG = False",
    ]
    assert lines[-1] == "guard: block: 1 blocking, 0 warning in 1 file"


def test_every_format_is_a_scan_choice(repo: Repo, run_guard: Any) -> None:
    repo.write("a.env", f"T={token()}\n")
    repo.git("add", ".")
    for fmt in ("sarif", "gitlab", "gitlab-codequality", "junit", "json"):
        r = run_guard("scan", "--staged", "--format", fmt, cwd=repo.path)
        assert r.code == 1 and token() not in r.out
        if fmt != "junit":
            json.loads(r.out)
    gh = run_guard("scan", "--staged", "--format", "github", cwd=repo.path)
    assert gh.out.splitlines()[0].startswith("::error file=a.env,line=1,endLine=1,col=3,title=guard secret.github-pat::")


def test_progress_only_on_a_terminal_and_only_for_history() -> None:
    from guard.cli_report import progress_for

    assert progress_for("history", None, io.StringIO()) is None
    assert progress_for("staged", None, Terminal()) is None
    tty = Terminal()
    progress = progress_for(None, "main..topic", tty)
    assert progress is not None
    progress(1)
    progress(2)  # within 0.1 s of the last redraw: skipped
    progress.close()
    assert tty.getvalue() == "\r\x1b[Kguard: reading main..topic: 1 commit\r\x1b[K"


def test_execute_reports_progress_per_commit(repo: Repo) -> None:
    from pathlib import Path

    from guard.run import Request
    from guard.run import execute

    for i in range(3):
        repo.write(f"f{i}.txt", f"{i}\n")
        repo.commit(f"c{i}")
    seen: list[int] = []
    verdict, _ = execute(Request(mode="history", repo=Path(repo.path)), seen.append)
    assert (seen, len(verdict.commits)) == ([1, 2, 3], 3)
