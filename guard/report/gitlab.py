"""GitLab CI reports: the secret-detection security report, and Code Quality for risky changes.

`gitlab` writes `gl-secret-detection-report.json` (security report schema 15.0.7,
`artifacts:reports:secret_detection`) with the secret findings. GitLab requires a
commit on every secret; findings in files that are not committed yet get the
all-zero placeholder GitLab's own analyzer writes for them. Risk findings are not
secrets, so they go to `gitlab-codequality` (`artifacts:reports:codequality`,
a CodeClimate issue list), which every GitLab tier shows on the merge request.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Mapping
from typing import Any
from typing import TextIO

from guard import __version__
from guard.model import Action
from guard.model import Category
from guard.model import Decision
from guard.model import Severity
from guard.model import Verdict
from guard.rules import Rule

SCHEMA_VERSION = "15.0.7"
SCHEMA_URL = (
    "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/"
    f"v{SCHEMA_VERSION}/dist/secret-detection-report-format.json"
)
NO_COMMIT = "0000000"
SEVERITY = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.INFO: "Info",
}
CODE_QUALITY_SEVERITY = {
    Severity.CRITICAL: "blocker",
    Severity.HIGH: "critical",
    Severity.MEDIUM: "major",
    Severity.LOW: "minor",
    Severity.INFO: "info",
}
ANALYZER = {"id": "guard", "name": "guard", "version": __version__, "vendor": {"name": "guard"}}


def _timestamp() -> str:
    """Now, or SOURCE_DATE_EPOCH when set (reproducible reports and golden tests)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    seconds = int(epoch) if epoch and epoch.isdigit() else int(time.time())
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def _order(d: Decision) -> tuple[str, int, int, str, str]:
    f = d.finding
    return (f.path, f.line or 0, f.column or 0, f.rule_id, f.fingerprint)


def _uuid_like(*parts: str) -> str:
    h = hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _vulnerability(d: Decision, rules: Mapping[str, Rule]) -> dict[str, Any]:
    f = d.finding
    rule = rules.get(f.rule_id)
    location: dict[str, Any] = {"file": f.path, "commit": {"sha": f.commit or NO_COMMIT}}
    if f.line is not None and f.line >= 1:
        location["start_line"] = f.line
        location["end_line"] = max(f.end_line or f.line, f.line)
    vulnerability: dict[str, Any] = {
        # Stable across pipelines: the same secret on the same line of a file and commit keeps its id.
        "id": _uuid_like(f.fingerprint, f.commit or "", str(f.line)),
        "category": "secret_detection",
        "name": (rule.title if rule else f.message)[:255],
        "description": f"{(rule.docs if rule and rule.docs else f.message)} Found {f.redacted} ({d.action.value}: {d.reason}).",
        "severity": SEVERITY[f.severity],
        "identifiers": [
            {"type": "guard_rule_id", "name": f"guard rule {f.rule_id}", "value": f.rule_id},
            *({"type": "cwe", "name": c.upper(), "value": c.upper().removeprefix("CWE-")} for c in (rule.cwe if rule else ())),
        ],
        "location": location,
        "raw_source_code_extract": f.redacted,
    }
    if rule is not None and rule.fix:
        vulnerability["solution"] = rule.fix
    if rule is not None and rule.references:
        vulnerability["links"] = [{"url": r} for r in rule.references if r.startswith(("https://", "http://"))]
    return vulnerability


def secret_detection(verdict: Verdict, rules: Mapping[str, Rule]) -> dict[str, Any]:
    shown = sorted(verdict.shown, key=_order)
    secrets = [d for d in shown if d.finding.category is Category.SECRET]
    others = len(shown) - len(secrets)
    messages = [{"level": "info", "value": n} for n in verdict.notices]
    if others:
        messages.append({"level": "info", "value": f"{others} risky-change findings are in the gitlab-codequality report"})
    now = _timestamp()
    scan: dict[str, Any] = {
        "analyzer": ANALYZER,
        "scanner": {**ANALYZER, "url": "https://example.invalid/guard"},
        "type": "secret_detection",
        "start_time": now,
        "end_time": now,
        "status": "success",
    }
    if messages:
        scan["messages"] = messages
    return {
        "version": SCHEMA_VERSION,
        "schema": SCHEMA_URL,
        "scan": scan,
        "vulnerabilities": [_vulnerability(d, rules) for d in secrets],
    }


def code_quality(verdict: Verdict, rules: Mapping[str, Rule]) -> list[dict[str, Any]]:
    """Risk findings as CodeClimate issues (GitLab Code Quality); secrets live in the security report."""
    out = []
    for d in sorted(verdict.shown, key=_order):
        f = d.finding
        if f.category is not Category.RISK:
            continue
        verb = "blocks" if d.action is Action.BLOCK else d.action.value
        out.append(
            {
                "type": "issue",
                "check_name": f.rule_id,
                "description": f"{f.message} ({verb}: {d.reason})",
                "categories": ["Security"],
                "severity": CODE_QUALITY_SEVERITY[f.severity],
                "fingerprint": f.fingerprint,
                "location": {"path": f.path, "lines": {"begin": f.line if f.line and f.line >= 1 else 1}},
            }
        )
    return out


def write(verdict: Verdict, rules: Mapping[str, Rule], out: TextIO) -> None:
    json.dump(secret_detection(verdict, rules), out, indent=2, ensure_ascii=False)
    out.write("\n")


def write_code_quality(verdict: Verdict, rules: Mapping[str, Rule], out: TextIO) -> None:
    json.dump(code_quality(verdict, rules), out, indent=2, ensure_ascii=False)
    out.write("\n")
