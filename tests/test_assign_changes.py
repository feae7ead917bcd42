"""Only added lines are reported, though the whole file is parsed for context."""

from __future__ import annotations

import json
from typing import Any

from conftest import Repo
from conftest import token

from guard.scan import fingerprint

OLD = token("${gen:alnum:16}", "changes-old")
NEW = token("${gen:alnum:16}", "changes-new")


def _generic(out: str) -> list[tuple[str, str, int]]:
    doc: dict[str, Any] = json.loads(out)
    return [(f["rule_id"], f["path"], f["line"]) for f in doc["findings"] if f["rule_id"].startswith("secret.generic-")]


def test_unchanged_line_of_a_modified_file_is_not_reported(repo: Repo, run_guard: Any) -> None:
    repo.write("app/settings.py", f'import os\n\nDB_PASSWORD = "{OLD}"\nDEBUG = False\n')
    repo.commit("settings")
    repo.write("app/settings.py", f'import os\n\nDB_PASSWORD = "{OLD}"\nDEBUG = False\nCACHE_PASSWORD = "{NEW}"\n')
    repo.git("add", "app/settings.py")
    r = run_guard("scan", "--staged", "--format", "json", cwd=repo.path)
    assert _generic(r.out) == [("secret.generic-password", "app/settings.py", 5)]
    (f,) = [f for f in json.loads(r.out)["findings"] if f["rule_id"] == "secret.generic-password"]
    assert f["fingerprint"] == fingerprint("secret.generic-password", "app/settings.py", NEW)


def test_value_on_an_added_line_of_a_multiline_binding(repo: Repo, run_guard: Any) -> None:
    repo.write("config.yaml", "db:\n  host: localhost\n")
    repo.commit("config")
    repo.write("config.yaml", f"db:\n  host: localhost\n  password: {NEW}\n")
    repo.git("add", "config.yaml")
    r = run_guard("scan", "--staged", "--format", "json", cwd=repo.path)
    assert _generic(r.out) == [("secret.generic-password", "config.yaml", 3)]


def test_editing_another_line_keeps_an_old_secret_quiet(repo: Repo, run_guard: Any) -> None:
    repo.write(".env", f"APP=shop\nDB_PASSWORD={OLD}\n")
    repo.commit("env")
    repo.write(".env", f"APP=store\nDB_PASSWORD={OLD}\n")
    repo.git("add", ".env")
    r = run_guard("scan", "--staged", "--format", "json", cwd=repo.path)
    assert _generic(r.out) == []


def test_window_blanks_lines_far_from_every_candidate_and_keeps_rows() -> None:
    from guard.detectors import assign

    lines = [f"x{i} = {i}" for i in range(400)]
    text = "\n".join(lines)
    windowed = assign._window(text, [200])
    out = windowed.split("\n")
    assert len(out) == 400
    keep = range(200 - assign.WINDOW_MARGIN, 200 + assign.WINDOW_MARGIN + 1)
    assert [i for i, ln in enumerate(out) if ln] == list(keep)
    assert all(out[i] == lines[i] for i in keep)
    assert assign._window("short = 1\n", [0]) == "short = 1\n"  # under WINDOW_FROM: parsed whole


def test_a_windowed_parse_finds_what_a_whole_parse_finds(repo: Repo, run_guard: Any, monkeypatch: Any) -> None:
    from guard.detectors import assign

    # Every handler names a credential (`auth = ...`) with no quote nearby: only the real binding is a window row.
    handler = "def handler_{0}(request, auth):\n    request.auth = auth\n    return respond(request, {0})\n\n\n"
    body = "".join(handler.format(i) for i in range(120))
    secret = token("${gen:alnum:20}", "window")
    text = body + f'SERVICE_PASSWORD = "{secret}"\n\n\n' + body
    assert len(text) > assign.WINDOW_FROM
    repo.write("app/views.py", text)
    repo.git("add", "app/views.py")
    windowed = run_guard("scan", "--staged", "--format", "json", cwd=repo.path)
    monkeypatch.setattr(assign, "WINDOW_FROM", len(text) + 1)
    whole = run_guard("scan", "--staged", "--format", "json", cwd=repo.path)
    line = body.count("\n") + 1
    assert _generic(windowed.out) == _generic(whole.out) == [("secret.generic-password", "app/views.py", line)]
