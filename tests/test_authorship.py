"""Agent authorship: every catalog entry against the commit format it really produces."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pygit2
import pytest

from guard.agents.authorship import MAX_EVIDENCE
from guard.agents.authorship import NO_SIGNAL
from guard.agents.authorship import describe
from guard.agents.authorship import identify
from guard.agents.catalog import Catalog
from guard.agents.catalog import load_catalog
from guard.agents.catalog import parse_catalog
from guard.errors import RuleError
from guard.model import Actor
from guard.model import Commit
from guard.model import Confidence

CATALOG = load_catalog()
HIGH, MEDIUM, LOW = Confidence.HIGH, Confidence.MEDIUM, Confidence.LOW
ADA = ("Ada Dev", "ada@example.com")
GITHUB = ("GitHub", "noreply@github.com")


def mk(
    message: str,
    author: tuple[str, str] = ADA,
    committer: tuple[str, str] | None = None,
) -> Commit:
    c = committer or author
    return Commit("0" * 40, author[0], author[1], c[0], c[1], message, ("1" * 40,))


def noreply(gh_id: int, login: str) -> str:
    return f"{gh_id}+{login}@users.noreply.github.com"


@dataclass(frozen=True)
class Case:
    commit: Commit
    expect: tuple[str, str | None, Confidence]
    branch: str | None = None
    pusher: str | None = None
    note: str | None = None
    agent_accounts: frozenset[str] = field(default_factory=frozenset)


GIT_AI_NOTE = """src/retry.py
  a1b2c3d4e5f60718 1-24,30
