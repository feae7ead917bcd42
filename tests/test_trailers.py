"""Trailer parsing: our parser must find exactly the trailers git finds."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from guard.agents.trailers import parse_trailers


def test_repeated_trailers_are_all_kept_in_order() -> None:
    msg = (
        "Pair on the parser\n\n"
        "Co-authored-by: Ada Dev <ada@example.com>\n"
        "Co-authored-by: Claude <noreply@anthropic.com>\n"
        "Co-authored-by: Grace Ops <grace@example.com>\n"
    )
    assert parse_trailers(msg) == (
        ("co-authored-by", "Ada Dev <ada@example.com>"),
        ("co-authored-by", "Claude <noreply@anthropic.com>"),
        ("co-authored-by", "Grace Ops <grace@example.com>"),
    )


def test_keys_are_case_insensitive_and_lowercased() -> None:
    msg = "Subject\n\nCo-Authored-By: A <a@example.com>\nCO-AUTHORED-BY: B <b@example.com>\nco-authored-by: C <c@example.com>\n"
    keys = [k for k, _ in parse_trailers(msg)]
    assert keys == ["co-authored-by"] * 3
    assert [v for _, v in parse_trailers(msg)] == ["A <a@example.com>", "B <b@example.com>", "C <c@example.com>"]


def test_continuation_lines_fold_into_the_previous_trailer() -> None:
    msg = "Subject\n\nBody.\n\nNote: this value\n  goes on here\n\tand here\nSigned-off-by: Ada Dev <ada@example.com>\n"
    assert parse_trailers(msg) == (
        ("note", "this value goes on here and here"),
        ("signed-off-by", "Ada Dev <ada@example.com>"),
    )


def test_trailers_outside_the_last_paragraph_are_ignored() -> None:
    msg = "Subject\n\nCo-authored-by: Claude <noreply@anthropic.com>\n\nThis paragraph is prose, so it is not a trailer block.\n"
    assert parse_trailers(msg) == ()


def test_only_the_last_paragraph_counts() -> None:
    msg = "Subject\n\nCo-authored-by: Early <early@example.com>\n\nCo-authored-by: Late <late@example.com>\n"
    assert parse_trailers(msg) == (("co-authored-by", "Late <late@example.com>"),)


def test_the_title_is_never_a_trailer() -> None:
    assert parse_trailers("Co-authored-by: Claude <noreply@anthropic.com>\n") == ()
    assert parse_trailers("Fix: the thing\nCo-authored-by: X <x@example.com>") == ()


def test_a_prose_line_in_the_last_paragraph_spoils_it() -> None:
    msg = "Subject\n\nCo-authored-by: Claude <noreply@anthropic.com>\nthanks everyone\n"
    assert parse_trailers(msg) == ()


def test_git_generated_lines_allow_a_quarter_of_trailers() -> None:
    ok = "Subject\n\nSigned-off-by: Ada <ada@example.com>\none\ntwo\nthree\n"
    assert parse_trailers(ok) == (("signed-off-by", "Ada <ada@example.com>"),)
    too_much_prose = "Subject\n\nSigned-off-by: Ada <ada@example.com>\none\ntwo\nthree\nfour\n"
    assert parse_trailers(too_much_prose) == ()


def test_spacing_comments_crlf_and_empty_values() -> None:
    msg = "Subject\r\n\r\nKey :  spaced  \r\n# a comment line\r\nEmpty:\r\nX:y\r\n\r\n\r\n"
    assert parse_trailers(msg) == (("key", "spaced"), ("empty", ""), ("x", "y"))


def test_not_a_key() -> None:
    # A key is letters, digits and '-': a URL or a two-word phrase is prose.
    assert parse_trailers("Subject\n\nsee http://example.com: broken\n") == ()
    assert parse_trailers("Subject\n\n: no key\n") == ()


# Messages whose trailers we compare with what git itself reports.
GIT_CASES = [
    "Subject\n\nBody\n\nCo-authored-by: A <a@example.com>\nCo-Authored-By: B <b@example.com>\n",
    "Subject\n\nNote: first\n  second\n\tthird\nX: y\n",
    "Subject\n\nCo-authored-by: A <a@example.com>\nnot a trailer\n",
    "Subject\n\nSigned-off-by: S <s@example.com>\nprose\nmore prose\n",
    "Subject\n\nSigned-off-by: S <s@example.com>\na\nb\nc\nd\n",
    "Subject\n\n(cherry picked from commit 0123abc)\nReviewed-by: R <r@example.com>\nfree text\n",
    "Subject\n\n  indented first\nX: y\n",
    "Subject\n\nbody\n---\nCo-authored-by: A <a@example.com>\n",
    "Subject\n\nKey 2: no\nX: y\n",
    "Subject\n\nKey : v\nEmpty:\n# comment\nLast: z\n",
    "Co-authored-by: A <a@example.com>\n",
    "Subject\n\nA: 1\n   \nB: 2\n",
]


def _git_trailers(tmp_path: Path, message: str) -> tuple[tuple[str, str], ...]:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(tmp_path)}
    repo = tmp_path / "repo"

    def git(*args: str, stdin: str | None = None) -> str:
        proc = subprocess.run(["git", *args], cwd=repo, env=env, input=stdin, capture_output=True, text=True, check=True)
        return proc.stdout

    repo.mkdir()
    git("init", "-q")
    git(
        "-c", "user.name=Ada Dev", "-c", "user.email=ada@example.com",
        "commit", "-q", "--allow-empty", "--cleanup=verbatim", "-F", "-",
        stdin=message,
    )  # fmt: skip
    out = git("log", "-1", "--format=%(trailers:only,unfold,separator=%x00,key_value_separator=%x01)")
    items = [item for item in out.rstrip("\n").split("\x00") if item]
    return tuple((k.lower(), v) for k, v in (item.split("\x01", 1) for item in items))


@pytest.mark.parametrize("message", GIT_CASES)
def test_agrees_with_git(tmp_path: Path, message: str) -> None:
    assert parse_trailers(message) == _git_trailers(tmp_path, message)
