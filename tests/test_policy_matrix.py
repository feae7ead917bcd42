"""Policy decisions: actor (agent, person, bot, unknown) x rule family x stage, with exact actions and reasons."""

from __future__ import annotations

from pathlib import Path

import pytest

from guard.config import Config
from guard.config import parse
from guard.errors import ConfigError
from guard.model import Action
from guard.model import Actor
from guard.model import Category
from guard.model import Commit
from guard.model import Confidence
from guard.model import Finding
from guard.model import Severity
from guard.model import Stage
from guard.policy import Approval
from guard.policy import Subject
from guard.policy import action_for
from guard.policy import approval_for
from guard.policy import decide
from guard.policy import family

SHA = "a" * 40
CLAUDE = Actor("agent", "claude-code", Confidence.HIGH, ("trailer co-authored-by: Claude <noreply@anthropic.com>",))
COPILOT_MEDIUM = Actor("agent", "copilot-coding-agent", Confidence.MEDIUM, ("branch copilot/fix",))
WEAK = Actor("agent", "devin", Confidence.LOW, ("author Devin Smith <devin@example.com> (name only)",))
PERSON = Actor("human", None, Confidence.LOW, ("no agent signal",))
BOT = Actor("bot", "dependabot", Confidence.HIGH, ("author dependabot[bot]",))
STAGES = [Stage.PRE_COMMIT, Stage.PRE_PUSH, Stage.PRE_RECEIVE, Stage.CI]


def finding(rule_id: str, severity: Severity = Severity.MEDIUM, confidence: Confidence = Confidence.HIGH) -> Finding:
    category = Category.SECRET if rule_id.startswith("secret.") else Category.RISK
    return Finding(rule_id, category, severity, confidence, "test", "x.py", 3, 3, 1, SHA, "title", "abcd********", "f" * 32)


# (rule id, severity, confidence) per family
FAMILIES = {
    "secret": ("secret.github-pat", Severity.CRITICAL, Confidence.HIGH),
    "ci": ("risk.ci-permissions-write-all", Severity.HIGH, Confidence.HIGH),
    "agent": ("risk.agent-bypass-permissions", Severity.HIGH, Confidence.HIGH),
    "tamper": ("risk.tamper-codeowners", Severity.HIGH, Confidence.HIGH),
    "test": ("risk.test-skip-python", Severity.MEDIUM, Confidence.HIGH),
    "lint": ("risk.lint-suppression-python", Severity.LOW, Confidence.HIGH),
    "net": ("risk.net-bind-all-interfaces", Severity.MEDIUM, Confidence.MEDIUM),
    "blast": ("risk.blast-protected-force-push", Severity.CRITICAL, Confidence.HIGH),
}

AGENT_BLOCK = "risky change by agent claude-code (high confidence) blocks until a human approves"
EXPECTED: dict[tuple[str, str], tuple[Action, str]] = {
    ("agent", "secret"): (Action.BLOCK, "secret with high confidence blocks"),
    ("agent", "ci"): (Action.BLOCK, AGENT_BLOCK),
    ("agent", "agent"): (Action.BLOCK, AGENT_BLOCK),
    ("agent", "tamper"): (Action.BLOCK, AGENT_BLOCK),
    ("agent", "test"): (Action.BLOCK, AGENT_BLOCK),
    ("agent", "lint"): (Action.WARN, "low-severity, high-confidence risk by agent claude-code (high confidence) warns"),
    ("agent", "net"): (Action.BLOCK, AGENT_BLOCK),
    ("agent", "blast"): (Action.BLOCK, "critical risk blocks for anyone"),
    ("human", "secret"): (Action.BLOCK, "secret with high confidence blocks"),
    ("human", "ci"): (Action.WARN, "risky change by a person warns"),
    ("human", "agent"): (Action.WARN, "risky change by a person warns"),
    ("human", "tamper"): (Action.WARN, "risky change by a person warns"),
    ("human", "test"): (Action.WARN, "risky change by a person warns"),
    ("human", "lint"): (Action.WARN, "risky change by a person warns"),
    ("human", "net"): (Action.WARN, "risky change by a person warns"),
    ("human", "blast"): (Action.BLOCK, "critical risk blocks for anyone"),
    ("bot", "ci"): (Action.WARN, "risky change by bot dependabot warns"),
    ("bot", "secret"): (Action.BLOCK, "secret with high confidence blocks"),
    ("unknown", "ci"): (Action.WARN, "risky change warns"),
    ("unknown", "test"): (Action.WARN, "risky change warns"),
    ("unknown", "blast"): (Action.BLOCK, "critical risk blocks for anyone"),
    ("unknown", "secret"): (Action.BLOCK, "secret with high confidence blocks"),
}
ACTORS = {"agent": CLAUDE, "human": PERSON, "bot": BOT, "unknown": None}


