from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import token

from guard.config import Config
from guard.config import discover
from guard.config import load_file
from guard.errors import ConfigError
from guard.errors import GuardError
from guard.model import Action
from guard.model import Confidence

INVALID = [
    ('actions = "block"\n', ".guard.toml: actions: expected a table of rule-id glob = action"),
    ('[actions]\n"secret.*" = "deny"\n', ".guard.toml: actions.'secret.*': expected one of off|allow|warn|block, got 'deny'"),
    ("exclude = 3\n", ".guard.toml: exclude: expected a list of strings"),
    ("max-file-size = -1\n", ".guard.toml: max-file-size: must be a positive number of bytes"),
    ('max-file-size = "big"\n', ".guard.toml: max-file-size: expected an integer, got a string"),
    ('block-confidence = "certain"\n', ".guard.toml: block-confidence: expected one of low|medium|high, got 'certain'"),
    ("baseline = 1\n", ".guard.toml: baseline: expected a path string"),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid_config_names_file_and_key(tmp_path: Path, monkeypatch: Any, text: str, message: str) -> None:
    (tmp_path / ".guard.toml").write_text(text)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as e:
        load_file(Path(".guard.toml"))
    assert str(e.value) == message


def test_invalid_toml(tmp_path: Path) -> None:
    p = tmp_path / ".guard.toml"
    p.write_text("exclude = [\n")
    with pytest.raises(GuardError, match=r"\.guard\.toml: invalid TOML: "):
        load_file(p)


def test_valid_config_and_unknown_key_warning(tmp_path: Path) -> None:
    (tmp_path / ".guard.toml").write_text(
        'exclude = ["vendor/*"]\ndisable = ["secret.x"]\nblock-confidence = "medium"\nfrobnicate = 1\n'
        '[actions]\n"secret.generic-*" = "warn"\n'
    )
    cfg = discover(tmp_path)
    assert cfg == Config(
        source=str(tmp_path / ".guard.toml"),
        exclude=("vendor/*",),
        disable=frozenset({"secret.x"}),
        block_confidence=Confidence.MEDIUM,
        actions=(("secret.generic-*", Action.WARN),),
    )
    assert cfg.warnings == (f"{tmp_path / '.guard.toml'}: frobnicate: unknown key (ignored)",)


def test_pyproject_tool_guard(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.guard]\nexclude = ["docs/*"]\n')
    assert discover(tmp_path).exclude == ("docs/*",)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert discover(tmp_path) == Config()


def test_config_actions_drive_cli(tmp_path: Path, run_guard: Any) -> None:
    (tmp_path / "a.txt").write_text(f"t={token()}\n")
    (tmp_path / ".guard.toml").write_text('[actions]\n"secret.github-*" = "warn"\n')
    r = run_guard("scan", ".", "--format", "json", cwd=tmp_path)
    doc = json.loads(r.out)
    assert (r.code, doc["verdict"]) == (0, "warn")
    secrets = [(f["action"], f["reason"]) for f in doc["findings"] if f["category"] == "secret"]
    assert secrets == [("warn", "config actions 'secret.github-*' = warn")]


def test_bad_config_via_cli_exits_2(tmp_path: Path, run_guard: Any) -> None:
    (tmp_path / ".guard.toml").write_text('[actions]\n"secret.*" = "deny"\n')
    r = run_guard("scan", ".", cwd=tmp_path)
    assert (r.code, r.err) == (
        2,
        "guard: error: .guard.toml: actions.'secret.*': expected one of off|allow|warn|block, got 'deny'\n",
    )
