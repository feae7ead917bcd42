"""Run every rule's own examples and cases: the proof each rule carries."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass

from guard.gen import expand
from guard.model import Blob
from guard.model import Change
from guard.model import Status
from guard.rules import Case
from guard.rules import Rule
from guard.scan import Engine
from guard.sources.textio import split_lines


@dataclass(frozen=True, slots=True)
class Probe:
    """One example or case of one rule, expanded and ready to run."""

    rule: Rule
    label: str  # e.g. "example[0]", "negative[2]", "case[1]", "known-miss[0]"
    change: Change
    expect: tuple[int | str, ...] | None  # None: at least one finding
    text: str


@dataclass(frozen=True, slots=True)
class Result:
    probe: Probe
    got: tuple[int | str, ...]
    ok: bool

    def explain(self) -> str:
        p = self.probe
        want = "at least one finding" if p.expect is None else f"findings on {list(p.expect) or 'nothing'}"
        status = "ok" if self.ok else ("Missing" if len(self.got) < len(p.expect or (1,)) else "Noisy")
        numbered = "\n".join(f"  {i:>3} | {ln}" for i, ln in enumerate(split_lines(p.text), 1))
        return f"{p.rule.id} {p.label}: {status}: wanted {want}, got {list(self.got)} ({p.change.path})\n{numbered}"


def change_for(path: str, text: str, old_text: str | None = None, status: Status = Status.ADDED) -> Change:
    """A Change whose added lines are those `text` adds to `old_text`."""
    new_lines = split_lines(text)
    removed: tuple[str, ...] | None = None
    if old_text is None:
        added = tuple(enumerate(new_lines, 1))
    else:
        old_lines = split_lines(old_text)
        ops = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False).get_opcodes()
        added = tuple((j + 1, new_lines[j]) for tag, _a, _b, j1, j2 in ops if tag in ("insert", "replace") for j in range(j1, j2))
        removed = tuple(old_lines[i] for tag, i1, i2, _c, _d in ops if tag in ("delete", "replace") for i in range(i1, i2))
        if status is Status.DELETED:
            removed = tuple(old_lines)
    return Change(
        path=path,
        status=status,
        added=added if status is not Status.DELETED else (),
        content=Blob(data=text.encode()) if status is not Status.DELETED else Blob(),
        old_content=Blob(data=old_text.encode()) if old_text is not None else Blob(),
        size=len(text.encode()),
        removed=removed,
    )


def probes(rule: Rule) -> Iterator[Probe]:
    def seeded(kind: str, i: int, template: str) -> str:
        return expand(template, f"{rule.id}#{kind}{i}")

    for i, t in enumerate(rule.examples):
        text = seeded("example", i, t)
        yield Probe(rule, f"example[{i}]", change_for(rule.example_path, text), None, text)
    for i, t in enumerate(rule.negative_examples):
        text = seeded("negative", i, t)
        yield Probe(rule, f"negative[{i}]", change_for(rule.example_path, text), (), text)
    for i, t in enumerate(rule.known_misses):
        text = seeded("known-miss", i, t)
        yield Probe(rule, f"known-miss[{i}]", change_for(rule.example_path, text), None, text)
    for i, c in enumerate(rule.cases):
        yield _case_probe(rule, i, c, seeded)


def _case_probe(rule: Rule, i: int, c: Case, seeded: object) -> Probe:
    assert callable(seeded)
    text = seeded("case", i, c.text)
    old = seeded("case-old", i, c.old_text) if c.old_text is not None else None
    return Probe(rule, f"case[{i}]", change_for(c.path, text, old, c.status), c.expect, text)


def run(probe: Probe) -> Result:
    scanned = Engine([probe.rule]).scan_change(probe.change)
    got = tuple(sorted({f.line if f.line is not None else "file" for f in scanned.findings}, key=str))
    if probe.expect is None:
        ok = bool(got)
    else:
        ok = sorted(got, key=str) == sorted(set(probe.expect), key=str)
    return Result(probe, got, ok)


def check(rules: tuple[Rule, ...]) -> list[Result]:
    """Every probe of every rule; known misses are expected to fail and pass when they do."""
    out = []
    for rule in rules:
        for p in probes(rule):
            r = run(p)
            if p.label.startswith("known-miss"):
                r = Result(p, r.got, not r.ok)
            out.append(r)
    return out