@pytest.mark.parametrize("stage", STAGES, ids=[s.value for s in STAGES])
@pytest.mark.parametrize(("who", "fam"), sorted(EXPECTED), ids=[f"{w}-{f}" for w, f in sorted(EXPECTED)])
def test_matrix(who: str, fam: str, stage: Stage) -> None:
    rule_id, severity, confidence = FAMILIES[fam]
    assert family(rule_id) == fam
    got = action_for(Subject(finding(rule_id, severity, confidence)), Config(), stage, ACTORS[who])
    assert got == EXPECTED[(who, fam)]


def test_agent_confidence_threshold() -> None:
    f = finding("risk.ci-workflow-changed")
    assert action_for(Subject(f), Config(), Stage.CI, COPILOT_MEDIUM) == (
        Action.BLOCK,
        "risky change by agent copilot-coding-agent (medium confidence) blocks until a human approves",
    )
    assert action_for(Subject(f), Config(), Stage.CI, WEAK) == (
        Action.WARN,
        "risky change by weak agent signal (low confidence), treated as a person warns",
    )
    strict = Config(agent_confidence=Confidence.LOW)
    assert action_for(Subject(f), strict, Stage.CI, WEAK)[0] is Action.BLOCK
    assert action_for(Subject(f), Config(agent_confidence=Confidence.HIGH), Stage.CI, COPILOT_MEDIUM)[0] is Action.WARN


def test_low_confidence_finding_by_agent_warns_and_info_is_allowed_for_people() -> None:
    weak = finding("risk.auth-allow-any", Severity.MEDIUM, Confidence.LOW)
    assert action_for(Subject(weak), Config(), Stage.CI, CLAUDE) == (
        Action.WARN,
        "medium-severity, low-confidence risk by agent claude-code (high confidence) warns",
    )
    info = finding("risk.area-note", Severity.INFO)
    assert action_for(Subject(info), Config(), Stage.CI, PERSON) == (Action.ALLOW, "informational risk is allowed")
    assert action_for(Subject(info), Config(), Stage.CI, CLAUDE)[0] is Action.WARN


def test_secret_below_block_confidence_warns_for_agents_too() -> None:
    f = finding("secret.generic-api-key", Severity.HIGH, Confidence.MEDIUM)
    assert action_for(Subject(f), Config(), Stage.CI, CLAUDE) == (
        Action.WARN,
        "secret with medium confidence (below high) warns",
    )


def test_agent_pragma_does_not_silence_its_own_risk_finding() -> None:
    f = finding("risk.exec-shell-python")
    assert action_for(Subject(f, pragma=True), Config(), Stage.CI, PERSON) == (Action.OFF, "inline 'guard: allow' on line 3")
    assert action_for(Subject(f, pragma=True), Config(), Stage.CI, None) == (Action.OFF, "inline 'guard: allow' on line 3")
    assert action_for(Subject(f, pragma=True), Config(), Stage.CI, CLAUDE) == (
        Action.BLOCK,
        AGENT_BLOCK + "; inline 'guard: allow' on line 3 ignored: added by an agent commit",
    )
    secret = finding("secret.github-pat", Severity.CRITICAL)
    assert action_for(Subject(secret, pragma=True), Config(), Stage.CI, CLAUDE) == (Action.OFF, "inline 'guard: allow' on line 3")


def test_baseline_wins_for_agents_too() -> None:
    f = finding("risk.ci-workflow-changed")
    assert action_for(Subject(f, in_baseline=True), Config(), Stage.CI, CLAUDE) == (Action.OFF, "known finding in the baseline")


def test_per_actor_config_beats_global_actions_and_defaults(tmp_path: Path) -> None:
    cfg = parse(
        {
            "actions": {"risk.*": "warn"},
            "policy": {"agent": {"risk.lint-*": "block", "risk.area-*": "warn"}, "human": {"risk.ci-*": "block"}},
        },
        ".guard.toml",
        tmp_path,
    )
    lint = finding("risk.lint-suppression-python", Severity.LOW)
    area = finding("risk.area-sensitive-path")
    ci = finding("risk.ci-workflow-changed")
    assert action_for(Subject(lint), cfg, Stage.CI, CLAUDE) == (
        Action.BLOCK,
        "config policy.agent 'risk.lint-*' = block (agent claude-code (high confidence))",
    )
    assert action_for(Subject(area), cfg, Stage.CI, CLAUDE) == (
        Action.WARN,
        "config policy.agent 'risk.area-*' = warn (agent claude-code (high confidence))",
    )
    assert action_for(Subject(ci), cfg, Stage.CI, PERSON) == (Action.BLOCK, "config policy.human 'risk.ci-*' = block (a person)")
    assert action_for(Subject(ci), cfg, Stage.CI, CLAUDE) == (Action.WARN, "config actions 'risk.*' = warn")


