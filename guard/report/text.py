"""Terminal output: findings grouped by file, each with a redacted code frame, why it matters and what to do.

Colour only when the output is a terminal and NO_COLOR is unset or empty
(https://no-color.org). The last line is always the one-line summary.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Mapping
from itertools import groupby
from typing import TextIO

from guard.model import Action
from guard.model import Category
from guard.model import Decision
from guard.model import Finding
from guard.model import Verdict
from guard.rules import Rule

_LABEL = {Action.BLOCK: "BLOCK", Action.WARN: "WARN", Action.ALLOW: "ALLOW", Action.OFF: "OFF"}
_WIDTH = 100
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_INDENT = " " * 8


class Style:
    """ANSI styles, or nothing at all."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def _wrap(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text

    def action(self, action: Action, text: str) -> str:
        return self._wrap({Action.BLOCK: "1;31", Action.WARN: "1;33"}.get(action, "2"), text)

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)

    def rule(self, text: str) -> str:
        return self._wrap("36", text)


def printable(text: str) -> str:
    """Control characters (a file name can hold an escape sequence) shown as \\xNN, tabs as a space."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text.replace("\t", " "))


def use_color(out: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


def _location(f: Finding) -> str:
    where = f.path if f.line is None else f"{f.path}:{f.line}" + (f":{f.column}" if f.column else "")
    return f"{where} ({f.commit[:12]})" if f.commit else where


def _first_paragraph(text: str) -> str:
    return " ".join(text.strip().split("\n\n")[0].split())


def _field(label: str, text: str) -> list[str]:
    head = f"{_INDENT}{label:<7}"
    hang = " " * len(head)
    return textwrap.wrap(printable(text), _WIDTH, initial_indent=head, subsequent_indent=hang, break_on_hyphens=False) or [head]


def _frame(f: Finding, style: Style) -> list[str]:
    if f.snippet is None or f.line is None:
        return []
    last = f.snippet.first_line + len(f.snippet.lines) - 1
    width = len(str(last))
    end = f.end_line or f.line
    out = []
    for n, text in enumerate(f.snippet.lines, start=f.snippet.first_line):
        marker = ">" if f.line <= n <= end else " "
        gutter = f"{_INDENT}{marker} {n:>{width}} | "
        shown = printable(text)
        out.append(style.bold(gutter + shown) if marker == ">" else style.dim(gutter) + shown)
    return out


def _suppress_hint(f: Finding) -> str:
    what = "a real credential" if f.category is Category.SECRET else "a problem"
    where = f"on line {f.line}" if f.line is not None else "at the top of the file"
    return f"if this is not {what}, add `guard: allow {f.rule_id}` in a comment {where}, or run `guard baseline update`"


def _finding(d: Decision, rule: Rule | None, style: Style) -> list[str]:
    f = d.finding
    where, message = printable(_location(f)), printable(f.message)
    head = f"  {style.action(d.action, f'{_LABEL[d.action]:<5}')} {where}  {style.rule(f.rule_id)}: {message}"
    lines = [head, *_frame(f, style)]
    lines += _field("found", f"{f.redacted}  ({f.severity.label} severity, {f.confidence.label} confidence)")
    lines += _field("why", d.reason)
    if rule is not None and rule.docs:
        lines += _field("risk", _first_paragraph(rule.docs))
    if rule is not None and rule.fix:
        lines += _field("fix", _first_paragraph(rule.fix))
    lines += _field("ignore", _suppress_hint(f))
    return lines


def summary(verdict: Verdict) -> str:
    shown = verdict.shown
    counts = {a: sum(1 for d in shown if d.action is a) for a in (Action.BLOCK, Action.WARN, Action.ALLOW)}
    line = f"guard: {verdict.action.value}: {counts[Action.BLOCK]} blocking, {counts[Action.WARN]} warning"
    if counts[Action.ALLOW]:
        line += f", {counts[Action.ALLOW]} allowed"
    suppressed = len(verdict.decisions) - len(shown)
    if suppressed:
        line += f", {suppressed} suppressed"
    files = len({d.finding.path for d in shown})
    if files:
        line += f" in {files} file" + ("s" if files > 1 else "")
    return line


def write(verdict: Verdict, rules: Mapping[str, Rule], out: TextIO) -> None:
    style = Style(use_color(out))
    for notice in verdict.notices:
        out.write(style.dim(printable(f"guard: note: {notice}")) + "\n")
    shown = sorted(verdict.shown, key=lambda d: (d.finding.path, d.finding.line or 0, d.finding.column or 0, d.finding.rule_id))
    for path, group in groupby(shown, key=lambda d: d.finding.path):
        out.write(style.bold(printable(path)) + "\n")
        for d in group:
            out.write("\n".join(_finding(d, rules.get(d.finding.rule_id), style)) + "\n")
        out.write("\n")
    out.write(style.action(verdict.action, summary(verdict)) + "\n")