---
{
  "schema_version": "authorship/3.0.0",
  "base_commit_sha": "7734793b756b3921c88db5375a8c156e9532447b",
  "prompts": {
    "a1b2c3d4e5f60718": {
      "agent_id": {"tool": "%s", "id": "6ef2299e-a67f-432b-aa80-3d2fb4d28999", "model": "%s"},
      "messages": [],
      "total_additions": 25, "total_deletions": 0, "accepted_lines": 25, "overriden_lines": 0
    }
  }
}
"""

# One real-format commit per catalog entry. test_every_agent_has_a_fixture
# fails when an agent is added to rules/agents.toml without one.
FIXTURES: dict[str, Case] = {
    "claude-github-app": Case(
        mk(
            "Fix flaky upload test\n\nCo-authored-by: Ada Dev <ada@example.com>\n",
            author=("claude[bot]", noreply(209825114, "claude[bot]")),
        ),
        ("agent", "claude-github-app", HIGH),
        branch="refs/heads/claude/fix-flaky-upload-test-9j2nc3",
    ),
    "claude-code": Case(
        mk(
            "Add retry to uploader\n\nRetries transient 5xx errors.\n\n"
            "🤖 Generated with [Claude Code](https://claude.com/claude-code)\n\n"
            "Co-Authored-By: Claude Sonnet 4.6 <noreply@anthropic.com>\n"
        ),
        ("agent", "claude-code", HIGH),
    ),
    "copilot-coding-agent": Case(
        mk(
            "Add input validation to signup form\n\nCo-authored-by: octocat <583231+octocat@users.noreply.github.com>\n",
            author=("Copilot", noreply(198982749, "Copilot")),
            committer=GITHUB,
        ),
        ("agent", "copilot-coding-agent", HIGH),
        branch="refs/heads/copilot/add-input-validation",
    ),
    "copilot-cli": Case(
        mk("Refactor config loading\n\nCo-authored-by: Copilot <223556219+Copilot@users.noreply.github.com>\n"),
        ("agent", "copilot-cli", HIGH),
    ),
    "copilot-autofix": Case(
        mk(
            "Potential fix for code scanning alert no. 2: Workflow does not contain permissions\n\n"
            "Co-authored-by: Copilot Autofix powered by AI <62310815+github-advanced-security[bot]@users.noreply.github.com>\n",
            committer=GITHUB,
        ),
        ("agent", "copilot-autofix", HIGH),
    ),
    "devin": Case(
        mk(
            "Add rate limiting middleware\n\nCo-Authored-By: Ada Dev <ada@example.com>\n",
            author=("Devin AI", noreply(158243242, "devin-ai-integration[bot]")),
        ),
        ("agent", "devin", HIGH),
        branch="devin/1718049123-add-rate-limiting",
    ),
    "aider": Case(
        mk("feat: Add exponential backoff to client\n\nCo-authored-by: aider (gpt-4o) <aider@aider.chat>\n"),
        ("agent", "aider", HIGH),
    ),
    "codex-cloud": Case(
        mk(
            "Add caching layer for profile lookups\n",
            author=("chatgpt-codex-connector[bot]", noreply(199175422, "chatgpt-codex-connector[bot]")),
        ),
        ("agent", "codex-cloud", HIGH),
        branch="refs/heads/codex/add-caching-layer",
    ),
    "codex-cli": Case(
        mk("Tidy CLI flags\n\nCo-authored-by: Codex <noreply@openai.com>\n"),
        ("agent", "codex-cli", HIGH),
    ),
    "cursor-background-agent": Case(
        mk(
            "Fix login redirect loop\n\nhttps://cursor.com/agents/bc-0b6f5a9e-2f57-4c6e-9d3e-1c1d2e3f4a5b\n",
            author=("Cursor Agent", "cursoragent@cursor.com"),
        ),
        ("agent", "cursor-background-agent", HIGH),
        branch="refs/heads/cursor/fix-login-redirect-3f2a",
    ),
    "cursor": Case(
        mk("Extract pricing helpers\n\nMade-with: Cursor\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n"),
        ("agent", "cursor", HIGH),
    ),
    "jules": Case(
        mk(
            "Add unit tests for parser\n\n"
            "Co-authored-by: google-labs-jules[bot] <161369871+google-labs-jules[bot]@users.noreply.github.com>\n"
        ),
        ("agent", "jules", HIGH),
    ),
    "amazon-q": Case(
        mk("Implement /health endpoint\n", author=("amazon-q-developer[bot]", noreply(208079219, "amazon-q-developer[bot]"))),
        ("agent", "amazon-q", HIGH),
    ),
    "openhands": Case(
        mk("Fix off-by-one in pager\n\nCo-authored-by: openhands <openhands@all-hands.dev>\n"),
        ("agent", "openhands", HIGH),
    ),
    "sweep": Case(
        mk("Sweep: add docstrings to utils (✓ Sandbox Passed)\n", author=("sweep-ai[bot]", noreply(128439645, "sweep-ai[bot]"))),
        ("agent", "sweep", HIGH),
        branch="sweep/add-docstrings-to-utils",
    ),
    "amp": Case(
        mk(
            "Handle empty config files\n\n"
            "Amp-Thread-ID: https://ampcode.com/threads/T-5c8e3c1a-7d2b-4f1e-9a6b-0c2d4e6f8a1b\n"
            "Co-authored-by: Amp <amp@ampcode.com>\n"
        ),
        ("agent", "amp", HIGH),
    ),
    "opencode": Case(
        mk(
            "Add dark mode toggle\n\n"
            "🤖 Generated with [opencode](https://opencode.ai)\n\n"
            "Co-Authored-By: opencode <noreply@opencode.ai>\n"
        ),
        ("agent", "opencode", HIGH),
    ),
    "replit": Case(
        mk(
            "Set up Flask app with database\n\n"
            "Replit-Commit-Author: Agent\n"
            "Replit-Commit-Session-Id: 3b4c5d6e-7f80-4912-a3b4-c5d6e7f80912\n"
        ),
        ("agent", "replit", HIGH),
    ),
    "cline": Case(
        mk("Add CSV export\n\n🤖 Generated with [Cline](https://docs.cline.bot)\n\nCo-Authored-By: Cline <noreply@cline.bot>\n"),
        ("agent", "cline", HIGH),
    ),
    "gemini": Case(
        mk(
            "Apply suggestion from code review\n\n"
            "Co-authored-by: gemini-code-assist[bot] <176961590+gemini-code-assist[bot]@users.noreply.github.com>\n"
        ),
        ("bot", "gemini", HIGH),
    ),
    "windsurf": Case(
        mk("Add pagination to orders API\n\nGenerated-By: Windsurf\n"),
        ("agent", "windsurf", HIGH),
    ),
    "entire-io": Case(
        mk(
            "Wire up metrics exporter\n\n"
            "Entire-Checkpoint: 7c1e9a2b4d6f\n"
            "Entire-Session: 2026-01-05-0f1e2d3c\n"
            "Entire-Agent: Claude Code\n"
        ),
        ("agent", "entire-io", HIGH),
    ),
    "continue": Case(
        mk("Fix lint errors\n", author=("continue[bot]", noreply(230936708, "continue[bot]"))),
        ("agent", "continue", HIGH),
    ),
    "sourcegraph-cody": Case(
        mk("Update README\n", author=("sourcegraph-cody[bot]", noreply(201248094, "sourcegraph-cody[bot]"))),
        ("agent", "sourcegraph-cody", HIGH),
    ),
    "jetbrains-ai": Case(
        mk("Fix NPE in loader\n", author=("jetbrains-ai[bot]", noreply(220155983, "jetbrains-ai[bot]"))),
        ("agent", "jetbrains-ai", HIGH),
    ),
    "coderabbit": Case(
        mk(
            "Apply suggestions from code review\n\n"
            "Co-authored-by: coderabbitai[bot] <136622811+coderabbitai[bot]@users.noreply.github.com>\n"
        ),
        ("bot", "coderabbit", HIGH),
    ),
    "qodo-merge": Case(
        mk("Update CHANGELOG.md\n", author=("codiumai-pr-agent-pro[bot]", noreply(151058649, "codiumai-pr-agent-pro[bot]"))),
        ("bot", "qodo-merge", HIGH),
    ),
    "dependabot": Case(
        mk(
            "Bump requests from 2.31.0 to 2.32.0\n\n"
            "Bumps [requests](https://github.com/psf/requests) from 2.31.0 to 2.32.0.\n\n"
            "---\nupdated-dependencies:\n- dependency-name: requests\n\n"
            "Signed-off-by: dependabot[bot] <support@github.com>\n",
            author=("dependabot[bot]", noreply(49699333, "dependabot[bot]")),
            committer=GITHUB,
        ),
        ("bot", "dependabot", HIGH),
    ),
    "renovate": Case(
        mk("chore(deps): update dependency ruff to v0.6.0\n", author=("renovate[bot]", noreply(29139614, "renovate[bot]"))),
        ("bot", "renovate", HIGH),
    ),
    "github-actions": Case(
        mk("Update generated docs\n", author=("github-actions[bot]", noreply(41898282, "github-actions[bot]"))),
        ("bot", "github-actions", HIGH),
    ),
    "generated-by": Case(
        mk("Add schema migration for orders\n\nGenerated-by: StarCoder2 15B\n"),
        ("agent", "generated-by", HIGH),
    ),
    "assisted-by": Case(
        mk(
            "mm: fix off-by-one in page walk\n\nThe loop bound was inclusive.\n\n"
            "Assisted-by: Qwen:qwen3-coder coccinelle sparse\n"
            "Signed-off-by: Ada Dev <ada@example.com>\n"
        ),
        ("agent", "assisted-by", MEDIUM),
    ),
    "git-ai": Case(
        mk("Add retry helper\n"),
        ("agent", "git-ai", MEDIUM),
        note=GIT_AI_NOTE % ("roo-code", "claude-4.5-sonnet"),
    ),
}


def run(case: Case, catalog: Catalog = CATALOG) -> Actor:
    return identify(
        case.commit,
        catalog,
        branch=case.branch,
        pusher=case.pusher,
        agent_accounts=case.agent_accounts,
        note=case.note,
    )


def summary(actor: Actor) -> tuple[str, str | None, Confidence]:
    return (actor.kind, actor.name, actor.confidence)


# ------------------------------------------------------------------ catalog


def test_catalog_is_big_enough_and_ids_are_unique() -> None:
    assert len(CATALOG.agents) >= 15
    assert len(set(CATALOG.ids)) == len(CATALOG.ids)


@pytest.mark.parametrize("agent_id", CATALOG.ids)
def test_every_agent_has_a_fixture(agent_id: str) -> None:
    assert agent_id in FIXTURES, f"add a real-format commit for {agent_id} to FIXTURES"


def test_no_fixture_for_an_unknown_agent() -> None:
    assert set(FIXTURES) <= set(CATALOG.ids)


@pytest.mark.parametrize("agent_id", sorted(FIXTURES))
def test_agent_fixture(agent_id: str) -> None:
    actor = run(FIXTURES[agent_id])
    assert summary(actor) == FIXTURES[agent_id].expect
    assert actor.evidence
    assert all(len(e) <= MAX_EVIDENCE for e in actor.evidence)


# ------------------------------------------------------------ more formats


OTHER_FORMATS: dict[str, Case] = {
    "claude-session-trailer": Case(
        mk("Wire telemetry\n\nClaude-Session: https://claude.ai/code/session_01AbCdEfGhIjKlMnOpQrStUv\n"),
        ("agent", "claude-code", HIGH),
    ),
    "claude-old-url": Case(
        mk("Fix typo\n\n🤖 Generated with [Claude Code](https://claude.ai/code)\n"),
        ("agent", "claude-code", HIGH),
    ),
    "claude-web-session-author": Case(
        mk("Add docs\n", author=("Claude", "noreply@anthropic.com")),
        ("agent", "claude-github-app", HIGH),
    ),
    "kernel-assisted-by-claude": Case(
        mk("mm: fix leak\n\nAssisted-by: Claude:claude-3-opus coccinelle sparse\nSigned-off-by: Ada Dev <ada@example.com>\n"),
        ("agent", "claude-code", MEDIUM),
    ),
    "openstack-generated-by-claude": Case(
        mk("Add parser\n\nGenerated-By: Claude Code (claude-opus-4)\n"),
        ("agent", "claude-code", HIGH),
    ),
    "copilot-initial-plan": Case(
        mk("Initial plan\n", author=("Copilot", noreply(198982749, "Copilot")), committer=GITHUB),
        ("agent", "copilot-coding-agent", HIGH),
    ),
    "copilot-squash-merge-coauthor": Case(
        mk("Add validation (#12)\n\nCo-authored-by: copilot-swe-agent[bot] <198982749+Copilot@users.noreply.github.com>\n"),
        ("agent", "copilot-coding-agent", HIGH),
    ),
    "copilot-suggestion-coauthor": Case(
        mk("Fix\n\nCo-authored-by: Copilot <175728472+Copilot@users.noreply.github.com>\n"),
        ("agent", "copilot-autofix", HIGH),
    ),
    "devin-bare-noreply": Case(
        mk("Add auth\n", author=("Devin AI", "devin-ai-integration[bot]@users.noreply.github.com")),
        ("agent", "devin", HIGH),
    ),
    "aider-old-name-suffix": Case(
        mk("Add retries\n", author=("Ada Dev (aider)", "ada@example.com")),
        ("agent", "aider", MEDIUM),
    ),
    "aider-subject-prefix": Case(mk("aider: Add retries\n"), ("agent", "aider", MEDIUM)),
    "codex-placeholder-identity": Case(
        mk("Add feature\n", author=("Codex Test", "codex@example.com")),
        ("agent", "codex-cli", MEDIUM),
    ),
    "codex-branch-only": Case(mk("Add caching\n"), ("agent", "codex-cloud", MEDIUM), branch="refs/heads/codex/add-caching"),
    "jules-as-author": Case(
        mk("Add feature\n", author=("google-labs-jules[bot]", noreply(161369871, "google-labs-jules[bot]"))),
        ("agent", "jules", HIGH),
    ),
    "gemini-hand-written-coauthor": Case(
        mk("Tweak\n\nCo-authored-by: Gemini <gemini@google.com>\n"),
        ("agent", "gemini", LOW),
    ),
    "git-ai-note-cursor": Case(mk("Tweak\n"), ("agent", "cursor", MEDIUM), note=GIT_AI_NOTE % ("cursor", "claude-4.5-opus")),
    "git-ai-note-claude": Case(
        mk("Tweak\n"), ("agent", "claude-code", MEDIUM), note=GIT_AI_NOTE % ("claude", "claude-sonnet-4-5")
    ),
}


@pytest.mark.parametrize("name", sorted(OTHER_FORMATS))
def test_other_real_formats(name: str) -> None:
    case = OTHER_FORMATS[name]
    assert summary(run(case)) == case.expect


def test_evidence_uses_the_documented_short_form() -> None:
    actor = run(FIXTURES["claude-code"])
    assert actor.evidence == (
        "trailer co-authored-by: Claude Sonnet 4.6 <noreply@anthropic.com>",
        "message: 🤖 Generated with [Claude Code](https://claude.com/claude-code)",
    )


def test_evidence_lists_every_signal_strongest_first() -> None:
    actor = run(FIXTURES["copilot-coding-agent"])
    assert actor.evidence == (
        "author Copilot <198982749+Copilot@users.noreply.github.com>",
        "branch copilot/add-input-validation",
    )


def test_evidence_is_clipped_and_made_printable() -> None:
    long = "x" * 300
    actor = identify(mk(f"Fix\n\nGenerated-by: \x1b[31mtool\x1b[0m {long}\n"), CATALOG)
    assert summary(actor) == ("agent", "generated-by", HIGH)
    (text,) = actor.evidence
    assert len(text) == MAX_EVIDENCE
    assert text.endswith("...")
    assert "\x1b" not in text
    assert text.startswith("trailer generated-by: ?[31mtool?[0m x")


def test_describe() -> None:
    assert describe(run(FIXTURES["claude-code"]), CATALOG) == "agent Claude Code (high)"
    assert describe(NO_SIGNAL, CATALOG) == "human (low)"


# --------------------------------------------------------------- negatives


def test_claude_monet_is_not_claude() -> None:
    monet = ("Claude Monet", "claude.monet@giverny.example")
    actor = identify(mk("Water lilies, study no. 7\n", author=monet), CATALOG)
    assert actor == Actor("human", None, LOW, ("no agent signal",))


def test_claude_monet_as_co_author_is_not_claude() -> None:
    msg = "Paint the garden\n\nCo-authored-by: Claude Monet <claude.monet@giverny.example>\n"
    assert summary(identify(mk(msg), CATALOG)) == ("human", None, LOW)


@pytest.mark.parametrize("name", ["Devin Smith", "Cursor Johnson", "Codex Jones", "Amp Lee"])
def test_human_names_that_look_like_agents(name: str) -> None:
    assert summary(identify(mk("Fix\n", author=(name, "someone@example.com")), CATALOG)) == ("human", None, LOW)


def test_name_only_claude_co_author_is_low() -> None:
    msg = "Fix\n\nCo-authored-by: Claude <claude@my-laptop.example>\n"
    actor = identify(mk(msg), CATALOG)
    assert summary(actor) == ("agent", "claude-code", LOW)
    assert actor.evidence == ("trailer co-authored-by: Claude <claude@my-laptop.example> (name only)",)


def test_human_commit_with_human_co_author() -> None:
    msg = (
        "Pair on billing\n\n"
        "Co-authored-by: Grace Ops <4211017+grace-ops@users.noreply.github.com>\n"
        "Signed-off-by: Ada Dev <ada@example.com>\n"
    )
    assert identify(mk(msg), CATALOG) == NO_SIGNAL


def test_fake_copilot_noreply_id_does_not_match() -> None:
    fake = ("Copilot", "999+Copilot@users.noreply.github.com")
    actor = identify(mk("Add feature\n", author=fake), CATALOG)
    # Only the name "Copilot" is left, which anyone can type.
    assert summary(actor) == ("agent", "copilot-coding-agent", LOW)
    assert actor.evidence == ("author Copilot <999+Copilot@users.noreply.github.com> (name only)",)


def test_fake_login_with_another_id_does_not_match() -> None:
    fake = ("claude[bot]", "12345+claude[bot]@users.noreply.github.com")
    assert identify(mk("Add feature\n", author=fake), CATALOG) == NO_SIGNAL


def test_renamed_login_still_matches_by_numeric_id() -> None:
    renamed = ("Copilot", "198982749+copilot-renamed-login@users.noreply.github.com")
    assert summary(identify(mk("Add feature\n", author=renamed), CATALOG)) == ("agent", "copilot-coding-agent", HIGH)


def test_trailer_outside_last_paragraph_is_no_signal() -> None:
    msg = "Fix\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\nThis was reverted by hand afterwards.\n"
    assert identify(mk(msg), CATALOG) == NO_SIGNAL


def test_co_author_address_only_counts_in_a_trailer_for_the_cli() -> None:
    # cursoragent@cursor.com as the *author* is the background agent, as a co-author it is the IDE.
    as_author = identify(mk("Fix\n", author=("Cursor Agent", "cursoragent@cursor.com")), CATALOG)
    as_trailer = identify(mk("Fix\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n"), CATALOG)
    assert as_author.name == "cursor-background-agent"
    assert as_trailer.name == "cursor"


def test_note_without_a_tool_is_no_signal() -> None:
    assert identify(mk("Fix\n"), CATALOG, note="src/a.py\n  0123456789abcdef 1-3\n---\n{not json") == NO_SIGNAL
    assert identify(mk("Fix\n"), CATALOG, note="") == NO_SIGNAL


def test_truncated_note_still_names_its_tool() -> None:
    note = (GIT_AI_NOTE % ("opencode", "gpt-5"))[:420]
    actor = identify(mk("Fix\n"), CATALOG, note=note)
    assert summary(actor) == ("agent", "opencode", MEDIUM)
    assert actor.evidence == ("git-ai note: tool opencode",)


def test_note_evidence_names_tool_and_model() -> None:
    actor = identify(mk("Fix\n"), CATALOG, note=GIT_AI_NOTE % ("cursor", "claude-4.5-opus"))
    assert actor.evidence == ("git-ai note: tool cursor, model claude-4.5-opus",)


# ----------------------------------------------------------- server side


def test_pusher_in_agent_accounts_is_high() -> None:
    actor = identify(mk("Fix\n"), CATALOG, pusher="Build-Agent", agent_accounts=frozenset({"build-agent"}))
    assert actor == Actor("agent", "Build-Agent", HIGH, ("pusher Build-Agent is a listed agent account",))


def test_pusher_account_plus_commit_signals_names_the_agent() -> None:
    actor = identify(
        mk("Fix\n", author=("Ada Dev", "ada@example.com")),
        CATALOG,
        branch="refs/heads/claude/fix-9j2nc3",
        pusher="ada-agent",
        agent_accounts=frozenset({"ada-agent"}),
    )
    assert summary(actor) == ("agent", "claude-github-app", HIGH)
    assert actor.evidence == ("pusher ada-agent is a listed agent account", "branch claude/fix-9j2nc3")


def test_pusher_not_in_agent_accounts_is_ignored() -> None:
    assert identify(mk("Fix\n"), CATALOG, pusher="ada", agent_accounts=frozenset({"robot"})) == NO_SIGNAL


def test_known_bot_login_as_pusher() -> None:
    actor = identify(mk("Add validation\n"), CATALOG, pusher="copilot-swe-agent[bot]")
    assert summary(actor) == ("agent", "copilot-coding-agent", HIGH)
    assert actor.evidence == ("pusher copilot-swe-agent[bot]",)


def test_branch_alone_is_medium() -> None:
    actor = identify(mk("Fix\n"), CATALOG, branch="refs/heads/claude/repo-attribution-config-9j2nc3")
    assert summary(actor) == ("agent", "claude-github-app", MEDIUM)


def test_highest_confidence_wins_over_earlier_weaker_signals() -> None:
    # A name-only Copilot author (low) loses to an explicit Cursor co-author (high).
    msg = "Fix\n\nCo-authored-by: Cursor Agent <cursoragent@cursor.com>\n"
    actor = identify(mk(msg, author=("Copilot", "copilot@home.example")), CATALOG)
    assert summary(actor) == ("agent", "cursor", HIGH)
    assert actor.evidence[-1] == "author Copilot <copilot@home.example> (name only)"


# ------------------------------------------------------ real git repositories


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo.parent), **(env or {})}
    proc = subprocess.run(["git", *args], cwd=repo, env=full_env, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def _new_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    return repo


def _read_commit(repo: Path, sha: str) -> Commit:
    r = pygit2.Repository(str(repo))
    c = r[sha]
    assert isinstance(c, pygit2.Commit)
    return Commit(
        str(c.id),
        c.author.raw_name.decode("utf-8", "replace"),
        c.author.raw_email.decode("utf-8", "replace"),
        c.committer.raw_name.decode("utf-8", "replace"),
        c.committer.raw_email.decode("utf-8", "replace"),
        c.raw_message.decode("utf-8", "replace"),
        tuple(str(p) for p in c.parent_ids),
    )


def test_real_repo_claude_code_commit(tmp_path: Path) -> None:
    repo = _new_repo(tmp_path)
    (repo / "retry.py").write_text("def retry():\n    pass\n")
    _git(repo, "add", "retry.py")
    _git(
        repo,
        "-c", "user.name=Ada Dev", "-c", "user.email=ada@example.com",
        "commit", "-q",
        "-m", "Add retry helper",
        "-m", "🤖 Generated with [Claude Code](https://claude.com/claude-code)",
        "-m", "Co-Authored-By: Claude Opus 4.5 <noreply@anthropic.com>\nCo-authored-by: Grace Ops <grace@example.com>",
    )  # fmt: skip
    commit = _read_commit(repo, _git(repo, "rev-parse", "HEAD"))
    assert commit.author == "Ada Dev <ada@example.com>"
    actor = identify(commit, CATALOG)
    assert summary(actor) == ("agent", "claude-code", HIGH)
    assert "trailer co-authored-by: Claude Opus 4.5 <noreply@anthropic.com>" in actor.evidence


def test_real_repo_copilot_agent_identity_and_git_ai_note(tmp_path: Path) -> None:
    repo = _new_repo(tmp_path)
    env = {
        "GIT_AUTHOR_NAME": "Copilot",
        "GIT_AUTHOR_EMAIL": "198982749+Copilot@users.noreply.github.com",
        "GIT_COMMITTER_NAME": "GitHub",
        "GIT_COMMITTER_EMAIL": "noreply@github.com",
    }
    _git(repo, "commit", "-q", "--allow-empty", "-m", "Initial plan", env=env)
    sha = _git(repo, "rev-parse", "HEAD")
    _git(repo, "-c", "user.name=Ada Dev", "-c", "user.email=ada@example.com",
         "notes", "--ref=ai", "add", "-m", GIT_AI_NOTE % ("github-copilot", "gpt-5"), sha)  # fmt: skip
    r = pygit2.Repository(str(repo))
    note = r.lookup_note(sha, "refs/notes/ai").message
    commit = _read_commit(repo, sha)
    assert (commit.committer_name, commit.committer_email) == GITHUB
    actor = identify(commit, CATALOG, branch="refs/heads/copilot/add-retry", note=note)
    assert summary(actor) == ("agent", "copilot-coding-agent", HIGH)
    assert actor.evidence[0] == "author Copilot <198982749+Copilot@users.noreply.github.com>"
    assert "git-ai note: tool github-copilot, model gpt-5" in actor.evidence


def test_real_repo_cursor_trailers_via_git_trailer_option(tmp_path: Path) -> None:
    repo = _new_repo(tmp_path)
    _git(
        repo,
        "-c", "user.name=Ada Dev", "-c", "user.email=ada@example.com",
        "commit", "-q", "--allow-empty", "-m", "Extract pricing helpers",
        "--trailer", "Made-with: Cursor",
        "--trailer", "Co-authored-by: Cursor Agent <cursoragent@cursor.com>",
    )  # fmt: skip
    actor = identify(_read_commit(repo, _git(repo, "rev-parse", "HEAD")), CATALOG)
    assert summary(actor) == ("agent", "cursor", HIGH)
    assert actor.evidence == (
        "trailer co-authored-by: Cursor Agent <cursoragent@cursor.com>",
        "trailer made-with: Cursor",
    )


def test_real_repo_human_commit_with_human_co_author(tmp_path: Path) -> None:
    repo = _new_repo(tmp_path)
    _git(
        repo,
        "-c", "user.name=Claude Monet", "-c", "user.email=claude.monet@giverny.example",
        "commit", "-q", "--allow-empty", "-m", "Pair on the water lilies",
        "--trailer", "Co-authored-by: Grace Ops <grace@example.com>",
    )  # fmt: skip
    commit = _read_commit(repo, _git(repo, "rev-parse", "HEAD"))
    assert identify(commit, CATALOG) == NO_SIGNAL


# ------------------------------------------------------------ bad catalogs

GOOD_AGENT = """
[[agents]]
id = "claude-code"
name = "Claude Code"

