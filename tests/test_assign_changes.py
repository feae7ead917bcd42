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