def test_policy_config_keys_and_errors(tmp_path: Path) -> None:
    cfg = parse(
        {"agents": {"accounts": ["ci-agent"]}, "policy": {"approvers": ["alice"], "agent-confidence": "high", "x": 1}},
        ".guard.toml",
        tmp_path,
    )
    assert (cfg.agent_accounts, cfg.approvers, cfg.agent_confidence) == (
        frozenset({"ci-agent"}),
        frozenset({"alice"}),
        Confidence.HIGH,
    )
    assert cfg.warnings == (".guard.toml: policy.x: unknown key (ignored)",)
    bad = [
        (
            {"policy": {"agent": {"risk.*": "deny"}}},
            ".guard.toml: policy.agent.'risk.*': expected one of off|allow|warn|block, got 'deny'",
        ),
        ({"policy": {"human": "warn"}}, ".guard.toml: policy.human: expected a table of rule-id glob = action"),
        (
            {"policy": {"agent-confidence": "sure"}},
            ".guard.toml: policy.agent-confidence: expected one of low|medium|high, got 'sure'",
        ),
        ({"agents": {"accounts": "bot"}}, None),
        ({"agents": ["x"]}, ".guard.toml: agents: expected a table"),
        ({"policy": {"approvers": [1]}}, ".guard.toml: policy.approvers: expected a list of strings"),
    ]
    for table, message in bad:
        if message is None:
            assert parse(table, ".guard.toml", tmp_path).agent_accounts == frozenset({"bot"})
            continue
        with pytest.raises(ConfigError) as e:
            parse(table, ".guard.toml", tmp_path)
        assert str(e.value) == message


# --- approvals ---------------------------------------------------------------

APPROVERS = Config(approvers=frozenset({"alice"}), agent_accounts=frozenset({"ci-agent"}))


def test_approval_for_checks_the_pusher() -> None:
    assert approval_for("alice", ("reviewed",), APPROVERS) == (Approval("alice", "reviewed"), None)
    assert approval_for("ALICE", ("a", "b"), APPROVERS) == (Approval("ALICE", "a; b"), None)
    assert approval_for("alice", (), APPROVERS) == (None, None)
    assert approval_for("bob", ("lgtm",), APPROVERS) == (
        None,
        "approval refused: bob is not a configured approver ([policy] approvers)",
    )
    both = Config(approvers=frozenset({"ci-agent"}), agent_accounts=frozenset({"ci-agent"}))
    assert approval_for("ci-agent", ("self",), both) == (None, "approval refused: ci-agent is an agent account")
    assert approval_for(None, ("x",), APPROVERS) == (None, "approval ignored: the pusher's identity is unknown")


def test_approval_allows_agent_risk_only_at_pre_receive() -> None:
    message = "x\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"
    commit = Commit(SHA, "Ada", "ada@example.com", "Ada", "ada@example.com", message)
    risk = finding("risk.ci-permissions-write-all", Severity.HIGH)
    secret = finding("secret.github-pat", Severity.CRITICAL)
    force = finding("risk.blast-protected-force-push", Severity.CRITICAL)
    subjects = [Subject(risk), Subject(secret), Subject(force)]
    approval = Approval("alice", "reviewed")
    v = decide(subjects, Config(), stage=Stage.PRE_RECEIVE, commits=[commit], actors={SHA: CLAUDE}, approval=approval)
    assert [(d.finding.rule_id, d.action, d.reason) for d in v.decisions] == [
        ("risk.ci-permissions-write-all", Action.ALLOW, f"approved by alice: 'reviewed' (was: {AGENT_BLOCK})"),
        ("secret.github-pat", Action.BLOCK, "secret with high confidence blocks"),
        ("risk.blast-protected-force-push", Action.BLOCK, "critical risk blocks for anyone"),
    ]
    assert v.notices == ("approval by alice ('reviewed') allowed 1 agent finding(s)",)
    assert v.commits[0].actor == CLAUDE
    ci = decide([Subject(risk)], Config(), stage=Stage.CI, commits=[commit], actors={SHA: CLAUDE}, approval=approval)
    assert [(d.action, d.reason) for d in ci.decisions] == [(Action.BLOCK, AGENT_BLOCK)]
    assert ci.notices == ("approval by alice ignored: only the pre-receive hook can verify who approves",)


def test_approval_does_not_touch_human_warnings() -> None:
    risk = finding("risk.ci-workflow-changed")
    v = decide([Subject(risk)], Config(), stage=Stage.PRE_RECEIVE, actors={SHA: PERSON}, approval=Approval("alice", "ok"))
    assert [(d.action, d.reason) for d in v.decisions] == [(Action.WARN, "risky change by a person warns")]
    assert v.notices == ("approval by alice ('ok') allowed 0 agent finding(s)",)


def test_push_level_findings_use_the_push_actor() -> None:
    rule = "risk.blast-large-push"
    f = Finding(rule, Category.RISK, Severity.MEDIUM, Confidence.HIGH, "r", "(push)", None, None, None, None, "t", "x", "0" * 32)
    agent = Actor("agent", "ci-agent", Confidence.HIGH, ("pusher ci-agent is a listed agent account",))
    v = decide([Subject(f)], Config(), stage=Stage.PRE_RECEIVE, push_actor=agent)
    assert [(d.action, d.reason) for d in v.decisions] == [
        (Action.BLOCK, "risky change by agent ci-agent (high confidence) blocks until a human approves")
    ]
    assert decide([Subject(f)], Config(), stage=Stage.PRE_RECEIVE).decisions[0].reason == "risky change warns"
