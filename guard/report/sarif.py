"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

Kept within GitHub's documented limits: at most 25,000 results per run (the most
severe are kept and a notification says so), one location per result, at most
20 tags per rule, names up to 255 and descriptions up to 1,024 characters.
Only the redacted value ever appears; no code snippet is copied.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from typing import TextIO
from urllib.parse import quote

from guard import __version__
from guard.model import Action
from guard.model import Category
from guard.model import CommitVerdict
from guard.model import Confidence
from guard.model import Decision
from guard.model import Finding
from guard.model import Severity
from guard.model import Verdict
from guard.rules import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://example.invalid/guard"  # the project URL, as in README.md
FINGERPRINT_KEY = "guardFingerprint/v1"
MAX_RESULTS = 25_000
MAX_TAGS = 20
MAX_NAME = 255
MAX_DESCRIPTION = 1024

LEVEL = {Action.BLOCK: "error", Action.WARN: "warning", Action.ALLOW: "note", Action.OFF: "none"}
# GitHub reads security-severity as a CVSS-like score: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
PRECISION = {Confidence.HIGH: "high", Confidence.MEDIUM: "medium", Confidence.LOW: "low"}
_RANK = {Action.BLOCK: 0, Action.WARN: 1, Action.ALLOW: 2, Action.OFF: 3}


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def artifact_uri(path: str) -> str:
    """A relative URI reference: forward slashes, every other reserved or non-ASCII byte percent-encoded."""
    return quote(path.replace("\\", "/").removeprefix("./"), safe="/-._~")


def _tags(rule: Rule) -> list[str]:
    tags = ["security", "secret" if rule.category is Category.SECRET else "risky-change"]
    tags += [f"external/cwe/{c.lower()}" for c in rule.cwe]
    tags += list(rule.tags)
    return list(dict.fromkeys(tags))[:MAX_TAGS]


def _suppress_hint(rule_id: str, category: Category) -> str:
    what = "a real credential" if category is Category.SECRET else "a problem"
    return (
        f"If this is not {what}, add `guard: allow {rule_id}` in a comment on the line, "
        "or record it with `guard baseline update`."
    )


def _help(rule: Rule) -> dict[str, str]:
    why = rule.docs or rule.title
    fix = rule.fix or "Remove the value from the change."
    hint = _suppress_hint(rule.id, rule.category)
    text = f"{why}\n\nHow to fix: {fix}\n\n{hint}"
    refs = "".join(f"\n- <{r}>" for r in rule.references)
    markdown = f"**Why it matters**\n\n{why}\n\n**How to fix**\n\n{fix}\n\n**Suppress**\n\n{hint}\n"
    if refs:
        markdown += f"\n**References**\n{refs}\n"
        text += "\n\nReferences:" + "".join(f"\n- {r}" for r in rule.references)
    return {"text": text, "markdown": markdown}


def _default_level(rule: Rule) -> str:
    return "error" if rule.category is Category.SECRET and rule.confidence is Confidence.HIGH else "warning"


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": rule.id,
        "name": _clip(rule.id, MAX_NAME),
        "shortDescription": {"text": _clip(rule.title, MAX_DESCRIPTION)},
        "fullDescription": {"text": _clip(rule.docs or rule.title, MAX_DESCRIPTION)},
        "help": _help(rule),
        "defaultConfiguration": {"level": _default_level(rule)},
        "properties": {
            "tags": _tags(rule),
            "precision": PRECISION[rule.confidence],
            "security-severity": SECURITY_SEVERITY[rule.severity],
        },
    }
    if rule.references and rule.references[0].startswith(("https://", "http://")):
        descriptor["helpUri"] = rule.references[0]
    return descriptor


def _fallback_descriptor(f: Finding) -> dict[str, Any]:
    """A rule the reporter was not given (an old rule set): describe it from the finding."""
    return {
        "id": f.rule_id,
        "name": _clip(f.rule_id, MAX_NAME),
        "shortDescription": {"text": _clip(f.message, MAX_DESCRIPTION)},
        "fullDescription": {"text": _clip(f.message, MAX_DESCRIPTION)},
        "help": {"text": _suppress_hint(f.rule_id, f.category), "markdown": _suppress_hint(f.rule_id, f.category)},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["security"], "security-severity": SECURITY_SEVERITY[f.severity]},
    }


def _location(f: Finding) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(f.path), "uriBaseId": "%SRCROOT%"}}
    if f.line is not None and f.line >= 1:
        region: dict[str, int] = {"startLine": f.line, "startColumn": max(f.column or 1, 1)}
        region["endLine"] = max(f.end_line or f.line, f.line)
        physical["region"] = region
    return {"physicalLocation": physical}


def _commit_properties(sha: str, commits: Mapping[str, CommitVerdict]) -> dict[str, Any]:
    props: dict[str, Any] = {"commit": sha}
    cv = commits.get(sha)
    if cv is not None:
        props["author"] = cv.commit.author
        if cv.actor is not None:
            props["actor"] = {"kind": cv.actor.kind, "name": cv.actor.name, "confidence": cv.actor.confidence.label}
    return props


def _result(d: Decision, index: int, commits: Mapping[str, CommitVerdict]) -> dict[str, Any]:
    f = d.finding
    properties: dict[str, Any] = {
        "category": f.category.value,
        "severity": f.severity.label,
        "confidence": f.confidence.label,
        "action": d.action.value,
        "reason": d.reason,
        "redacted": f.redacted,
    }
    if f.commit:
        properties.update(_commit_properties(f.commit, commits))
    return {
        "ruleId": f.rule_id,
        "ruleIndex": index,
        "level": LEVEL[d.action],
        "message": {"text": f"{f.message}: {f.redacted} ({d.action.value}: {d.reason})"},
        "locations": [_location(f)],
        "partialFingerprints": {FINGERPRINT_KEY: f.fingerprint},
        "properties": properties,
    }


def _order(d: Decision) -> tuple[int, str, int, int, str, str]:
    f = d.finding
    return (_RANK[d.action], f.path, f.line or 0, f.column or 0, f.rule_id, f.fingerprint)


def document(verdict: Verdict, rules: Mapping[str, Rule]) -> dict[str, Any]:
    ranked = sorted(verdict.shown, key=_order)
    kept = sorted(ranked[:MAX_RESULTS], key=lambda d: _order(d)[1:])
    rule_ids = sorted({d.finding.rule_id for d in kept})
    index = {rid: i for i, rid in enumerate(rule_ids)}
    first = {d.finding.rule_id: d.finding for d in reversed(kept)}
    descriptors = [rule_descriptor(rules[rid]) if rid in rules else _fallback_descriptor(first[rid]) for rid in rule_ids]
    commits = {c.commit.sha: c for c in verdict.commits}
    notes = [{"level": "note", "message": {"text": n}} for n in verdict.notices]
    if len(ranked) > MAX_RESULTS:
        dropped = len(ranked) - MAX_RESULTS
        notes.append({"level": "warning", "message": {"text": f"{dropped} less severe results left out (limit {MAX_RESULTS})"}})
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "guard",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": descriptors,
                    }
                },
                "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notes}],
                "columnKind": "unicodeCodePoints",
                "results": [_result(d, index[d.finding.rule_id], commits) for d in kept],
                "properties": {"verdict": verdict.action.value, "suppressed": len(verdict.decisions) - len(verdict.shown)},
            }
        ],
    }


def write(verdict: Verdict, rules: Mapping[str, Rule], out: TextIO) -> None:
    json.dump(document(verdict, rules), out, indent=2, ensure_ascii=False)
    out.write("\n")
