"""Server pieces one at a time: ref lines, push options, identity, budgets, config, audit log, messages."""

from __future__ import annotations

import io
import json
import subprocess
import threading
from pathlib import Path

import pytest
from conftest import Repo

from guard.errors import ConfigError
from guard.errors import GuardError
from guard.model import Change
from guard.model import Status
from guard.server import config as server_config
from guard.server import identity
from guard.server import messages
from guard.server import push
from guard.server import refs
from guard.server.budget import Budget
from guard.server.budget import DeadlineExceeded
from guard.server.budget import FailMode
from guard.server.budget import Limits
from guard.server.log import log_event
from guard.server.log import read_events
from guard.server.options import parse_options
from guard.sources.gitdiff import open_repo

A = "a" * 40
B = "b" * 40
Z = "0" * 40


# --- ref lines -------------------------------------------------------------


def test_parse_lines_reads_every_line() -> None:
    text = f"{Z} {A} refs/heads/new\n{A} {B} refs/heads/main\n\n{B} {Z} refs/tags/v1\n"
    assert refs.parse_lines(text) == (
        refs.RefLine(Z, A, "refs/heads/new"),
        refs.RefLine(A, B, "refs/heads/main"),
        refs.RefLine(B, Z, "refs/tags/v1"),
    )


def test_parse_lines_accepts_sha256_ids() -> None:
    assert refs.parse_lines(f"{'0' * 64} {'c' * 64} refs/heads/x\n") == (refs.RefLine("0" * 64, "c" * 64, "refs/heads/x"),)


@pytest.mark.parametrize(
    "line", [f"{A} {B}", f"{A} nothex refs/heads/x", f"{A} {'c' * 64} refs/heads/x", f"{A} {B} refs/x extra"]
)
def test_parse_lines_rejects_malformed_input(line: str) -> None:
    with pytest.raises(GuardError, match="pre-receive input line 1"):
        refs.parse_lines(line + "\n")


@pytest.mark.parametrize(
    ("ref", "family"),
    [
        ("refs/heads/main", refs.RefFamily.BRANCH),
        ("refs/tags/v1", refs.RefFamily.TAG),
        ("refs/notes/ai", refs.RefFamily.NOTES),
        ("refs/pull/1/head", refs.RefFamily.OTHER),
    ],
)
def test_family(ref: str, family: refs.RefFamily) -> None:
    assert refs.family(ref) is family


def test_classify_create_update_force_delete_and_tags(repo: Repo) -> None:
    repo.write("a", "1")
    first = repo.commit("a")
    repo.write("a", "2")
    second = repo.commit("b")
    repo.git("tag", "-a", "v1", "-m", "v1", first)
    tag_obj = repo.git("rev-parse", "v1")
    tree = repo.git("rev-parse", "HEAD^{tree}")
    repo.git("tag", "-a", "treetag", "-m", "t", tree)
    treetag = repo.git("rev-parse", "treetag")
    r = open_repo(repo.path)

    def kind(old: str, new: str, ref: str = "refs/heads/main") -> refs.RefUpdate:
        return refs.classify(r, refs.RefLine(old, new, ref))

    assert kind(Z, first).kind is refs.RefKind.CREATE
    assert kind(first, second).kind is refs.RefKind.UPDATE
    forced = kind(second, first)
    assert (forced.kind, forced.tip, forced.old_tip) == (refs.RefKind.FORCE, first, second)
    deleted = kind(second, Z)
    assert (deleted.kind, deleted.tip, deleted.old_tip) == (refs.RefKind.DELETE, None, second)
    tag = kind(Z, tag_obj, "refs/tags/v1")
    assert (tag.kind, tag.family, tag.tip, tag.annotated, tag.note) == (
        refs.RefKind.CREATE,
        refs.RefFamily.TAG,
        first,
        True,
        None,
    )
    to_tree = kind(Z, treetag, "refs/tags/treetag")
    assert (to_tree.tip, to_tree.note) == (None, "points to a tree, not a commit")
    assert tag.short == "v1"


# --- push plan --------------------------------------------------------------


def test_hidden_refs_follow_git_rules() -> None:
    assert push.is_hidden("refs/pull/1/head", ["refs/pull"])
    assert not push.is_hidden("refs/pullx", ["refs/pull"])
    assert not push.is_hidden("refs/pull/1/head", ["refs/pull", "!refs/pull/1"])
    assert push.is_hidden("refs/heads/x", ["^refs/heads/"])


def test_plan_hides_every_existing_ref_but_not_hidden_ones(repo: Repo) -> None:
    repo.write("a", "1")
    a = repo.commit("a")
    repo.git("update-ref", "refs/internal/x", a)
    repo.write("a", "2")
    b = repo.commit("b")
    repo.git("update-ref", "refs/heads/main", a)
    r = open_repo(repo.path)
    update = refs.classify(r, refs.RefLine(a, b, "refs/heads/main"))
    assert push.plan(r, [update]).commits == (b,)
    repo.git("update-ref", "refs/heads/other", b)
    assert push.plan(open_repo(repo.path), [update]).commits == ()
    repo.git("config", "receive.hideRefs", "refs/heads/other")
    repo.git("update-ref", "-d", "refs/internal/x")
    assert push.plan(open_repo(repo.path), [update]).commits == (b,)


