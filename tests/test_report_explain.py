"""`guard explain RULE_ID`: a rule's docs, fix, references, generated examples and suppression."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from guard.gen import expand

RULE = """
[[rules]]
id = "secret.demo-key"
title = "Demo service key"
severity = "high"
detector = "regex"
keywords = ["demo_"]
pattern = 'demo_([a-z0-9]{16})'
docs = "A demo key opens the demo service to anyone who holds it."
fix = "Rotate the key in the demo console."
references = ["https://example.invalid/demo/keys"]
examples = ['DEMO_KEY=demo_${gen:alnum-lower:16}']
negative-examples = ['DEMO_KEY=demo_short']
"""


def setup(tmp_path: Path, config: str = "") -> None:
    (tmp_path / "myrules" / "secrets").mkdir(parents=True)
    (tmp_path / "myrules" / "secrets" / "demo.toml").write_text(RULE)
    (tmp_path / ".guard.toml").write_text('rules = ["myrules"]\n' + config)


def test_explain_prints_docs_fix_examples_and_suppression(tmp_path: Path, run_guard: Any) -> None:
    setup(tmp_path)
    r = run_guard("explain", "secret.demo-key", cwd=tmp_path)
    example = expand("DEMO_KEY=demo_${gen:alnum-lower:16}", "secret.demo-key#example0")  # as `guard rules check` expands it
    assert (r.code, r.err) == (0, "")
    assert r.out.splitlines() == [
        "secret.demo-key: Demo service key",
        "  secret, high severity, high confidence",
        "  detector regex, enabled; defined in myrules/secrets/demo.toml",
        "",
        "Why it matters",
        "  A demo key opens the demo service to anyone who holds it.",
        "",
        "How to fix",
        "  Rotate the key in the demo console.",
        "",
        "References",
        "  - https://example.invalid/demo/keys",
        "",
        "Examples (generated with guard.gen: realistic, and fake)",
        f"  reported as {example[14:18]}******** on line 1 in config.txt:",
        f"    {example}",
        "  not reported in config.txt:",
        "    DEMO_KEY=demo_short",
        "",
        "How to suppress",
        "  - one line that is a false alarm: a comment on it saying `guard: allow secret.demo-key`",
        "  - a known finding you cannot fix yet: `guard baseline update` records its fingerprint",
        '  - everywhere: `disable = ["secret.demo-key"]` in .guard.toml, or `"secret.demo-key" = "warn"` under [actions]',
    ]


def test_explain_a_disabled_rule_says_so(tmp_path: Path, run_guard: Any) -> None:
    setup(tmp_path, 'disable = ["secret.demo-key"]\n')
    r = run_guard("explain", "secret.demo-key", cwd=tmp_path)
    assert r.code == 0
    assert r.out.splitlines()[2].startswith("  detector regex, disabled by the config's `disable`; defined in ")


def test_unknown_rule_is_exit_2_with_one_line(tmp_path: Path, run_guard: Any) -> None:
    setup(tmp_path)
    r = run_guard("explain", "secret.demo-kye", cwd=tmp_path)
    assert (r.code, r.out, r.err) == (2, "", "guard: error: unknown rule id: secret.demo-kye (did you mean secret.demo-key?)\n")
    far = run_guard("explain", "zzz", cwd=tmp_path)
    assert (far.code, far.err) == (2, "guard: error: unknown rule id: zzz (see `guard rules list`)\n")
