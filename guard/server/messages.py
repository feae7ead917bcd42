"""The lines a pusher sees (git shows them prefixed `remote: `).

Short and actionable: rule id, short commit, path:line, the redacted value,
then how to fix or appeal. On GitLab, lines that explain a rejection are
prefixed `GL-HOOK-ERR: ` so GitLab shows them in its UI as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass

from guard.model import Action
from guard.model import Category
from guard.model import Decision
from guard.rules import Rule
from guard.server.budget import FailMode
from guard.server.budget import Overrun
from guard.server.refs import RefKind
from guard.server.refs import RefUpdate

GITLAB_PREFIX = "GL-HOOK-ERR: "
SHORT = 10
_LABEL = {Action.BLOCK: "BLOCK", Action.WARN: "WARN ", Action.ALLOW: "ALLOW", Action.OFF: "OFF  "}


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    blocking: bool = False


def render(lines: Iterable[Line], *, gitlab: bool) -> tuple[str, ...]:
    out = []
    for ln in lines:
        text = f"guard: {ln.text}" if ln.text else "guard:"
        out.append(f"{GITLAB_PREFIX}{text}" if gitlab and ln.blocking else text)
    return tuple(out)


def short(sha: str | None) -> str:
    return sha[:SHORT] if sha else "-"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def ref_lines(updates: Iterable[RefUpdate], commits: Mapping[str, tuple[str, ...]], dropped: Mapping[str, int]) -> list[Line]:
    out: list[Line] = []
    for u in updates:
        n = len(commits.get(u.ref, ()))
        if u.kind is RefKind.DELETE:
            out.append(Line(f"{u.ref}: delete"))
        elif u.kind is RefKind.FORCE:
            gone = dropped.get(u.ref, 0)
            out.append(
                Line(
                    f"{u.ref}: FORCED update {short(u.old_tip)} -> {short(u.tip)}: "
                    f"{plural(gone, 'commit')} dropped from the branch, {plural(n, 'new commit')}"
                )
            )
        else:
            what = "new tag" if u.kind is RefKind.CREATE and u.ref.startswith("refs/tags/") else u.kind.value
            out.append(Line(f"{u.ref}: {what}, {plural(n, 'new commit')}"))
        if u.note:
            out.append(Line(f"{u.ref}: {u.note}: not scanned"))
    return out


def finding_lines(decisions: Iterable[Decision], rules: Mapping[str, Rule], refs_of: Mapping[str, tuple[str, ...]]) -> list[Line]:
    out: list[Line] = []
    for d in sorted(decisions, key=lambda d: (d.action is not Action.BLOCK, d.finding.path, d.finding.line or 0)):
        if d.action is Action.OFF:
            continue
        f = d.finding
        where = f.path if f.line is None else f"{f.path}:{f.line}"
        value = f"  {f.redacted}" if f.category is Category.SECRET else ""
        refs = refs_of.get(f.commit or "", ())
        on = f"  ({', '.join(refs)})" if refs else ""
        blocking = d.action is Action.BLOCK
        out.append(Line(f"{_LABEL[d.action]} {f.rule_id}  {short(f.commit)}  {where}{value}{on}", blocking))
        rule = rules.get(f.rule_id)
        fix = rule.fix.splitlines()[0] if rule is not None and rule.fix else ""
        detail = f.message if f.category is Category.SECRET else f"{f.message}: {f.confidence_reason}"
        out.append(Line(f"      {detail}" + (f"; fix: {fix}" if fix else ""), blocking))
    return out


def rejection_lines(decisions: Iterable[Decision], first_commit: str | None, contact: str) -> list[Line]:
    blocking = [d for d in decisions if d.action is Action.BLOCK]
    if not blocking:
        return []
    commits = {d.finding.commit for d in blocking if d.finding.commit}
    rule_ids = sorted({d.finding.rule_id for d in blocking})
    appeal = f"or ask {contact}" if contact else "or ask the repository admins"
    out = [
        Line(
            f"push rejected: {plural(len(blocking), 'blocking finding')} in {plural(len(commits), 'commit')}; no ref was updated",
            True,
        ),
    ]
    if any(d.finding.category is Category.SECRET for d in blocking):
        out.append(Line("to fix: rotate the secret (it has left your machine), then remove it from every commit:", True))
        start = f"{short(first_commit)}~1" if first_commit else "<first new commit>~1"
        out.append(Line(f"        git rebase -i {start}  (or git commit --amend for the last one), and push again", True))
    else:
        out.append(Line("to fix: revert the flagged change or have it reviewed", True))
    out.append(Line(f"false alarm? add `guard: allow {rule_ids[0]}` on the line, {appeal}", True))
    out.append(Line('emergency: git push -o guard.breakglass="<reason>" (listed users only; every use is logged)', True))
    return out


def overrun_lines(overruns: Iterable[Overrun], mode: FailMode, scanned: int, total: int) -> list[Line]:
    items = list(overruns)
    if not items:
        return []
    closed = mode is FailMode.CLOSED
    out = [Line(f"budget: {o.detail} (scanned {scanned} of {plural(total, 'commit')})", closed) for o in items]
    if closed:
        out.append(Line("fail-closed: push rejected because part of it was not scanned; push fewer commits at a time", True))
        out.append(Line("        or ask an admin to raise [server] deadline / max-commits / max-bytes", True))
    else:
        out.append(Line("fail-open: push accepted although part of it was not scanned (logged)"))
    return out


def error_lines(error: str, mode: FailMode) -> list[Line]:
    if mode is FailMode.CLOSED:
        return [Line(f"error: {error}", True), Line("fail-closed: push rejected because guard could not check it", True)]
    return [Line(f"error: {error}"), Line("fail-open: push accepted without a complete check (logged)")]
