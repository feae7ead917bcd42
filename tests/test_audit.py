"""The hash-chained audit log: append, verify, tampering, removal, concurrent writers, CLI."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from conftest import Repo
from conftest import token

from guard import audit
from guard.config import Config
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
from guard.policy import decide
from guard.scan import fingerprint
from guard.server.log import log_event
from guard.server.log import read_events


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def write_lines(path: Path, rows: list[str]) -> None:
    path.write_text("".join(r + "\n" for r in rows), encoding="utf-8")


def three(path: Path) -> list[dict[str, Any]]:
    return [audit.append(path, {"time": f"2026-01-0{i}T00:00:00.000Z", "kind": "pass", "n": i}) for i in (1, 2, 3)]


def test_entries_chain_by_hash(tmp_path: Path) -> None:
    log = tmp_path / "a" / "audit.jsonl"
    first, second, third = three(log)
    assert [e["seq"] for e in (first, second, third)] == [1, 2, 3]
    assert first["prev"] == audit.GENESIS
    assert (second["prev"], third["prev"]) == (first["hash"], second["hash"])
    assert json.loads(lines(log)[0]) == first
    assert list(first) == ["seq", "time", "kind", "n", "prev", "hash"]
    assert first["hash"] == audit.digest({k: v for k, v in first.items() if k != "hash"})
    assert audit.verify(log) == audit.Check(True, 3, head=third["hash"])
    assert audit.head(log) == third["hash"]


def test_missing_log_verifies_empty(tmp_path: Path) -> None:
    assert audit.verify(tmp_path / "none.jsonl") == audit.Check(True, 0)


def test_edited_entry_is_found(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    first, _, _ = three(log)
    rows = lines(log)
    rows[1] = rows[1].replace('"kind":"pass"', '"kind":"block"')
    write_lines(log, rows)
    assert audit.verify(log) == audit.Check(False, 1, 2, "entry edited: its hash does not match its content", first["hash"])


def test_edited_entry_with_recomputed_hash_breaks_the_next_link(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    three(log)
    rows = lines(log)
    forged = json.loads(rows[1])
    forged["kind"] = "block"
    forged["hash"] = audit.digest(forged)
    rows[1] = json.dumps(forged, separators=(",", ":"))
    write_lines(log, rows)
    check = audit.verify(log)
    assert (check.ok, check.bad_line, check.entries) == (False, 3, 2)
    assert check.problem == "chain broken: this entry does not follow entry 2 (an entry was removed or reordered)"


def test_removed_middle_and_first_entries_are_found(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    first, _, _ = three(log)
    rows = lines(log)
    write_lines(log, [rows[0], rows[2]])
    assert audit.verify(log) == audit.Check(
        False, 1, 2, "chain broken: this entry does not follow entry 1 (an entry was removed or reordered)", first["hash"]
    )
    write_lines(log, rows[1:])
    assert audit.verify(log) == audit.Check(
        False, 0, 1, "chain broken: this entry does not follow the start of the log (an entry was removed or reordered)"
    )


def test_garbage_and_torn_lines(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    three(log)
    with log.open("a", encoding="utf-8") as f:
        f.write('{"seq": 4, "tim')  # a writer died mid-line
    entry = audit.append(log, {"kind": "pass"})
    rows = lines(log)
    assert len(rows) == 5 and json.loads(rows[4]) == entry  # the new entry starts on its own line
    check = audit.verify(log)
    assert (check.ok, check.bad_line, check.problem) == (False, 4, "not a JSON line")
    write_lines(log, ['{"kind": "pass"}'])
    assert audit.verify(log).problem == "not an audit entry (seq, prev, hash missing)"


def test_reserved_keys_and_secrets_never_logged(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    with pytest.raises(ValueError, match="audit event may not set hash"):
        audit.append(log, {"hash": "x"})
    secret = token(seed="audit")
    entry = audit.append(log, {"kind": "block", "findings": [{"rule": "secret.github-pat", "secret": secret, "snippet": secret}]})
    assert entry["findings"] == [{"rule": "secret.github-pat"}]
    assert secret not in log.read_text()


def _writer(path: str, n: int) -> None:
    for i in range(40):
        audit.append(path, {"writer": n, "i": i, "pad": "x" * 3000})


def test_concurrent_processes_keep_one_intact_chain(tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(log), n)) for n in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    check = audit.verify(log)
    assert (check.ok, check.entries) == (True, 160)
    entries = [json.loads(r) for r in lines(log)]
    assert [e["seq"] for e in entries] == list(range(1, 161))
    assert sorted((e["writer"], e["i"]) for e in entries) == [(n, i) for n in range(4) for i in range(40)]


def test_server_log_event_writes_chained_entries(tmp_path: Path) -> None:
    log = tmp_path / "guard-audit.jsonl"
    log_event(log, {"hook": "pre-receive", "decision": "accept"})
    log_event(log, {"hook": "pre-receive", "decision": "reject", "breakglass": {"reason": "INC-1", "allowed": False}})
    events = read_events(log)
    assert [(e["seq"], e["decision"]) for e in events] == [(1, "accept"), (2, "reject")]
    assert events[1]["prev"] == events[0]["hash"]
    assert audit.verify(log).ok


def test_decision_event_holds_fingerprints_and_actors(tmp_path: Path) -> None:
    sha = "b" * 40
    secret = token(seed="event")
    fp = fingerprint("secret.github-pat", "a.py", secret)
    f = Finding("secret.github-pat", Category.SECRET, Severity.CRITICAL, Confidence.HIGH, "r", "a.py", 2, 2, 5, sha, "t",
                "ghp_********", fp)  # fmt: skip
    r = Finding("risk.ci-workflow-changed", Category.RISK, Severity.MEDIUM, Confidence.HIGH, "r", ".github/workflows/a.yml",
                None, None, None, sha, "t", ".git********", "1" * 32)  # fmt: skip
    actor = Actor("agent", "claude-code", Confidence.HIGH, ("trailer",))
    commit = Commit(sha, "Ada", "ada@example.com", "Ada", "ada@example.com", "m")
    v = decide([Subject(f), Subject(r)], Config(), stage=Stage.PRE_RECEIVE, commits=[commit], actors={sha: actor},
               approval=Approval("alice", "reviewed"))  # fmt: skip
    event = audit.decision_event(v, stage=Stage.PRE_RECEIVE, pusher="alice")
    assert event["kind"] == "approval"
    assert (event["stage"], event["verdict"], event["pusher"]) == ("pre-receive", "block", "alice")
    assert event["decisions"][0] == {
        "rule": "secret.github-pat",
        "action": "block",
        "reason": "secret with high confidence blocks",
        "commit": sha,
        "path": "a.py",
        "line": 2,
        "fingerprint": fp,
    }
    assert event["decisions"][1]["action"] == Action.ALLOW.value
    claude = {"kind": "agent", "name": "claude-code", "confidence": "high"}
    assert event["commits"] == [{"sha": sha, "decision": "block", "actor": claude}]
    log = tmp_path / "audit.jsonl"
    audit.append(log, event)
    assert secret not in log.read_text() and "ghp_****" not in log.read_text()


def test_cli_audit_verify(tmp_path: Path, repo: Repo, run_guard: Any) -> None:
    log = tmp_path / "audit.jsonl"
    entries = three(log)
    r = run_guard("audit", "verify", "--log", str(log))
    assert (r.code, r.out.strip()) == (0, f"guard: audit log {log}: 3 entries, chain intact, head {entries[2]['hash']}")
    rows = lines(log)
    write_lines(log, [rows[0], rows[2]])
    r = run_guard("audit", "verify", "--log", str(log))
    assert r.code == 1
    assert r.err.strip() == (
        f"guard: audit log {log}: line 2: chain broken: this entry does not follow entry 1 (an entry was removed or reordered)"
    )
    default = repo.path / ".git" / "guard-audit.jsonl"
    audit.append(default, {"kind": "pass"})
    r = run_guard("audit", "verify", cwd=repo.path)
    assert r.code == 0 and "1 entries, chain intact" in r.out
    r = run_guard("audit", "verify", "--log", str(tmp_path / "missing.jsonl"))
    assert r.code == 2
