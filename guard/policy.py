"""Policy: the only stage that decides block, warn, allow or off, and always says why.

The decision for one finding depends on the rule (id, category, severity),
the finding's confidence, and who wrote the commit it is in (the Actor from
guard/agents). Defaults (docs/policy.md has the full table):

* a secret blocks for anyone at `block-confidence` (high) and warns below;
* a critical risk (force push or deletion of a protected ref) blocks for anyone;
* a risky change (severity medium or more, confidence medium or more) blocks
  when an agent wrote it and warns when a person (or nobody known) did;
* a low-severity or low-confidence risk warns; an informational one is allowed.

Config can override per actor class (`[policy.agent]`, `[policy.human]`,
`[policy.bot]`) and for everyone (`[actions]`), by rule-id glob.

A human approval (`Approval`) turns an agent's blocked risky change into
allow, with the approver and reason in the decision. Only the server can
build one (`approval_for`: the authenticated pusher must be a configured
approver and not an agent account), and only pre-receive decisions honour it;
nothing in a commit message counts. An inline `guard: allow` added by an
agent commit does not silence that commit's risk findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from guard.config import Config
from guard.model import Action
from guard.model import Actor
from guard.model import Category
from guard.model import Commit
from guard.model import CommitVerdict
from guard.model import Confidence
from guard.model import Decision
from guard.model import Finding
from guard.model import Severity
from guard.model import Stage
from guard.model import Verdict

_RANK = {Action.OFF: 0, Action.ALLOW: 1, Action.WARN: 2, Action.BLOCK: 3}
RISKY_SEVERITY = Severity.MEDIUM
RISKY_CONFIDENCE = Confidence.MEDIUM


@dataclass(frozen=True, slots=True)
class Subject:
    """One finding as policy sees it: with the facts that bear on the decision."""

    finding: Finding
    pragma: bool = False  # an inline `guard: allow` covers it
    in_baseline: bool = False


@dataclass(frozen=True, slots=True)
class Approval:
    """A human's go-ahead for an agent's risky changes, verified by the server from the pusher's identity."""

    approver: str
    reason: str


def most_specific(rule_id: str, table: Iterable[tuple[str, Action]]) -> tuple[str, Action] | None:
    """The matching glob with the most literal characters wins."""
    matches = [(g, a) for g, a in table if fnmatchcase(rule_id, g)]
    return max(matches, key=lambda m: (len(m[0]) - m[0].count("*") - m[0].count("?"), len(m[0])), default=None)


def family(rule_id: str) -> str:
    """A rule's family: `secret`, or the first word of a risk id (`risk.ci-workflow-changed` -> `ci`)."""
    kind, _, rest = rule_id.partition(".")
    return rest.split("-", 1)[0] if kind == "risk" and rest else kind


def actor_class(actor: Actor | None, cfg: Config) -> str:
    """`agent` (an agent signal at `agent-confidence` or above), `bot`, or `human` (including unknown)."""
    if actor is None:
        return "human"
    if actor.kind == "agent":
        return "agent" if actor.confidence >= cfg.agent_confidence else "human"
    return "bot" if actor.kind == "bot" else "human"


def _who(actor: Actor | None, cls: str) -> str:
    if actor is None:
        return "author unknown"
    if cls == "agent":
        return f"agent {actor.name or 'unnamed'} ({actor.confidence.label} confidence)"
    if cls == "bot":
        return f"bot {actor.name or 'unnamed'}"
    if actor.kind == "agent":
        return f"weak agent signal ({actor.confidence.label} confidence), treated as a person"
    return "a person"


def approval_for(pusher: str | None, reasons: Sequence[str], cfg: Config) -> tuple[Approval | None, str | None]:
    """(approval, problem) for `-o guard.approve=<reason>` pushed by `pusher` (the server's authenticated identity)."""
    if not reasons:
        return None, None
    if not pusher:
        return None, "approval ignored: the pusher's identity is unknown"
    folded = pusher.casefold()
    if folded in {a.casefold() for a in cfg.agent_accounts}:
        return None, f"approval refused: {pusher} is an agent account"
    if folded not in {a.casefold() for a in cfg.approvers}:
        return None, f"approval refused: {pusher} is not a configured approver ([policy] approvers)"
    return Approval(pusher, "; ".join(r.strip() for r in reasons if r.strip())), None


