from __future__ import annotations

import random

import pytest

from guard.prefilter import KeywordIndex
from guard.rules import load_builtin

KEYWORDS = ["ghp_", "gh", "akia", "key", "keyring", "secret", "sk_live_", "sk_"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", set()),
        ("nothing here", set()),
        ("token ghp_abc", {"ghp_", "gh"}),
        ("a keyring!", {"key", "keyring"}),
        ("sk_live_x and akia", {"sk_live_", "sk_", "akia"}),
        ("ghkey", {"gh", "key"}),
    ],
)
def test_regex_fallback(text: str, expected: set[str]) -> None:
    assert KeywordIndex(KEYWORDS, use_hyperscan=False).found(text) == frozenset(expected)


def test_hyperscan_and_regex_agree_on_builtin_keywords() -> None:
    pytest.importorskip("hyperscan")
    words = sorted({k for r in load_builtin() for k in r.keywords})
    fast = KeywordIndex(words, use_hyperscan=True)
    slow = KeywordIndex(words, use_hyperscan=False)
    assert (fast.engine, slow.engine) == ("hyperscan", "regex")
    rng = random.Random(7)
    alphabet = "abcdefghijklmnopqrstuvwxyz_-.=:0123456789 "
    for _ in range(300):
        parts = [
            rng.choice(words) if rng.random() < 0.3 else "".join(rng.choices(alphabet, k=rng.randrange(1, 12))) for _ in range(8)
        ]
        text = "".join(parts)
        assert fast.found(text) == slow.found(text), text


def test_hyperscan_database_served_from_the_cache_scans(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("hyperscan")
    monkeypatch.setenv("GUARD_CACHE_DIR", str(tmp_path))
    first = KeywordIndex(KEYWORDS, use_hyperscan=True)  # compiles and stores the database
    second = KeywordIndex(KEYWORDS, use_hyperscan=True)  # loads it
    assert (first.engine, second.engine) == ("hyperscan", "hyperscan")
    assert second.found("token ghp_abc and a keyring") == frozenset({"ghp_", "gh", "key", "keyring"})
    assert len(list(__import__("pathlib").Path(str(tmp_path)).glob("keywords-*.hsdb"))) == 1
