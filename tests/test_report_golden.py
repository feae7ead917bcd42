"""Every output format from one fixed Verdict, compared with tests/golden/.

Regenerate after an intended change with `GUARD_UPDATE_GOLDEN=1 pytest tests/test_report_golden.py`
and review the diff. The version number is replaced by <version> so a release does not churn them.
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from guard import __version__
from guard.model import Action
from guard.model import Actor
from guard.model import Category
from guard.model import Commit
from guard.model import CommitVerdict
from guard.model import Confidence
from guard.model import Decision
from guard.model import Finding
from guard.model import Severity
from guard.model import Snippet
from guard.model import Verdict
from guard.report import REPORTERS
from guard.rules import Rule

GOLDEN = Path(__file__).parent / "golden"
SHA = "3f2a9c1d0b8e7f6a5d4c3b2a1908f7e6d5c4b3a2"
EPOCH = "1767225600"  # 2026-01-01T00:00:00Z, for the GitLab report's scan times

FILES = {
    "text": "report.txt",
    "json": "report.json",
    "sarif": "report.sarif",
    "github": "report.github.txt",
    "gitlab": "report.gitlab.json",
    "gitlab-codequality": "report.gitlab-codequality.json",
    "junit": "report.junit.xml",
}


def rule(rule_id: str, category: Category, title: str, severity: Severity, confidence: Confidence, **kw: object) -> Rule:
    fields: dict[str, object] = {
        "id": rule_id,
        "category": category,
        "title": title,
        "severity": severity,
        "confidence": confidence,
        "detector": "regex",
        "prepared": None,
        "keywords": (),
        "enabled": True,
        "docs": "",
        "fix": "",
        "references": (),
        "tags": (),
        "cwe": (),
        "examples": ("x",),
        "negative_examples": (),
        "known_misses": (),
        "example_path": "config.txt",
        "cases": (),
        "source": "tests",
    }
    fields.update(kw)
    return Rule(**fields)  # type: ignore[arg-type]


RULES = {
    r.id: r
    for r in (
        rule(
            "secret.github-pat",
            Category.SECRET,
            "GitHub personal access token (classic)",
            Severity.CRITICAL,
            Confidence.HIGH,
            docs="A classic personal access token acts as its owner with every scope it was granted.",
            fix="Revoke the token at github.com/settings/tokens, then read it from the environment.",
            references=("https://docs.github.com/en/authentication",),
            tags=("github", "token"),
            cwe=("CWE-798",),
        ),
        rule(
            "secret.generic-password",
            Category.SECRET,
            "Password assigned in code",
            Severity.HIGH,
            Confidence.MEDIUM,
            docs="A password in source code is readable by everyone who can read the repository.",
            fix="Load it from the environment or a secret manager.",
        ),
        rule(
            "risk.ci-checks-disabled",
            Category.RISK,
            "CI check disabled: 100% of tests, lint: skipped",
            Severity.MEDIUM,
            Confidence.HIGH,
            docs="Turning a CI check off lets later changes land untested.",
            fix="Re-enable the check, or explain in the pull request why it must stay off.",
        ),
    )
}


def finding(rule_id: str, path: str, line: int | None, column: int | None, **kw: object) -> Finding:
    r = RULES.get(rule_id)
    fields: dict[str, object] = {
        "rule_id": rule_id,
        "category": r.category if r else Category.SECRET,
        "severity": r.severity if r else Severity.LOW,
        "confidence": r.confidence if r else Confidence.LOW,
        "confidence_reason": f"regex rule {rule_id}",
        "path": path,
        "line": line,
        "end_line": line,
        "column": column,
        "commit": None,
        "message": r.title if r else "Unknown rule",
        "redacted": "ghp_********",
        "fingerprint": hashlib.sha256(f"{rule_id}\0{path}".encode()).hexdigest()[:32],
        "snippet": None,
    }
    fields.update(kw)
    return Finding(**fields)  # type: ignore[arg-type]


def sample_verdict() -> Verdict:
    """Every shape a reporter meets: block/warn/allow/off, commit and working tree, line and file level, odd paths."""
    blocked = finding(
        "secret.github-pat",
        "src/app config/settings,prod.py",
        12,
        17,
        commit=SHA,
        fingerprint="0a1b2c3d4e5f60718293a4b5c6d7e8f9",
        snippet=Snippet(11, ("DEBUG = False", 'GITHUB_TOKEN = "ghp_********"', "TIMEOUT = 30")),
    )
    warned = finding(
        "secret.generic-password",
        "deploy/<prod>&.env",
        3,
        10,
        redacted="hu********",
        fingerprint="1b2c3d4e5f60718293a4b5c6d7e8f90a",
        snippet=Snippet(2, ("USER=app", "PASSWORD=hu********")),
    )
    risk = finding(
        "risk.ci-checks-disabled",
        ".github/workflows/ci.yml",
        None,
        None,
        end_line=None,
        redacted="if: false",
        fingerprint="2c3d4e5f60718293a4b5c6d7e8f90a1b",
    )
    allowed = finding(
        "secret.github-pat",
        "docs/example.md",
        4,
        1,
        confidence=Confidence.MEDIUM,
        fingerprint="3d4e5f60718293a4b5c6d7e8f90a1b2c",
    )
    known = finding("secret.github-pat", "old/legacy.py", 7, 5, fingerprint="4e5f60718293a4b5c6d7e8f90a1b2c3d")
    unknown_rule = finding(
        "secret.retired-rule",
        "notes/\u00e9t\u00e9 #1.txt",
        2,
        3,
        redacted="abcd********",
        fingerprint="5f60718293a4b5c6d7e8f90a1b2c3d4e",
        message="Retired rule\x1b[31m with a control character",
    )
    commit = Commit(SHA, "Ada Dev", "ada@example.com", "Ada Dev", "ada@example.com", "add settings\n", ())
    actor = Actor("agent", "Claude Code", Confidence.HIGH, ("trailer Co-Authored-By",))
    return Verdict(
        decisions=(
            Decision(blocked, Action.BLOCK, "secret with high confidence blocks"),
            Decision(warned, Action.WARN, "secret with medium confidence (below high) warns"),
            Decision(risk, Action.WARN, "risky change warns"),
            Decision(allowed, Action.ALLOW, "config actions 'secret.*' = allow"),
            Decision(known, Action.OFF, "known finding in the baseline"),
            Decision(unknown_rule, Action.WARN, "secret with low confidence (below high) warns"),
        ),
        commits=(CommitVerdict(commit, actor, Action.BLOCK),),
        notices=("vendor/blob.bin: skipped, binary",),
    )


def render(fmt: str, verdict: Verdict | None = None) -> str:
    out = io.StringIO()
    REPORTERS[fmt](sample_verdict() if verdict is None else verdict, RULES, out)
    return out.getvalue().replace(__version__, "<version>")


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_golden(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    got = render(fmt)
    path = GOLDEN / FILES[fmt]
    if os.environ.get("GUARD_UPDATE_GOLDEN"):
        path.write_text(got, encoding="utf-8")
    assert got == path.read_text(encoding="utf-8")


def test_every_reporter_has_a_golden_file() -> None:
    assert sorted(REPORTERS) == sorted(FILES)


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_suppressed_finding_is_in_no_report(fmt: str) -> None:
    assert "old/legacy.py" not in render(fmt)
    assert "4e5f60718293a4b5c6d7e8f90a1b2c3d" not in render(fmt)