def action_for(
    subject: Subject,
    cfg: Config,
    stage: Stage,
    actor: Actor | None = None,
    approval: Approval | None = None,
) -> tuple[Action, str]:
    f = subject.finding
    cls = actor_class(actor, cfg)
    where = f"line {f.line}" if f.line else "file"
    if subject.in_baseline:
        return Action.OFF, "known finding in the baseline"
    note = ""
    if subject.pragma:
        if not (cls == "agent" and f.category is Category.RISK):
            return Action.OFF, f"inline 'guard: allow' on {where}"
        note = f"; inline 'guard: allow' on {where} ignored: added by an agent commit"
    action, reason = _base(f, cfg, actor, cls)
    if action is Action.BLOCK and approval is not None and _approvable(f, cls):
        return Action.ALLOW, f"approved by {approval.approver}: {approval.reason!r} (was: {reason}){note}"
    return action, reason + note


def _approvable(f: Finding, cls: str) -> bool:
    return cls == "agent" and f.category is Category.RISK and f.severity < Severity.CRITICAL


def _base(f: Finding, cfg: Config, actor: Actor | None, cls: str) -> tuple[Action, str]:
    per_actor = most_specific(f.rule_id, ((g, a) for k, g, a in cfg.actor_actions if k == cls))
    if per_actor is not None:
        return per_actor[1], f"config policy.{cls} {per_actor[0]!r} = {per_actor[1].value} ({_who(actor, cls)})"
    hit = most_specific(f.rule_id, cfg.actions)
    if hit is not None:
        return hit[1], f"config actions {hit[0]!r} = {hit[1].value}"
    if f.category is Category.SECRET:
        if f.confidence >= cfg.block_confidence:
            return Action.BLOCK, f"secret with {f.confidence.label} confidence blocks"
        return Action.WARN, f"secret with {f.confidence.label} confidence (below {cfg.block_confidence.label}) warns"
    if f.severity >= Severity.CRITICAL:
        return Action.BLOCK, "critical risk blocks for anyone"
    risky = f.severity >= RISKY_SEVERITY and f.confidence >= RISKY_CONFIDENCE
    if cls == "agent":
        if risky:
            return Action.BLOCK, f"risky change by {_who(actor, cls)} blocks until a human approves"
        return Action.WARN, f"{f.severity.label}-severity, {f.confidence.label}-confidence risk by {_who(actor, cls)} warns"
    if f.severity is Severity.INFO:
        return Action.ALLOW, "informational risk is allowed"
    if actor is None:
        return Action.WARN, "risky change warns"
    return Action.WARN, f"risky change by {_who(actor, cls)} warns"


def decide(
    subjects: Iterable[Subject],
    cfg: Config,
    *,
    stage: Stage,
    commits: Iterable[Commit] = (),
    actors: Mapping[str, Actor] | None = None,
    notices: Iterable[str] = (),
    approval: Approval | None = None,
    push_actor: Actor | None = None,
) -> Verdict:
    """Decisions for every finding; `actors` maps commit sha -> Actor, `push_actor` covers findings without a commit.

    `approval` is honoured only at pre-receive, where the server verified the pusher.
    """
    actors = actors or {}
    notes = list(notices)
    if approval is not None and stage is not Stage.PRE_RECEIVE:
        notes.append(f"approval by {approval.approver} ignored: only the pre-receive hook can verify who approves")
        approval = None
    decisions = tuple(
        Decision(s.finding, *action_for(s, cfg, stage, _actor_of(s.finding, actors, push_actor), approval)) for s in subjects
    )
    if approval is not None:
        used = sum(1 for d in decisions if d.reason.startswith(f"approved by {approval.approver}:"))
        notes.append(f"approval by {approval.approver} ({approval.reason!r}) allowed {used} agent finding(s)")
    per_commit: dict[str, Action] = {}
    for d in decisions:
        if d.finding.commit is not None:
            prev = per_commit.get(d.finding.commit, Action.ALLOW)
            per_commit[d.finding.commit] = max(prev, d.action, key=_RANK.__getitem__)
    commit_verdicts = tuple(
        CommitVerdict(c, actors.get(c.sha), _commit_action(per_commit.get(c.sha, Action.ALLOW))) for c in commits
    )
    return Verdict(decisions, commit_verdicts, tuple(notes))


def _actor_of(f: Finding, actors: Mapping[str, Actor], push_actor: Actor | None) -> Actor | None:
    return actors.get(f.commit) if f.commit is not None else push_actor


def _commit_action(action: Action) -> Action:
    return Action.ALLOW if action is Action.OFF else action
