from __future__ import annotations

from pathlib import Path

import pytest

from guard.errors import GuardError
from guard.errors import RuleError
from guard.rules import load_dir

BASE = """
[[rules]]
id = "secret.demo"
title = "Demo"
severity = "high"
detector = "regex"
keywords = ["demo_"]
pattern = 'demo_([a-z]{8})'
examples = ['demo_${gen:lower:8}']
"""

DSECRETS = BASE.replace('detector = "regex"', 'detector = "detect-secrets"\nplugin = "CloudantDetector"').replace(
    "pattern = 'demo_([a-z]{8})'\n", ""
)

BAD = [
    (
        BASE.replace('severity = "high"', 'severity = "huge"'),
        "rule secret.demo: severity: expected one of info|low|medium|high|critical, got 'huge'",
    ),
    (
        BASE.replace("pattern = 'demo_([a-z]{8})'", "pattern = 'demo_(['"),
        "rule secret.demo: pattern: invalid regular expression: ",
    ),
    (BASE + "secret-group = 3\n", "rule secret.demo: secret-group: 3 is not a group of the pattern (1 groups)"),
    (BASE + "colour = 'red'\n", "rule secret.demo: colour: unknown key for a regex rule"),
    (BASE.replace('detector = "regex"', 'detector = "magic"'), "rule secret.demo: detector: unknown detector 'magic'"),
    (BASE.replace('id = "secret.demo"', 'id = "risk.demo"'), "rule risk.demo: id: must start with 'secret.' in this directory"),
    (
        BASE.replace("examples = ['demo_${gen:lower:8}']", ""),
        "rule secret.demo: examples: a rule needs at least one positive example or case",
    ),
    (
        BASE.replace("${gen:lower:8}", "${gen:lower:x}"),
        "rule secret.demo: examples: ${gen:lower:x}: length must be a number from 1 to 4096",
    ),
    (BASE + "checks = ['crc64']\n", "rule secret.demo: checks: unknown check 'crc64'"),
    (BASE.replace('title = "Demo"\n', ""), "rule secret.demo: title: is required"),
    (
        DSECRETS + "gate = '[0-9a-f'\n",
        "rule secret.demo: gate: invalid regular expression: ",
    ),
    (DSECRETS + "gate = ''\n", "rule secret.demo: gate: expected a non-empty regular expression"),
]


@pytest.mark.parametrize(("text", "message"), BAD)
def test_bad_rule_names_file_rule_and_key(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "demo.toml").write_text(text)
    with pytest.raises(RuleError) as e:
        load_dir(tmp_path)
    assert str(e.value).startswith(f"{tmp_path / 'secrets' / 'demo.toml'}: {message}")


def test_invalid_toml_rule_file(tmp_path: Path) -> None:
    (tmp_path / "secrets").mkdir()
    (tmp_path / "secrets" / "demo.toml").write_text("[[rules]\n")
    with pytest.raises(GuardError, match=r"demo\.toml: invalid TOML: "):
        load_dir(tmp_path)


def test_extra_rule_dir_via_config(tmp_path: Path, run_guard: object) -> None:
    (tmp_path / "myrules" / "secrets").mkdir(parents=True)
    (tmp_path / "myrules" / "secrets" / "demo.toml").write_text(BASE)
    (tmp_path / ".guard.toml").write_text('rules = ["myrules"]\n')
    (tmp_path / "x.txt").write_text("key = demo_abcdefgh\n")
    r = run_guard("scan", "x.txt", "--format", "json", cwd=tmp_path)  # type: ignore[operator]
    assert r.code == 1
    assert '"rule_id": "secret.demo"' in r.out
