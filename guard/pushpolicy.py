"""The agent policy for one push, in one call for the pre-receive hook.

`decide_push` gathers what only the server knows -- the authenticated pusher,
the `-o guard.approve=<reason>` options, the branch each commit arrives on,
the ref updates -- and turns it into authorship per commit, a verified
approval (or the reason it was refused), the protected-ref findings, and the
policy verdict at Stage.PRE_RECEIVE. The hook shows `problems` to the pusher
and merges `event` into its audit event.

    pd = decide_push(scanned.subjects, scanned.commits, cfg.scan, rules,
                     pusher=pusher.name, approvals=options.approvals,
                     branches={sha: plan.refs_of(sha)[0] for sha in ...},
                     ref_updates=[(u.ref, u.kind.value) for u in updates],
                     notices=scanned.notices)
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from guard.actors import actors_for
from guard.actors import pusher_actor
from guard.blast import ref_findings
from guard.config import Config
from guard.model import Commit
from guard.model import Stage
from guard.model import Verdict
from guard.policy import Approval
from guard.policy import Subject
from guard.policy import approval_for
from guard.policy import decide
from guard.report.jsonfmt import actor_dict
from guard.rules import Rule


@dataclass(frozen=True, slots=True)
class PushDecision:
    verdict: Verdict
    approval: Approval | None
    problems: tuple[str, ...]  # lines for the pusher (an approval refused, ...)
    event: dict[str, Any]  # audit fields: actors per commit, the approval and whether it was used


def decide_push(
    subjects: Iterable[Subject],
    commits: Sequence[Commit],
    cfg: Config,
    rules: Iterable[Rule],
    *,
    pusher: str | None,
    approvals: Sequence[str] = (),
    branches: Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
    ref_updates: Iterable[tuple[str, str]] = (),
    notices: Iterable[str] = (),
) -> PushDecision:
    actors = actors_for(commits, cfg, branches=branches, pusher=pusher, notes=notes)
    approval, problem = approval_for(pusher, approvals, cfg)
    all_subjects = [*subjects, *(Subject(f) for f in ref_findings(ref_updates, rules))]
    verdict = decide(
        all_subjects,
        cfg,
        stage=Stage.PRE_RECEIVE,
        commits=commits,
        actors=actors,
        notices=notices,
        approval=approval,
        push_actor=pusher_actor(pusher, cfg),
    )
    used = [
        {"rule": d.finding.rule_id, "commit": d.finding.commit, "fingerprint": d.finding.fingerprint}
        for d in verdict.decisions
        if approval is not None and d.reason.startswith(f"approved by {approval.approver}:")
    ]
    event: dict[str, Any] = {
        "actors": {sha: actor_dict(a) for sha, a in actors.items()},
        "approval": None
        if not approvals
        else {
            "approver": approval.approver if approval else pusher,
            "reason": approval.reason if approval else "; ".join(approvals),
            "accepted": approval is not None,
            "problem": problem,
            "allowed": used,
        },
    }
    return PushDecision(verdict, approval, (problem,) if problem else (), event)
