"""The pre-receive hook without click: stdin and environment in, exit code and lines out.

1. start the clock; read every ref line, the push options and the pusher;
2. open the repository inside git's quarantine; read the server config
   (never the pushed tree);
3. list the new commits (push.plan), cap them, scan them within the budget;
4. let policy decide; apply break-glass (allowed users only) and the fail mode;
5. print concise lines, append one audit event, exit 0 (accept) or 1 (reject).

A rejection leaves every ref where it was (git's pre-receive contract).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guard.errors import GuardError
from guard.model import Action
from guard.model import Verdict
from guard.pushpolicy import decide_push
from guard.rules import Rule
from guard.run import active_rules
from guard.server import identity
from guard.server import messages
from guard.server import push
from guard.server import refs
from guard.server.budget import Budget
from guard.server.budget import FailMode
from guard.server.config import AUDIT_LOG_NAME
from guard.server.config import GIT_CONFIG_KEY
from guard.server.config import ServerConfig
from guard.server.config import resolve
from guard.server.log import log_event
from guard.server.messages import Line
from guard.server.options import PushOptions
from guard.server.options import parse_options
from guard.server.scanning import scan_commits

ACCEPT = 0
REJECT = 1


@dataclass(frozen=True, slots=True)
class Outcome:
    code: int
    lines: tuple[str, ...]
    event: Mapping[str, Any]


def _git_config(repo: Any, key: str) -> str | None:
    try:
        value = repo.config[key]
    except (KeyError, ValueError):
        return None
    return str(value) if value else None


def _finding_event(d: Any) -> dict[str, Any]:
    f = d.finding
    return {
        "rule": f.rule_id,
        "action": d.action.value,
        "commit": f.commit,
        "path": f.path,
        "line": f.line,
        "redacted": f.redacted,
        "fingerprint": f.fingerprint,
    }


def _ref_event(u: refs.RefUpdate, plan: push.Plan) -> dict[str, Any]:
    item: dict[str, Any] = {"ref": u.ref, "old": u.old, "new": u.new, "kind": u.kind.value, "family": u.family.value}
    item["commits"] = len(plan.by_ref.get(u.ref, ()))
    if u.ref in plan.dropped:
        item["dropped"] = plan.dropped[u.ref]
    if u.note:
        item["note"] = u.note
    return item


def _base_event(env: Mapping[str, str], pusher: identity.Pusher, options: PushOptions) -> dict[str, Any]:
    return {
        "hook": "pre-receive",
        "pusher": pusher.name,
        "pusher_source": pusher.source,
        "platform": pusher.platform,
        "push_options": list(options.values),
        "approvals": list(options.approvals),
        "quarantine": bool(env.get("GIT_QUARANTINE_PATH")),
    }


def _write_log(path: Path, event: dict[str, Any]) -> str | None:
    try:
        log_event(path, event)
    except OSError as e:
        return f"cannot write the audit log {path}: {e.strerror or e}"
    return None


def _fail(error: str, mode: FailMode, env: Mapping[str, str], event: dict[str, Any], log_path: Path, budget: Budget) -> Outcome:
    code = REJECT if mode is FailMode.CLOSED else ACCEPT
    event.update(
        decision="reject" if code else "accept", error=error, fail_mode=mode.value, elapsed_ms=round(budget.elapsed() * 1000, 1)
    )
    lines = messages.error_lines(error, mode)
    problem = _write_log(log_path, event)
    if problem:
        lines.append(Line(f"warning: {problem}"))
    return Outcome(code, messages.render(lines, gitlab=identity.is_gitlab(env)), event)


def run(
    stdin: str, env: Mapping[str, str], *, config_path: str | None = None, cwd: Path | None = None, start: float | None = None
) -> Outcome:
    budget = Budget(ServerConfig().limits, start=start)
    pusher = identity.pusher(env, identity.os_user())
    options = parse_options(env)
    event = _base_event(env, pusher, options)
    here = cwd or Path.cwd()
    log_path = Path(env.get("GIT_DIR") or here) / AUDIT_LOG_NAME
    try:
        repo = push.open_pushed(here, env)
        log_path = push.git_dir(repo) / AUDIT_LOG_NAME
        cfg = resolve(config_path, env, _git_config(repo, GIT_CONFIG_KEY))
        log_path = cfg.log_path(push.git_dir(repo))
        event["config"] = cfg.source
        budget = Budget(cfg.limits, start=budget.start)
        rules = active_rules(cfg.scan)
    except Exception as e:  # before the config is known, errors fail closed
        return _fail(_describe(e), FailMode.CLOSED, env, event, log_path, budget)
    try:
        updates = refs.classify_all(repo, refs.parse_lines(stdin))
        return _decide(repo, updates, cfg, rules, budget, env, pusher, options, event, log_path)
    except Exception as e:
        if os.environ.get("GUARD_DEBUG"):
            raise
        return _fail(_describe(e), cfg.on_error, env, event, log_path, budget)


def _describe(e: Exception) -> str:
    return str(e) if isinstance(e, GuardError) else f"{type(e).__name__}: {e}"


def _decide(
    repo: Any,
    updates: tuple[refs.RefUpdate, ...],
    cfg: ServerConfig,
    rules: tuple[Rule, ...],
    budget: Budget,
    env: Mapping[str, str],
    pusher: identity.Pusher,
    options: PushOptions,
    event: dict[str, Any],
    log_path: Path,
) -> Outcome:
    plan = push.plan(repo, updates)
    shas = budget.cap_commits(plan.commits)
    scanned = scan_commits(repo, shas, rules, cfg.scan, budget)
    # Authorship (with the branch and the authenticated pusher), approvals and protected-ref checks.
    branches = {sha: refs_[0] for sha in shas if (refs_ := plan.refs_of(sha))}
    pd = decide_push(
        scanned.subjects,
        scanned.commits,
        cfg.scan,
        rules,
        pusher=pusher.name,
        approvals=options.approvals,
        branches=branches,
        ref_updates=[(u.ref, u.kind.value) for u in updates],
        notices=scanned.notices,
    )
    verdict: Verdict = pd.verdict
    event.update(pd.event)
    refs_of = {sha: plan.refs_of(sha) for sha in {d.finding.commit for d in verdict.decisions if d.finding.commit}}

    lines: list[Line] = [Line(p) for p in (*cfg.warnings, *options.problems, *pd.problems)]
    lines += messages.ref_lines(updates, plan.by_ref, plan.dropped)
    lines += [Line(f"note: {n}") for n in verdict.notices]
    lines += messages.finding_lines(verdict.decisions, {r.id: r for r in rules}, refs_of)
    reasons: list[str] = []
    if verdict.blocked:
        reasons.append("blocking findings")
        lines += messages.rejection_lines(verdict.decisions, shas[0] if shas else None, cfg.contact)
    lines += messages.overrun_lines(budget.overruns, cfg.limits.on_overrun, scanned.complete, len(plan.commits))
    if budget.blocks():
        reasons.append("budget overrun (fail-closed)")

    breakglass: dict[str, Any] | None = None
    overridden = False
    if options.breakglass is not None:
        allowed = cfg.may_break_glass(pusher.name) and bool(options.breakglass)
        breakglass = {"reason": options.breakglass, "allowed": allowed}
        if not options.breakglass:
            lines.append(Line('break-glass refused: a reason is required: -o guard.breakglass="<reason>"', True))
        elif not allowed:
            lines.append(Line(f"break-glass refused: {pusher} may not use it (server config breakglass-users); logged", True))
        if not allowed:
            reasons.append("break-glass refused")
        elif reasons:
            lines.append(Line(f"break-glass by {pusher}: {options.breakglass!r}: accepted despite {', '.join(reasons)}; logged"))
            breakglass["overrode"] = reasons
            reasons, overridden = [], True
        else:
            lines.append(Line(f"break-glass by {pusher}: {options.breakglass!r}: nothing to override; logged"))

    code = REJECT if reasons else ACCEPT
    elapsed = budget.elapsed()
    event.update(
        decision="reject" if code else "accept",
        reasons=reasons,
        refs=[_ref_event(u, plan) for u in updates],
        new_commits=len(plan.commits),
        scanned_commits=scanned.complete,
        findings=[_finding_event(d) for d in verdict.decisions if d.action is not Action.OFF],
        suppressed=sum(1 for d in verdict.decisions if d.action is Action.OFF),
        overruns=[{"kind": o.kind, "detail": o.detail} for o in budget.overruns],
        fail_mode=cfg.limits.on_overrun.value,
        breakglass=breakglass,
        elapsed_ms=round(elapsed * 1000, 1),
    )
    problem = _write_log(log_path, event)
    if problem:
        lines.append(Line(f"warning: {problem}", overridden))
        if overridden:  # an unlogged break-glass is no break-glass
            lines.append(Line("break-glass refused: its use could not be logged", True))
            code = REJECT
    status = "rejected" if code else "accepted"
    lines.append(
        Line(
            f"{status}: {messages.plural(len(plan.commits), 'new commit')}, {scanned.complete} scanned in {elapsed:.2f} s",
            code == REJECT,
        )
    )
    return Outcome(code, messages.render(lines, gitlab=identity.is_gitlab(env)), event)
