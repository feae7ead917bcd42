from __future__ import annotations

from conftest import token

from guard.rulecheck import change_for
from guard.rules import load_builtin
from guard.scan import Engine


def keys_of(path: str, text: str) -> list[tuple[str, int | None, int | None]]:
    got = Engine(load_builtin()).scan_change(change_for(path, text))
    return [(f.rule_id, f.line, f.end_line) for f in got.findings if "private-key" in f.rule_id]


def body(seed: str) -> list[str]:
    return [token(spec="${gen:b64:64}", seed=f"{seed}{i}") for i in range(3)] + ["qwI="]


def test_key_in_log_lines_with_timestamps() -> None:
    lines = ["2026-04-26 12:36:01 $ cat key.pem", "2026-04-26 12:36:01 -----BEGIN PRIVATE KEY-----"]
    lines += [f"2026-04-26 12:36:01 {b}" for b in body("log")]
    lines += ["2026-04-26 12:36:01 -----END PRIVATE KEY-----", "2026-04-26 12:36:02 done"]
    assert keys_of("build.log", "\n".join(lines)) == [("secret.private-key-embedded", 2, 7)]


def test_key_in_concatenated_java_string() -> None:
    lines = ['String k = "-----BEGIN RSA PRIVATE KEY-----\\n" +']
    lines += [f'    "{b}\\n" +' for b in body("java")]
    lines += ['    "-----END RSA PRIVATE KEY-----";']
    assert keys_of("src/Keys.java", "\n".join(lines)) == [("secret.private-key-rsa", 1, 6)]


def test_key_on_one_json_line_with_escaped_newlines() -> None:
    inner = "\\n".join(["-----BEGIN EC PRIVATE KEY-----", *body("json"), "-----END EC PRIVATE KEY-----"])
    assert keys_of("out.json", '{"log": "' + inner + '"}') == [("secret.private-key-ec", 1, 1)]


def test_key_with_quoted_concatenation_and_comment_lines() -> None:
    lines = ['var k = "\\"-----BEGIN PRIVATE KEY-----\\\\n"']
    lines += [f' +   "{b}\\\\n"' for b in body("js")]
    lines += [' +   "-----END PRIVATE KEY-----\\\\n\\""']
    assert keys_of("k.js", "\n".join(lines)) == [("secret.private-key-embedded", 1, 6)]


def test_plain_pem_file_is_reported_once_by_the_provider_rule() -> None:
    text = "\n".join(["-----BEGIN EC PRIVATE KEY-----", *body("plain")[:3], "-----END EC PRIVATE KEY-----"])
    assert keys_of("id_ec", text) == [("secret.private-key-ec", 1, 5)]


def test_prose_between_markers_is_not_a_key() -> None:
    text = "-----BEGIN PRIVATE KEY-----\nput your key here, then\n-----END PRIVATE KEY-----"
    assert keys_of("README.txt", text) == []
