"""Rules are data: TOML records under rules/secrets and rules/risk, loaded and checked here."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from guard import rawget
from guard.detectors import DETECTORS
from guard.errors import GuardError
from guard.errors import RuleError
from guard.model import Category
from guard.model import Confidence
from guard.model import Severity
from guard.model import Status

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SEVERITIES = {s.label: s for s in Severity}
CONFIDENCES = {c.label: c for c in Confidence}
STATUSES = {"A": Status.ADDED, "M": Status.MODIFIED, "D": Status.DELETED, "R": Status.RENAMED, "T": Status.TYPECHANGE}
FAMILIES = {"secrets": Category.SECRET, "risk": Category.RISK}
PREFIX = {Category.SECRET: "secret.", Category.RISK: "risk."}

COMMON_KEYS = frozenset(
    (
        "id",
        "title",
        "severity",
        "detector",
        "confidence",
        "enabled",
        "docs",
        "fix",
        "references",
        "tags",
        "cwe",
        "examples",
        "negative-examples",
        "example-path",
        "cases",
        "known-misses",
    )
)
CASE_KEYS = frozenset(("path", "text", "old-text", "status", "expect"))
DEFAULT_EXAMPLE_PATH = "config.txt"


@dataclass(frozen=True, slots=True)
class Case:
    """A file-shaped proof: a path, new (and optional old) text, and the lines that must be reported."""

    path: str
    text: str
    old_text: str | None
    status: Status
    expect: tuple[int | str, ...]  # 1-based lines, or "file" for a file-level finding


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    category: Category
    title: str
    severity: Severity
    confidence: Confidence
    detector: str
    prepared: Any
    keywords: tuple[str, ...]
    enabled: bool
    docs: str
    fix: str
    references: tuple[str, ...]
    tags: tuple[str, ...]
    cwe: tuple[str, ...]
    examples: tuple[str, ...]
    negative_examples: tuple[str, ...]
    known_misses: tuple[str, ...]
    example_path: str
    cases: tuple[Case, ...]
    source: str


def builtin_dir() -> Path:
    """rules/ beside the package in a checkout, or packaged inside the wheel."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_builtin_rules", here.parent / "rules"):
        if (candidate / "secrets").is_dir():
            return candidate
    raise GuardError(f"built-in rules not found next to {here}")


def _case(raw: Any, where: str, rule_id: str, index: int) -> Case:
    def fail(key: str, msg: str) -> RuleError:
        return RuleError(where, rule_id, f"cases[{index}].{key}", msg)

    if not isinstance(raw, dict):
        raise RuleError(where, rule_id, f"cases[{index}]", "expected a table")
    unknown = sorted(set(raw) - CASE_KEYS)
    if unknown:
        raise fail(unknown[0], "unknown key")
    expect = raw.get("expect")
    if not isinstance(expect, list) or not all(
        (isinstance(e, int) and not isinstance(e, bool) and e > 0) or e == "file" for e in expect
    ):
        raise fail("expect", 'expected a list of 1-based line numbers or "file"')
    old = raw.get("old-text")
    if old is not None and not isinstance(old, str):
        raise fail("old-text", "expected a string")
    return Case(
        path=rawget.get(raw, "path", str, fail),
        text=rawget.get(raw, "text", str, fail, ""),
        old_text=old,
        status=rawget.choice(raw, "status", STATUSES, fail, Status.MODIFIED if old is not None else Status.ADDED),
        expect=tuple(expect),
    )


def check_template(text: str) -> str | None:
    from guard import gen  # only a cold load validates examples; the hook reads cached rules

    return gen.check(text)


