"""The baseline: fingerprints of known findings, so a scan reports only what is new.

A fingerprint hashes the rule id, the path and the secret, never a line number,
so moving code or adding lines above a secret keeps it. The file holds no secret
and no line number, and is written deterministically: sorted by fingerprint, one
entry per line. Because fingerprints are hashes, two branches that each add a
finding usually insert their lines in different places and git merges them
without a conflict; after any merge, `guard baseline update` rewrites the file
in canonical form.

    {
      "version": 1,
      "fingerprints": [
        {"fingerprint": "0b3e…", "rule_id": "secret.github-pat", "path": "app/settings.py"},
        {"fingerprint": "9f1c…", "rule_id": "risk.ci-checks-disabled", "path": ".github/workflows/ci.yml"}
      ]
    }
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guard.errors import GitError
from guard.errors import GuardError
from guard.model import Verdict

VERSION = 1
DEFAULT_NAME = ".guard-baseline.json"
_KEYS = ("fingerprint", "rule_id", "path")


@dataclass(frozen=True, slots=True, order=True)
class Entry:
    fingerprint: str
    rule_id: str
    path: str


def normalize(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    """Sorted and without duplicates: the one canonical order."""
    return tuple(sorted(set(entries)))


def from_verdict(verdict: Verdict) -> tuple[Entry, ...]:
    """Every finding the verdict shows (pragma-allowed and config-off findings need no entry)."""
    return normalize(Entry(d.finding.fingerprint, d.finding.rule_id, d.finding.path) for d in verdict.shown)


def dumps(entries: Iterable[Entry]) -> str:
    rows = [json.dumps({k: getattr(e, k) for k in _KEYS}, ensure_ascii=False) for e in normalize(entries)]
    body = "[\n" + ",\n".join(f"    {r}" for r in rows) + "\n  ]" if rows else "[]"
    return f'{{\n  "version": {VERSION},\n  "fingerprints": {body}\n}}\n'


def _entry(raw: Any, where: str, i: int) -> Entry:
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k), str) and raw[k] for k in _KEYS):
        raise GuardError(f"{where}: fingerprints[{i}]: expected an object with string {', '.join(_KEYS)}")
    return Entry(raw["fingerprint"], raw["rule_id"], raw["path"])


def loads(text: str, where: str) -> tuple[Entry, ...]:
    if "\n<<<<<<< " in f"\n{text}":
        raise GuardError(
            f"{where}: unresolved merge conflict: keep the entry lines of both sides, then run `guard baseline update`"
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise GuardError(f"{where}: invalid baseline JSON: {e}") from None
    if not isinstance(data, dict) or data.get("version") != VERSION or not isinstance(data.get("fingerprints"), list):
        raise GuardError(f'{where}: not a guard baseline (expected {{"version": {VERSION}, "fingerprints": [...]}})')
    return normalize(_entry(raw, where, i) for i, raw in enumerate(data["fingerprints"]))


def load(path: Path) -> tuple[Entry, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GuardError(f"baseline file not found: {path} (create it with `guard baseline create`)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise GuardError(f"{path}: cannot read baseline: {e}") from None
    return loads(text, str(path))


def load_fingerprints(path: Path) -> frozenset[str]:
    return frozenset(e.fingerprint for e in load(path))


def update(old: Iterable[Entry], found: Iterable[Entry], *, prune: bool) -> tuple[Entry, ...]:
    """Add what was found; with `prune`, also drop entries this scan no longer finds."""
    return normalize(found) if prune else normalize([*old, *found])


def write(path: Path, entries: Iterable[Entry]) -> None:
    """Replace the file in one step, so a reader never sees half a baseline."""
    text = dumps(entries)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise GitError(f"cannot write {path}: {e.strerror}") from None