def test_open_pushed_sees_objects_only_in_a_quarantine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bare = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    incoming = bare / "objects" / "tmp_objdir-incoming-test"
    incoming.mkdir()
    env = {"GIT_OBJECT_DIRECTORY": str(incoming), "GIT_ALTERNATE_OBJECT_DIRECTORIES": str(bare / "objects")}
    oid = subprocess.run(
        ["git", "hash-object", "-w", "--stdin"],
        cwd=bare,
        input="quarantined\n",
        capture_output=True,
        text=True,
        env={**env},
        check=True,
    ).stdout.strip()
    assert oid not in open_repo(bare)  # a plain open misses it
    for k, v in {**env, "GIT_QUARANTINE_PATH": str(incoming), "GIT_DIR": str(bare)}.items():
        monkeypatch.setenv(k, v)
    assert oid in push.open_pushed(bare, {"GIT_QUARANTINE_PATH": str(incoming)})
    monkeypatch.setenv("GIT_WORK_TREE", str(tmp_path))  # FROM_ENV refuses this: the fallback adds the quarantine itself
    assert oid in push.open_pushed(bare, {"GIT_DIR": str(bare), "GIT_QUARANTINE_PATH": str(incoming)})


# --- options and identity ----------------------------------------------------


def test_push_options_unset_when_not_negotiated() -> None:
    assert parse_options({}).negotiated is False


def test_push_options_breakglass_and_approvals() -> None:
    env = {
        "GIT_PUSH_OPTION_COUNT": "5",
        "GIT_PUSH_OPTION_0": "ci.skip",
        "GIT_PUSH_OPTION_1": "guard.breakglass= INC-1 outage ",
        "GIT_PUSH_OPTION_2": "guard.approve=reviewed by sec",
        "GIT_PUSH_OPTION_3": "guard.approve=second look",
        "GIT_PUSH_OPTION_4": "guard.bogus=1",
    }
    opts = parse_options(env)
    assert opts.negotiated
    assert opts.breakglass == "INC-1 outage"
    assert opts.approvals == ("reviewed by sec", "second look")
    assert opts.problems == ("unknown push option 'guard.bogus' (guard knows guard.breakglass, guard.approve)",)
    assert opts.values[0] == "ci.skip"


def test_breakglass_without_reason_is_empty_not_none() -> None:
    assert parse_options({"GIT_PUSH_OPTION_COUNT": "1", "GIT_PUSH_OPTION_0": "guard.breakglass"}).breakglass == ""


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"GITHUB_USER_LOGIN": "octo", "USER": "git"}, ("octo", "GITHUB_USER_LOGIN", "github")),
        ({"GL_ID": "user-4", "GL_USERNAME": "ada"}, ("ada", "GL_USERNAME", "gitlab")),
        ({"GL_ID": "user-4"}, ("user-4", "GL_ID", "gitlab")),
        ({"GITEA_PUSHER_NAME": "tea", "USER": "git"}, ("tea", "GITEA_PUSHER_NAME", "gitea")),
        ({"REMOTE_USER": "web", "USER": "www-data"}, ("web", "REMOTE_USER", "http")),
        ({"USER": "ada"}, ("ada", "USER", "local")),
        ({"USER": "  "}, (None, None, "unknown")),
    ],
)
def test_pusher_identity(env: dict[str, str], expected: tuple[str | None, str | None, str]) -> None:
    p = identity.pusher(env)
    assert (p.name, p.source, p.platform) == expected


def test_pusher_falls_back_to_the_process_owner() -> None:
    assert identity.pusher({}, "svc") == identity.Pusher("svc", "uid", "local")
    assert identity.is_gitlab({"GL_PROTOCOL": "web"}) and not identity.is_gitlab({"USER": "x"})


# --- budget ------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _change(path: str, text: str) -> Change:
    return Change(path=path, status=Status.ADDED, added=((1, text),))


def test_budget_caps_commits_to_the_newest() -> None:
    b = Budget(Limits(max_commits=2))
    assert b.cap_commits(("c1", "c2", "c3")) == ("c2", "c3")
    assert [o.kind for o in b.overruns] == ["commits"]