[[agents.signals]]
type = "email"
pattern = '^noreply@anthropic\\.com$'
confidence = "high"
"""


def _load_bad(tmp_path: Path, text: str) -> str:
    path = tmp_path / "agents.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RuleError) as info:
        load_catalog(path)
    return str(info.value)


def test_small_catalog_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "agents.toml"
    path.write_text(GOOD_AGENT, encoding="utf-8")
    catalog = load_catalog(path)
    assert catalog.ids == ("claude-code",)
    assert catalog.identity_trailers == frozenset({"co-authored-by"})
    msg = "Fix\n\nCo-authored-by: Claude <noreply@anthropic.com>\n"
    assert summary(identify(mk(msg), catalog)) == ("agent", "claude-code", HIGH)


def test_bad_confidence_error_text(tmp_path: Path) -> None:
    text = GOOD_AGENT.replace('confidence = "high"', 'confidence = "certain"')
    path = tmp_path / "agents.toml"
    assert _load_bad(tmp_path, text) == (
        f"{path}: rule claude-code: signals[0].confidence: must be one of high, medium, low, not 'certain'"
    )


def test_unknown_key_error_text(tmp_path: Path) -> None:
    text = GOOD_AGENT.replace("pattern =", "regex =")
    path = tmp_path / "agents.toml"
    assert _load_bad(tmp_path, text) == (
        f"{path}: rule claude-code: signals[0].regex: unknown key (allowed: type, confidence, kind, pattern, roles)"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            GOOD_AGENT.replace('name = "Claude Code"', 'name = "Claude Code"\ncolour = "red"'),
            "rule claude-code: colour: unknown key",
            id="unknown-agent-key",
        ),
        pytest.param("version = 2\n" + GOOD_AGENT, "rule *: version: unknown key", id="unknown-top-key"),
        pytest.param(
            GOOD_AGENT.replace("'^noreply", "'(^noreply"), "rule claude-code: signals[0].pattern: bad regex", id="bad-regex"
        ),
        pytest.param(GOOD_AGENT + GOOD_AGENT, "rule claude-code: id: duplicate agent id", id="duplicate-id"),
        pytest.param(
            GOOD_AGENT.replace('"email"', '"smell"'), "rule claude-code: signals[0].type: must be one of", id="bad-type"
        ),
        pytest.param(
            GOOD_AGENT.replace('id = "claude-code"', 'id = "Claude Code"'), "rule agents[0]: id: must be lowercase", id="bad-id"
        ),
        pytest.param(
            GOOD_AGENT.replace('type = "email"', 'type = "name"'),
            "rule claude-code: signals[0].confidence: a name alone is never high confidence",
            id="name-high",
        ),
        pytest.param(
            GOOD_AGENT.replace("pattern = '^noreply@anthropic\\.com$'", "roles = ['reviewer']\npattern = 'x'"),
            "rule claude-code: signals[0].roles: must be a non-empty list of author, committer, trailer",
            id="bad-role",
        ),
        pytest.param(
            GOOD_AGENT.replace('type = "email"', 'type = "github_id"').replace(
                "pattern = '^noreply@anthropic\\.com$'", "id = '12'"
            ),
            "rule claude-code: signals[0].id: must be a positive integer",
            id="github-id-not-int",
        ),
        pytest.param(
            GOOD_AGENT.replace('type = "email"', 'type = "trailer"'),
            "rule claude-code: signals[0].key: required for a trailer signal",
            id="trailer-without-key",
        ),
        pytest.param("[[agents]\n", "rule *: toml: ", id="toml-syntax"),
        pytest.param("", "rule *: agents: must be a non-empty array of tables", id="empty"),
    ],
)
def test_malformed_catalog(tmp_path: Path, text: str, expected: str) -> None:
    message = _load_bad(tmp_path, text)
    assert message.startswith(f"{tmp_path / 'agents.toml'}: {expected}")


def test_parse_catalog_names_its_source() -> None:
    with pytest.raises(RuleError, match=r"^inline: rule \*: agents: "):
        parse_catalog("agents = 3\n", "inline")


# ------------------------------------------------------------ signal planning


def test_union_finds_a_match_exactly_where_one_of_its_patterns_does() -> None:
    import re

    from guard.agents.authorship import union

    parts = [re.compile(p, re.I | re.M) for p in (r"\AInitial plan\s*\Z", r"Generated with \[Tool\]", r"^aider: ")]
    joined = union(parts)
    assert joined is not None
    assert joined.pattern == r"(?:\AInitial plan\s*\Z)|(?:Generated with \[Tool\])|(?:^aider: )"
    texts = ["Initial plan\n", "fix\n\naider: done", "GENERATED WITH [tool]", "plan: Initial plan", "aider:x", ""]
    assert [joined.search(t) is not None for t in texts] == [any(p.search(t) for p in parts) for t in texts]
    assert [joined.search(t) is not None for t in texts] == [True, True, True, False, False, False]


def test_union_declines_patterns_it_cannot_join_safely() -> None:
    import re

    from guard.agents.authorship import union

    assert union([]) is None
    assert union([re.compile(r"(a)\1"), re.compile("b")]) is None  # group numbers would shift
    assert union([re.compile(r"(?P<x>a)(?P=x)")]) is None
    assert union([re.compile("a", re.I), re.compile("b")]) is None  # flags differ
    assert union([re.compile("(?s)a"), re.compile("b")]) is None  # a global flag must start the pattern


MARKER_CATALOG = """
[[agents]]
id = "echo"
name = "Echo"

