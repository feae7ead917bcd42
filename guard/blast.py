"""Blast radius and other checks that need more than one change: commits, pushes, ref updates.

Pure functions over the `push` rules (guard/detectors/push.py) and plain
values, so the pre-receive hook, range scans and tests share them:

* `Tracker` -- pass a scan's change stream through `watch()`; afterwards
  `findings()` reports each commit's size (scope "commit"), large files
  ("file"), manifest/lock-file pairs ("pair") and the whole stream's size
  ("push"). It keeps counters and paths, never file content.
* `ref_findings(updates, rules)` -- `updates` are (ref name, kind) pairs with
  kind "create", "update", "force" or "delete" (guard/server/refs.py
  `RefKind.value`); reports force pushes and deletions of protected refs
  (scope "ref"). The server calls it with its classified ref updates.

Findings are file-level (line None). A push-level finding has no commit
(policy then uses the pusher's actor); its path is PUSH_PATH or the ref name.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from fnmatch import fnmatchcase
from typing import Any

from guard.detectors import repofiles
from guard.detectors.push import Prepared
from guard.model import Change
from guard.model import Finding
from guard.model import Status
from guard.rules import Rule
from guard.scan import file_finding

PUSH_PATH = "(push)"
DETECTOR = "push"


@dataclass
class _Commit:
    files: int = 0
    lines: int = 0
    deleted: int = 0
    large: list[tuple[str, int]] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)  # paths of pair files (manifests, lock files) changed
    present: set[str] = field(default_factory=set)  # ... of them, not deleted
    matched: set[tuple[str, str]] = field(default_factory=set)  # (rule id, path): an added line matched the rule's `lines`


def push_rules(rules: Iterable[Rule], scope: str) -> list[Rule]:
    return [r for r in rules if r.detector == DETECTOR and isinstance(r.prepared, Prepared) and r.prepared.scope == scope]


def finding(rule: Rule, path: str, subject: str, reason: str, commit: str | None) -> Finding:
    return file_finding(rule, path, subject, reason, commit)


def _split(path: str) -> tuple[str, str]:
    folder, _, name = path.rpartition("/")
    return folder, name


def _over(p: Prepared, files: int, lines: int, deleted: int) -> list[str]:
    got = {"max-files": (files, "files changed"), "max-lines": (lines, "lines added"), "max-deleted": (deleted, "files deleted")}
    return [f"{got[k][0]} {got[k][1]} (limit {v})" for k, v in p.limits.items() if got[k][0] > v]


class Tracker:
    """Counters per commit and for the whole stream, filled while a scan runs."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        rules = tuple(rules)
        self.commit_rules = push_rules(rules, "commit")
        self.push_rules = push_rules(rules, "push")
        self.file_rules = push_rules(rules, "file")
        self.pair_rules = push_rules(rules, "pair")
        self._pair_names = {n for r in self.pair_rules for m, locks in r.prepared.pairs for n in (m, *locks)}
        self._min_bytes = min((r.prepared.limits["max-bytes"] for r in self.file_rules), default=None)
        self.commits: dict[str | None, _Commit] = {}
        self.paths: set[str] = set()
        self.lines = 0
        self.deleted = 0

    def state(self) -> tuple[Any, ...]:
        """The counters, to carry a worker process's part of a scan back to the parent."""
        return (self.commits, self.paths, self.lines, self.deleted)

    def absorb(self, state: tuple[Any, ...]) -> None:
        """Add a part's counters (parts cover disjoint commits)."""
        commits, paths, lines, deleted = state
        self.commits.update(commits)
        self.paths |= paths
        self.lines += lines
        self.deleted += deleted

    def watch(self, changes: Iterable[Change]) -> Iterator[Change]:
        for change in changes:
            self.add(change)
            yield change

    def add(self, change: Change) -> None:
        c = self.commits.setdefault(change.commit, _Commit())
        added = len(change.added)
        c.files += 1
        c.lines += added
        self.paths.add(change.path)
        self.lines += added
        if change.status is Status.DELETED:
            c.deleted += 1
            self.deleted += 1
        elif self._min_bytes is not None and change.size > self._min_bytes:
            c.large.append((change.path, change.size))
        _, name = _split(change.path)
        if name in self._pair_names:
            c.touched.add(change.path)
            if change.status is not Status.DELETED:
                c.present.add(change.path)
                for r in self.pair_rules:
                    pattern = r.prepared.lines
                    if pattern is None or any(pattern.search(t) for _, t in change.added):
                        c.matched.add((r.id, change.path))

    def findings(self) -> list[Finding]:
        out: list[Finding] = []
        for sha, c in self.commits.items():
            for rule in self.commit_rules:
                over = _over(rule.prepared, c.files, c.lines, c.deleted)
                if over:
                    out.append(finding(rule, PUSH_PATH, f"commit {sha}", "; ".join(over), sha))
            for rule in self.file_rules:
                limit = rule.prepared.limits["max-bytes"]
                out += [finding(rule, p, p, f"{size} bytes (limit {limit})", sha) for p, size in c.large if size > limit]
            for rule in self.pair_rules:
                out += _pairs(rule, c, sha)
        for rule in self.push_rules:
            over = _over(rule.prepared, len(self.paths), self.lines, self.deleted)
            if over:
                out.append(finding(rule, PUSH_PATH, f"{len(self.commits)} commits", "; ".join(over), None))
        return out


def _pairs(rule: Rule, c: _Commit, sha: str | None) -> Iterator[Finding]:
    p: Prepared = rule.prepared
    for path in sorted(c.present):
        if (rule.id, path) not in c.matched:
            continue
        folder, name = _split(path)
        prefix = f"{folder}/" if folder else ""
        for manifest, locks in p.pairs:
            if p.lonely == "manifest" and name == manifest:
                if any(prefix + lock in c.touched for lock in locks):
                    continue
                partner = next((lock for lock in locks if repofiles.exists(prefix + lock)), None)
            elif p.lonely == "lockfile" and name in locks:
                partner = manifest if prefix + manifest not in c.touched else None
            else:
                continue
            if partner is not None:
                yield finding(rule, path, f"{path} without {partner}", f"{name} changed, {prefix}{partner} did not", sha)
                break


def ref_findings(updates: Iterable[tuple[str, str]], rules: Iterable[Rule]) -> list[Finding]:
    """Findings for force pushes and deletions of protected refs; `updates` are (ref, kind) pairs."""
    out: list[Finding] = []
    checks = push_rules(rules, "ref")
    for ref, kind in updates:
        for rule in checks:
            if kind in rule.prepared.on and any(fnmatchcase(ref, g) for g in rule.prepared.refs):
                verb = "force-pushed (history rewritten)" if kind == "force" else "deleted"
                out.append(finding(rule, ref, f"{kind} {ref}", f"protected ref {ref} {verb}", None))
    return out