def test_budget_stops_at_the_deadline_and_the_byte_cap() -> None:
    clock = Clock()
    b = Budget(Limits(deadline=1.0, max_bytes=10), clock=clock)
    changes = [_change("a", "12345"), _change("b", "1234"), _change("c", "12")]
    assert [c.path for c in b.limit(changes)] == ["a", "b"]
    assert [(o.kind, o.detail) for o in b.overruns] == [("bytes", "more than 10 bytes of added text: the rest is not scanned")]
    late = Budget(Limits(deadline=1.0), clock=clock)
    clock.now += 2
    assert list(late.limit(changes)) == []
    assert late.overruns[0].kind == "deadline" and late.blocks()
    assert not Budget(Limits(deadline=1.0, on_overrun=FailMode.OPEN), clock=clock).blocks()


def test_budget_alarm_interrupts_a_slow_step() -> None:
    b = Budget(Limits(deadline=0.05))
    with pytest.raises(DeadlineExceeded), b.alarm():
        while True:
            sum(range(1000))


# --- server config -------------------------------------------------------------


def test_server_config_parses_server_table_and_scan_config(tmp_path: Path) -> None:
    path = tmp_path / "server.toml"
    path.write_text(
        'disable = ["secret.github-pat"]\n\n'
        '[server]\ndeadline = 2\nmax-commits = 10\nmax-bytes = 1000\non-overrun = "fail-open"\non-error = "fail-open"\n'
        'breakglass-users = ["Alice"]\nlog = "audit/guard.jsonl"\ncontact = "#sec"\nsurprise = 1\n'
    )
    cfg = server_config.load(path)
    assert cfg.limits == Limits(deadline=2.0, max_commits=10, max_bytes=1000, on_overrun=FailMode.OPEN)
    assert (cfg.on_error, cfg.log, cfg.contact) == (FailMode.OPEN, tmp_path / "audit" / "guard.jsonl", "#sec")
    assert cfg.may_break_glass("alice") and not cfg.may_break_glass("bob") and not cfg.may_break_glass(None)
    assert cfg.scan.disable == frozenset({"secret.github-pat"})
    assert cfg.warnings == (f"{path}: server.surprise: unknown key (ignored)",)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[server]\ndeadline = 0\n", "server.deadline"),
        ('[server]\non-overrun = "maybe"\n', "server.on-overrun"),
        ("[server]\nmax-commits = -1\n", "server.max-commits"),
        ("[server]\nbreakglass-users = 3\n", "server.breakglass-users"),
    ],
)
def test_server_config_errors_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "server.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=key):
        server_config.load(path)


def test_server_config_location_order(tmp_path: Path) -> None:
    env = {server_config.ENV_VAR: "/from/env.toml"}
    assert server_config.locate("/flag.toml", env, "/git.toml") == Path("/flag.toml")
    assert server_config.locate(None, env, "/git.toml") == Path("/from/env.toml")
    assert server_config.locate(None, {}, "/git.toml") == Path("/git.toml")
    assert server_config.locate(None, {}, None) is None
    assert server_config.resolve(None, {}, None) == server_config.ServerConfig()


# --- audit log ---------------------------------------------------------------


def test_log_event_appends_whole_lines_under_concurrency(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "audit.jsonl"

    def writer(n: int) -> None:
        for i in range(50):
            log_event(path, {"writer": n, "i": i, "pad": "x" * 2000})

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    events = read_events(path)
    assert len(events) == 200
    assert sorted((e["writer"], e["i"]) for e in events) == [(n, i) for n in range(4) for i in range(50)]
    assert all(e["time"].endswith("Z") for e in events)


# --- messages and the CLI entry point ----------------------------------------------


def test_render_prefixes_only_blocking_lines_on_gitlab() -> None:
    lines = [messages.Line("info"), messages.Line("bad", True)]
    assert messages.render(lines, gitlab=True) == ("guard: info", "GL-HOOK-ERR: guard: bad")
    assert messages.render(lines, gitlab=False) == ("guard: info", "guard: bad")


def test_hook_rejects_malformed_input_fail_closed(tmp_path: Path, run_guard: object, monkeypatch: pytest.MonkeyPatch) -> None:
    bare = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    monkeypatch.setattr("sys.stdin", io.StringIO("not a ref line\n"))
    monkeypatch.delenv("GUARD_SERVER_CONFIG", raising=False)
    result = run_guard("hook", "pre-receive", cwd=bare)  # type: ignore[operator]
    assert result.code == 1
    assert result.out.splitlines() == [
        "guard: error: pre-receive input line 1: expected '<old-oid> <new-oid> <ref>', got 'not a ref line'",
        "guard: fail-closed: push rejected because guard could not check it",
    ]
    event = json.loads((bare / "guard-audit.jsonl").read_text())
    assert (event["decision"], event["fail_mode"]) == ("reject", "fail-closed")


def test_hook_with_a_broken_server_config_fails_closed(
    tmp_path: Path, run_guard: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = tmp_path / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    result = run_guard("hook", "pre-receive", "--config", str(tmp_path / "missing.toml"), cwd=bare)  # type: ignore[operator]
    assert result.code == 1
    assert result.out.splitlines()[0] == f"guard: error: server config not found: {tmp_path / 'missing.toml'}"
