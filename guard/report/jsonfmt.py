"""Stable, versioned JSON (docs/json-format.md)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from typing import TextIO

from guard import __version__
from guard.model import Actor
from guard.model import Decision
from guard.model import Verdict
from guard.rules import Rule

FORMAT_VERSION = 1


def actor_dict(actor: Actor) -> dict[str, Any]:
    return {"kind": actor.kind, "name": actor.name, "confidence": actor.confidence.label, "evidence": list(actor.evidence)}


def finding_dict(d: Decision) -> dict[str, Any]:
    f = d.finding
    return {
        "rule_id": f.rule_id,
        "category": f.category.value,
        "severity": f.severity.label,
        "confidence": f.confidence.label,
        "confidence_reason": f.confidence_reason,
        "action": d.action.value,
        "reason": d.reason,
        "path": f.path,
        "line": f.line,
        "end_line": f.end_line,
        "column": f.column,
        "commit": f.commit,
        "message": f.message,
        "secret": f.redacted,
        "fingerprint": f.fingerprint,
    }


def document(verdict: Verdict) -> dict[str, Any]:
    commits = []
    for c in verdict.commits:
        entry: dict[str, Any] = {"sha": c.commit.sha, "author": c.commit.author, "decision": c.action.value}
        if c.actor is not None:
            entry["actor"] = actor_dict(c.actor)
        commits.append(entry)
    return {
        "version": FORMAT_VERSION,
        "tool": {"name": "guard", "version": __version__},
        "verdict": verdict.action.value,
        "commits": commits,
        "findings": [finding_dict(d) for d in verdict.shown],
        "suppressed": len(verdict.decisions) - len(verdict.shown),
        "notices": list(verdict.notices),
    }


def dumps(doc: Mapping[str, Any]) -> str:
    """The document with one top-level key per line and one commit or finding per line.

    Readable and easy to grep, and each entry goes through json's C encoder: a history scan
    lists thousands of commits, which `indent=2` (pure Python) takes ten times longer to write.
    """
    lines = ["{"]
    last = len(doc) - 1
    for i, (key, value) in enumerate(doc.items()):
        comma = "," if i < last else ""
        if isinstance(value, list) and value:
            lines.append(f"  {json.dumps(key)}: [")
            lines.append(",\n".join("    " + json.dumps(v, ensure_ascii=False) for v in value))
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write(verdict: Verdict, rules: Mapping[str, Rule], out: TextIO) -> None:
    out.write(dumps(document(verdict)))
