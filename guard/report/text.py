"""Terminal output: findings grouped by file, each with its rule, redacted value and fix."""

from __future__ import annotations

from collections.abc import Mapping
from itertools import groupby
from typing import TextIO

from guard.model import Action
from guard.model import Decision
from guard.model import Verdict
from guard.rules import Rule

_LABEL = {Action.BLOCK: "BLOCK", Action.WARN: "WARN", Action.ALLOW: "ALLOW", Action.OFF: "OFF"}


def _location(d: Decision) -> str:
    f = d.finding
    where = f.path if f.line is None else f"{f.path}:{f.line}" + (f":{f.column}" if f.column else "")
    return f"{where} ({f.commit[:12]})" if f.commit else where


def write(verdict: Verdict, rules: Mapping[str, Rule], out: TextIO) -> None:
    for notice in verdict.notices:
        out.write(f"guard: note: {notice}\n")
    shown = sorted(verdict.shown, key=lambda d: (d.finding.path, d.finding.line or 0, d.finding.rule_id))
    for path, group in groupby(shown, key=lambda d: d.finding.path):
        out.write(f"{path}\n")
        for d in group:
            f = d.finding
            out.write(f"  {_LABEL[d.action]:<5} {_location(d)}  {f.rule_id}: {f.message}\n")
            out.write(f"        found {f.redacted}  ({f.severity.label} severity, {f.confidence.label} confidence)\n")
            out.write(f"        why: {d.reason}\n")
            rule = rules.get(f.rule_id)
            if rule is not None and rule.fix:
                out.write(f"        fix: {rule.fix.splitlines()[0]}\n")
    counts = {a: sum(1 for d in shown if d.action is a) for a in (Action.BLOCK, Action.WARN, Action.ALLOW)}
    suppressed = len(verdict.decisions) - len(shown)
    summary = f"guard: {verdict.action.value}: {counts[Action.BLOCK]} blocking, {counts[Action.WARN]} warning"
    if counts[Action.ALLOW]:
        summary += f", {counts[Action.ALLOW]} allowed"
    if suppressed:
        summary += f", {suppressed} suppressed"
    out.write(summary + "\n")
    if counts[Action.BLOCK]:
        out.write(
            "  To fix: remove the secret, rotate it (it may already be copied), and load it from the\n"
            "  environment or a secret manager. A false alarm: add `guard: allow <rule-id>` in a comment\n"
            "  on that line, or record it with `guard baseline`.\n"
        )
