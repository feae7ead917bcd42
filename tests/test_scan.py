from __future__ import annotations

import pytest
from conftest import token

from guard.model import Blob
from guard.model import Change
from guard.model import Kind
from guard.model import Status
from guard.redact import redact
from guard.rules import load_builtin
from guard.scan import Engine
from guard.scan import fingerprint
from guard.scan import pragma_allows


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "ghp_********"),
        ("hunter2", "h********"),
        ("abc", "********"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIE", "----********"),
    ],
)
def test_redact(secret: str, shown: str) -> None:
    assert redact(secret) == shown


@pytest.mark.parametrize(
    ("line", "rule", "allowed"),
    [
        ("x = 1  # guard: allow", "secret.github-pat", True),
        ("x = 1  // guard:allow secret.github-pat", "secret.github-pat", True),
        ("x = 1  <!-- guard: allow secret.aws-access-key, secret.github-pat -->", "secret.github-pat", True),
        ("x = 1  # guard: allow secret.aws-*", "secret.github-pat", False),
        ("x = 1  -- GUARD: ALLOW secret.github-*", "secret.github-pat", True),
        ("x = 1  # guard: allowed", "secret.github-pat", False),
        ("x = 1", "secret.github-pat", False),
    ],
)
def test_pragma(line: str, rule: str, allowed: bool) -> None:
    assert pragma_allows(line, rule) is allowed


def change(text: str, added: tuple[int, ...] | None = None) -> Change:
    lines = text.split("\n")
    picked = tuple((i, t) for i, t in enumerate(lines, 1) if added is None or i in added)
    return Change(path="a/b.py", status=Status.ADDED, added=picked, content=Blob(data=text.encode()))


def test_fingerprint_ignores_line_numbers() -> None:
    engine = Engine(load_builtin())
    secret = token()
    first = engine.scan_change(change(f'T = "{secret}"'))
    moved = engine.scan_change(change(f'import os\n\n\nT = "{secret}"'))
    assert [(f.line, f.fingerprint) for f in first.findings] == [(1, fingerprint("secret.github-pat", "a/b.py", secret))]
    assert [(f.line, f.fingerprint) for f in moved.findings] == [(4, first.findings[0].fingerprint)]


def test_findings_only_on_added_lines() -> None:
    engine = Engine(load_builtin())
    text = f'A = "{token(seed="a")}"\nB = "{token(seed="b")}"'
    assert [f.line for f in engine.scan_change(change(text, added=(2,))).findings] == [2]


def test_skipped_change_gives_notice_and_path_rules_still_run() -> None:
    got = Engine(load_builtin()).scan_change(Change(path="x.bin", status=Status.ADDED, kind=Kind.BINARY, skipped="binary"))
    assert got.notice == "x.bin: skipped, binary"
    assert [(f.rule_id, f.line) for f in got.findings] == [("risk.supply-binary-added", None)]
    secrets_only = Engine(r for r in load_builtin() if r.id.startswith("secret."))
    assert secrets_only.scan_change(Change(path="x.bin", status=Status.ADDED, skipped="binary")).findings == ()


def test_generic_finding_inside_a_provider_finding_is_dropped() -> None:
    engine = Engine(load_builtin())
    secret = token(spec="${gen:alnum:16}", seed="pg")
    text = f'DATABASE_URL = "postgres://app:{secret}@db.internal:5432/app"'
    got = engine.scan_change(change(text))
    assert [(f.rule_id, f.line) for f in got.findings if f.category.value == "secret"] == [("secret.postgres-uri-password", 1)]


def test_many_findings_on_one_line_stay_linear() -> None:
    line = " ".join(f"postgres://u:{token(spec='${gen:alnum:12}', seed=str(i))}@h{i}/db" for i in range(300))
    got = Engine(load_builtin()).scan_change(change(line))
    assert len([f for f in got.findings if f.rule_id == "secret.postgres-uri-password"]) == 300
    first = token(spec="${gen:alnum:12}", seed="0")
    assert all(f.snippet is not None and first not in f.snippet.lines[0] for f in got.findings)
