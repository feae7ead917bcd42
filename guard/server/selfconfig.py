"""A pushed change to guard's own configuration is itself a finding.

The server never reads config from the pushed tree, but the same files steer
guard on every developer's machine and in CI, so changing them deserves a
reviewer. Rule `risk.guard-config-changed` (rules/risk/guard.toml) matches
`.guard.toml` by path; this module adds the two cases that need old and new
content compared: the `[tool.guard]` table of a pyproject.toml, and guard's
hooks in `.pre-commit-config.yaml` (removed, or their entry edited).

Path rules run here for every change, also those without added lines (a
deleted file, a file that only lost lines), which the Engine skips.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from collections.abc import Iterator
from typing import Any

from guard.detectors import DETECTORS
from guard.document import Document
from guard.model import Change
from guard.model import Finding
from guard.rules import Rule
from guard.scan import file_finding
from guard.sources.textio import decode

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RULE_ID = "risk.guard-config-changed"
PATH_DETECTOR = "path"
PRECOMMIT_NAMES = frozenset((".pre-commit-config.yaml", ".pre-commit-config.yml"))

_HOOK_ID = re.compile(r"""^(\s*)-?\s*id:\s*["']?(guard[\w.-]*)["']?\s*(?:#.*)?$""")
_ITEM = re.compile(r"^(\s*)-\s")
_TOOL_GUARD = re.compile(r"^\s*\[+\s*tool\s*\.\s*guard\b")
_TABLE = re.compile(r"^\s*\[")


def split_rules(rules: Iterable[Rule]) -> tuple[tuple[Rule, ...], tuple[Rule, ...]]:
    """(rules for the Engine, path rules this module runs on every change)."""
    rules = tuple(rules)
    return tuple(r for r in rules if r.detector != PATH_DETECTOR), tuple(r for r in rules if r.detector == PATH_DETECTOR)


def finding(rule: Rule, change: Change, subject: str, reason: str) -> Finding:
    return file_finding(rule, change.path, subject, reason, change.commit)


def _text(data: bytes | None) -> str | None:
    return decode(data) if data is not None else None


def _tool_guard(text: str | None) -> Any:
    """The [tool.guard] table of a pyproject.toml (None when absent); unparsable TOML gives its raw lines."""
    if not text:
        return None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        lines: list[str] = []
        inside = False
        for line in text.splitlines():
            if _TABLE.match(line):
                inside = bool(_TOOL_GUARD.match(line))
            if inside:
                lines.append(line.rstrip())
        return tuple(lines) or None
    tool = data.get("tool")
    return tool.get("guard") if isinstance(tool, dict) else None


def guard_hooks(text: str | None) -> dict[str, str]:
    """Each guard hook in a pre-commit config: its id -> the text of its entry."""
    if not text:
        return {}
    lines = text.splitlines()
    out: dict[str, str] = {}
    for i, line in enumerate(lines):
        m = _HOOK_ID.match(line)
        if not m:
            continue
        item = _ITEM.match(line)
        start = i
        indent = len(m.group(1))
        if item is None:  # `id:` is not the entry's first key: walk back to the `- ` that opens it
            for j in range(i - 1, -1, -1):
                opener = _ITEM.match(lines[j])
                if opener and len(opener.group(1)) < indent:
                    start, indent = j, len(opener.group(1))
                    break
        end = start + 1
        while end < len(lines):
            nxt = lines[end]
            if nxt.strip() and (len(nxt) - len(nxt.lstrip())) <= indent:
                break
            end += 1
        key = m.group(2)
        n = 2
        while key in out:
            key, n = f"{m.group(2)}#{n}", n + 1
        out[key] = "\n".join(ln.rstrip() for ln in lines[start:end] if ln.strip())
    return out


def _content_reason(change: Change) -> tuple[str, str] | None:
    """(subject, reason) when a pyproject's [tool.guard] or a pre-commit guard hook changed."""
    name = change.path.rsplit("/", 1)[-1]
    old_name = (change.old_path or change.path).rsplit("/", 1)[-1]
    if name == "pyproject.toml" or old_name == "pyproject.toml":
        old = _tool_guard(_text(change.old_content()))
        new = _tool_guard(_text(change.content()))
        if old != new:
            what = "added" if old is None else ("removed" if new is None else "changed")
            return f"{change.path} [tool.guard]", f"[tool.guard] {what} in {change.path}"
        return None
    if name in PRECOMMIT_NAMES or old_name in PRECOMMIT_NAMES:
        old_hooks = guard_hooks(_text(change.old_content()))
        new_hooks = guard_hooks(_text(change.content()))
        removed = sorted(set(old_hooks) - set(new_hooks))
        edited = sorted(k for k in old_hooks.keys() & new_hooks.keys() if old_hooks[k] != new_hooks[k])
        if removed:
            return f"{change.path} {removed[0]}", f"guard hook {', '.join(removed)} removed from {change.path}"
        if edited:
            return f"{change.path} {edited[0]}", f"guard hook {', '.join(edited)} edited in {change.path}"
    return None


def config_findings(change: Change, path_rules: tuple[Rule, ...], selected: tuple[Rule, ...] | None = None) -> Iterator[Finding]:
    """Findings of every path rule, plus the guard-config content checks (file-level, no pragma).

    `selected`: the path rules whose globs match the change's path (Engine.rules_at), when known.
    """
    doc = Document(change)
    seen = False
    for rule in path_rules if selected is None else selected:
        for hit in DETECTORS[rule.detector].detect(rule.prepared, doc):
            seen = seen or rule.id == RULE_ID
            yield finding(rule, change, hit.secret, hit.reason or f"{rule.detector} rule {rule.id}")
    guard_rule = next((r for r in path_rules if r.id == RULE_ID), None)
    if guard_rule is None or seen:
        return
    got = _content_reason(change)
    if got is not None:
        subject, reason = got
        yield finding(guard_rule, change, subject, reason)
