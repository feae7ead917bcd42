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