def parse_rule(raw: Mapping[str, Any], where: str, family: Category) -> Rule:
    rule_id = raw.get("id") if isinstance(raw.get("id"), str) else "?"

    def fail(key: str, msg: str) -> RuleError:
        return RuleError(where, str(rule_id), key, msg)

    rule_id = rawget.get(raw, "id", str, fail)
    if not rule_id.startswith(PREFIX[family]):
        raise fail("id", f"must start with {PREFIX[family]!r} in this directory")
    detector_name = rawget.get(raw, "detector", str, fail)
    detector = DETECTORS.get(detector_name)
    if detector is None:
        raise fail("detector", f"unknown detector {detector_name!r} (known: {', '.join(sorted(DETECTORS))})")
    unknown = sorted(set(raw) - COMMON_KEYS - detector.KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key for a {detector_name} rule")
    prepared = detector.prepare(raw, where, rule_id)
    cases_raw = raw.get("cases", [])
    if not isinstance(cases_raw, list):
        raise fail("cases", "expected an array of tables")
    rule = Rule(
        id=rule_id,
        category=family,
        title=rawget.get(raw, "title", str, fail),
        severity=rawget.choice(raw, "severity", SEVERITIES, fail),
        confidence=rawget.choice(raw, "confidence", CONFIDENCES, fail, Confidence.HIGH),
        detector=detector_name,
        prepared=prepared,
        keywords=detector.keywords(prepared),
        enabled=rawget.get(raw, "enabled", bool, fail, True),
        docs=rawget.get(raw, "docs", str, fail, "").strip(),
        fix=rawget.get(raw, "fix", str, fail, "").strip(),
        references=rawget.get_strs(raw, "references", fail),
        tags=rawget.get_strs(raw, "tags", fail),
        cwe=rawget.get_strs(raw, "cwe", fail),
        examples=rawget.get_strs(raw, "examples", fail),
        negative_examples=rawget.get_strs(raw, "negative-examples", fail),
        known_misses=rawget.get_strs(raw, "known-misses", fail),
        example_path=rawget.get(raw, "example-path", str, fail, DEFAULT_EXAMPLE_PATH),
        cases=tuple(_case(c, where, rule_id, i) for i, c in enumerate(cases_raw)),
        source=where,
    )
    if not rule.examples and not rule.cases:
        raise fail("examples", "a rule needs at least one positive example or case")
    for key, texts in (
        ("examples", rule.examples),
        ("negative-examples", rule.negative_examples),
        ("known-misses", rule.known_misses),
        ("cases", tuple(c.text for c in rule.cases)),
    ):
        for text in texts:
            problem = check_template(text)
            if problem:
                raise fail(key, problem)
    return rule


def load_file(path: Path, family: Category, shown: str | None = None) -> list[Rule]:
    where = shown or str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise GuardError(f"{where}: cannot read: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise GuardError(f"{where}: invalid TOML: {e}") from None
    unknown = sorted(set(data) - {"rules"})
    if unknown:
        raise GuardError(f"{where}: {unknown[0]}: unknown top-level key (expected [[rules]])")
    raws = data.get("rules", [])
    if not isinstance(raws, list) or not all(isinstance(r, dict) for r in raws):
        raise GuardError(f"{where}: rules: expected an array of tables ([[rules]])")
    return [parse_rule(r, where, family) for r in raws]


def load_dir(root: Path, *, shown_root: str | None = None) -> list[Rule]:
    """Every rules/<family>/*.toml under `root`, in a stable order."""
    if not root.is_dir():
        raise GuardError(f"rule directory not found: {root}")
    out: list[Rule] = []
    for family_dir, family in FAMILIES.items():
        for path in sorted((root / family_dir).glob("*.toml")):
            shown = f"{shown_root}/{family_dir}/{path.name}" if shown_root else str(path)
            out.extend(load_file(path, family, shown))
    return out


@cache
def load_builtin() -> tuple[Rule, ...]:
    from guard.rulecache import cached

    root = builtin_dir()
    files = sorted(p for family in FAMILIES for p in (root / family).glob("*.toml"))
    return cached(files, lambda: tuple(load_dir(root, shown_root="rules")))


def combine(groups: Iterable[Iterable[Rule]], disabled: frozenset[str] = frozenset()) -> tuple[Rule, ...]:
    """Merge rule lists; a duplicate id is an error, disabled ids are dropped."""
    seen: dict[str, Rule] = {}
    for group in groups:
        for rule in group:
            if rule.id in seen:
                raise RuleError(rule.source, rule.id, "id", f"duplicate id (also in {seen[rule.id].source})")
            seen[rule.id] = rule
    return tuple(r for r in seen.values() if r.id not in disabled)