[[agents.signals]]
type = "marker"
pattern = '(echo)-\\1'
confidence = "high"

[[agents.signals]]
type = "marker"
pattern = 'made by echo'
confidence = "medium"

[[agents.signals]]
type = "branch"
pattern = '^echo/'
confidence = "medium"

[[agents.signals]]
type = "login"
pattern = '^echo-bot$'
confidence = "high"
"""


def test_markers_without_a_union_and_memoised_branch_and_login_signals_match_as_before() -> None:
    catalog = parse_catalog(MARKER_CATALOG, "inline")
    got = identify(mk("fix\n\necho-echo"), catalog)
    assert got == Actor("agent", "echo", HIGH, ("message: echo-echo",))
    assert identify(mk("Made by Echo"), catalog) == Actor("agent", "echo", MEDIUM, ("message: Made by Echo",))
    assert identify(mk("echo-ECHO but not repeated"), catalog) == Actor(
        "agent", "echo", HIGH, ("message: echo-ECHO but not repeated",)
    )
    assert identify(mk("nothing here"), catalog) == NO_SIGNAL
    for _ in range(2):  # the second answer comes from the per-value memo
        assert identify(mk("x"), catalog, branch="refs/heads/echo/fix", pusher="echo-bot") == Actor(
            "agent", "echo", HIGH, ("pusher echo-bot", "branch echo/fix")
        )
        assert identify(mk("x"), catalog, branch="refs/heads/main", pusher="ada") == NO_SIGNAL
