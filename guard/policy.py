"""Policy: the only stage that decides block, warn, allow or off, and always says why."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

from guard.config import Config
from guard.model import Action
from guard.model import Actor
from guard.model import Category
from guard.model import Commit
from guard.model import CommitVerdict
from guard.model import Decision
from guard.model import Finding
from guard.model import Stage
from guard.model import Verdict

_RANK = {Action.OFF: 0, Action.ALLOW: 1, Action.WARN: 2, Action.BLOCK: 3}


@dataclass(frozen=True, slots=True)
class Subject:
    """One finding as policy sees it: with the facts that bear on the decision."""

    finding: Finding
    pragma: bool = False  # an inline `guard: allow` covers it
    in_baseline: bool = False


def most_specific(rule_id: str, table: Iterable[tuple[str, Action]]) -> tuple[str, Action] | None:
    """The matching glob with the most literal characters wins."""
    matches = [(g, a) for g, a in table if fnmatchcase(rule_id, g)]
    return max(matches, key=lambda m: (len(m[0]) - m[0].count("*") - m[0].count("?"), len(m[0])), default=None)


def action_for(subject: Subject, cfg: Config, stage: Stage) -> tuple[Action, str]:
    f = subject.finding
    where = f"line {f.line}" if f.line else "file"
    if subject.pragma:
        return Action.OFF, f"inline 'guard: allow' on {where}"
    if subject.in_baseline:
        return Action.OFF, "known finding in the baseline"
    hit = most_specific(f.rule_id, cfg.actions)
    if hit is not None:
        return hit[1], f"config actions {hit[0]!r} = {hit[1].value}"
    if f.category is Category.SECRET:
        if f.confidence >= cfg.block_confidence:
            return Action.BLOCK, f"secret with {f.confidence.label} confidence blocks"
        return Action.WARN, f"secret with {f.confidence.label} confidence (below {cfg.block_confidence.label}) warns"
    return Action.WARN, "risky change warns"


def decide(
    subjects: Iterable[Subject],
    cfg: Config,
    *,
    stage: Stage,
    commits: Iterable[Commit] = (),
    actors: Mapping[str, Actor] | None = None,
    notices: Iterable[str] = (),
) -> Verdict:
    decisions = tuple(Decision(s.finding, *action_for(s, cfg, stage)) for s in subjects)
    per_commit: dict[str, Action] = {}
    for d in decisions:
        if d.finding.commit is not None:
            prev = per_commit.get(d.finding.commit, Action.ALLOW)
            per_commit[d.finding.commit] = max(prev, d.action, key=_RANK.__getitem__)
    actors = actors or {}
    commit_verdicts = tuple(
        CommitVerdict(c, actors.get(c.sha), _commit_action(per_commit.get(c.sha, Action.ALLOW))) for c in commits
    )
    return Verdict(decisions, commit_verdicts, tuple(notices))


def _commit_action(action: Action) -> Action:
    return Action.ALLOW if action is Action.OFF else action
