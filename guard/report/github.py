"""GitHub Actions workflow commands: one annotation per finding, shown on the pull request diff.

`::error file=F,line=L,endLine=E,col=C,title=T::message`. Values are escaped as the
runner expects: `%`, CR and LF in the message; also `:` and `,` in properties, so a
path or a message can never end the command early or start a new one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TextIO

from guard.model import Action
from guard.model import Decision
from guard.model import Verdict
from guard.rules import Rule

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # CR and LF are escaped below
LEVEL = {Action.BLOCK: "error", Action.WARN: "warning", Action.ALLOW: "notice"}


def escape_data(text: str) -> str:
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **props: str | int | None) -> str:
    """One workflow command line; properties that are None are left out."""
    given = ",".join(f"{k}={escape_property(str(v))}" for k, v in props.items() if v is not None)
    return f"::{level}{' ' + given if given else ''}::{escape_data(message)}"


def _annotation(d: Decision, rules: Mapping[str, Rule]) -> str:
    f = d.finding
    rule = rules.get(f.rule_id)
    message = f"{f.message}: {f.redacted} ({d.action.value}: {d.reason})"
    if f.commit:
        message += f"\nCommit {f.commit[:12]}"
    if rule is not None and rule.fix:
        message += f"\nFix: {rule.fix.splitlines()[0]}"
    message += f"\nFalse alarm? Add `guard: allow {f.rule_id}` on the line or run `guard baseline update`."
    line = f.line if f.line is not None and f.line >= 1 else None
    return command(
        LEVEL[d.action],
        message,
        file=f.path,
        line=line,
        endLine=(f.end_line or line) if line else None,
        col=f.column if line and f.column else None,
        title=f"guard {f.rule_id}",
    )


def write(verdict: Verdict, rules: Mapping[str, Rule], out: TextIO) -> None:
    for notice in verdict.notices:
        out.write(command("notice", notice, title="guard") + "\n")
    shown = sorted(verdict.shown, key=lambda d: (d.finding.path, d.finding.line or 0, d.finding.column or 0, d.finding.rule_id))
    for d in shown:
        out.write(_annotation(d, rules) + "\n")
    blocking = sum(1 for d in shown if d.action is Action.BLOCK)
    warning = sum(1 for d in shown if d.action is Action.WARN)
    out.write(f"guard: {verdict.action.value}: {blocking} blocking, {warning} warning\n")
