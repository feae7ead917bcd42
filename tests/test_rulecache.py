from __future__ import annotations

from pathlib import Path

import pytest

from guard.rulecache import cached


def test_cache_hit_and_invalidation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GUARD_NO_CACHE", raising=False)
    rule_file = tmp_path / "a.toml"
    rule_file.write_text("one")
    calls: list[str] = []

    def load() -> tuple[str, ...]:
        calls.append(rule_file.read_text())
        return (rule_file.read_text(),)

    assert cached([rule_file], load) == ("one",)
    assert cached([rule_file], load) == ("one",)
    assert calls == ["one"]
    rule_file.write_text("two")
    assert cached([rule_file], load) == ("two",)
    assert calls == ["one", "two"]
    assert len(list((tmp_path / "cache").glob("rules-*.pickle"))) == 2


def test_corrupt_or_unwritable_cache_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GUARD_NO_CACHE", raising=False)
    f = tmp_path / "a.toml"
    f.write_text("x")
    assert cached([f], lambda: 1) == 1
    (entry,) = (tmp_path / "cache").glob("rules-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert cached([f], lambda: 2) == 2
    monkeypatch.setenv("GUARD_CACHE_DIR", str(f / "cannot-be-a-dir"))
    assert cached([f], lambda: 3) == 3


def test_builtin_rules_round_trip_through_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pickle

    from guard.rules import FAMILIES
    from guard.rules import builtin_dir
    from guard.rules import load_dir

    rules = tuple(load_dir(builtin_dir(), shown_root="rules"))
    again = pickle.loads(pickle.dumps(rules))
    assert [r.id for r in again] == [r.id for r in rules]
    assert sorted(FAMILIES) == ["risk", "secrets"]


def test_cached_rules_compile_patterns_lazily_and_still_match(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from conftest import token

    from guard.rulecache import LazyPattern
    from guard.rulecheck import change_for
    from guard.rules import FAMILIES
    from guard.rules import builtin_dir
    from guard.rules import load_dir
    from guard.scan import Engine

    monkeypatch.setenv("GUARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("GUARD_NO_CACHE", raising=False)
    root = builtin_dir()
    files = sorted(p for family in FAMILIES for p in (root / family).glob("*.toml"))
    cached(files, lambda: tuple(load_dir(root, shown_root="rules")))
    rules = cached(files, lambda: ())  # served from the cache file
    lazy = [r for r in rules if r.detector == "added-regex" and isinstance(r.prepared.pattern, LazyPattern)]
    assert lazy, "patterns come back lazy"
    found = Engine(rules).scan_change(change_for("a.env", f"T={token()}\nverify=False\n"))
    assert {f.rule_id for f in found.findings} >= {"secret.github-pat"}
