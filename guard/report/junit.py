"""JUnit XML for CI test tabs: one testsuite, one testcase per finding.

A blocking finding is a failure; a warning or an allowed finding passes with its
details in system-out. With nothing to report, one passing testcase says so, since
some CI systems treat an empty suite as an error. Text is escaped by ElementTree;
characters XML 1.0 cannot carry at all are replaced first.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import TextIO

from guard.model import Action
from guard.model import Decision
from guard.model import Verdict
from guard.rules import Rule

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text XML 1.0 can carry: control characters and lone surrogates become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def _where(d: Decision) -> str:
    f = d.finding
    where = f.path if f.line is None else f"{f.path}:{f.line}"
    return f"{where} ({f.commit[:12]})" if f.commit else where


def _details(d: Decision, rules: Mapping[str, Rule]) -> str:
    f = d.finding
    rule = rules.get(f.rule_id)
    lines = [
        f"{f.rule_id}: {f.message}",
        f"location: {_where(d)}",
        f"found: {f.redacted} ({f.severity.label} severity, {f.confidence.label} confidence)",
        f"decision: {d.action.value}: {d.reason}",
    ]
    if rule is not None and rule.fix:
        lines.append(f"fix: {rule.fix.splitlines()[0]}")
    lines.append(f"suppress: `guard: allow {f.rule_id}` on the line, or `guard baseline update`")
    return "\n".join(lines) + "\n"


def _testcase(suite: ET.Element, d: Decision, rules: Mapping[str, Rule]) -> None:
    f = d.finding
    case = ET.SubElement(suite, "testcase", name=xml_text(f"{f.rule_id} at {_where(d)}"), classname=xml_text(f.path), time="0")
    details = xml_text(_details(d, rules))
    if d.action is Action.BLOCK:
        failure = ET.SubElement(case, "failure", message=xml_text(f"{f.message}: {f.redacted}"), type=f.rule_id)
        failure.text = details
    else:
        ET.SubElement(case, "system-out").text = details


def document(verdict: Verdict, rules: Mapping[str, Rule]) -> ET.Element:
    shown = sorted(verdict.shown, key=lambda d: (d.finding.path, d.finding.line or 0, d.finding.column or 0, d.finding.rule_id))
    failures = sum(1 for d in shown if d.action is Action.BLOCK)
    tests = max(len(shown), 1)
    suites = ET.Element("testsuites", name="guard", tests=str(tests), failures=str(failures), errors="0", time="0")
    suite = ET.SubElement(
        suites, "testsuite", name="guard", tests=str(tests), failures=str(failures), errors="0", skipped="0", time="0"
    )
    for d in shown:
        _testcase(suite, d, rules)
    if not shown:
        ET.SubElement(suite, "testcase", name="no findings", classname="guard", time="0")
    if verdict.notices:
        ET.SubElement(suite, "system-out").text = xml_text("".join(f"{n}\n" for n in verdict.notices))
    return suites


def write(verdict: Verdict, rules: Mapping[str, Rule], out: TextIO) -> None:
    root = document(verdict, rules)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
