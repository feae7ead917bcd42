"""Pattern gates (guard/gates.py) and the anchor line finder: faster, never different."""

from __future__ import annotations

import random
import re
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from guard.detectors.path import needle
from guard.gates import Gate
from guard.gates import Gates
from guard.gates import eligible
from guard.gates import loosen
from guard.gates import needs_non_ascii
from guard.prefilter import LineFinder
from guard.rulecheck import probes
from guard.rules import load_builtin
from guard.scan import Engine

hyperscan = pytest.importorskip("hyperscan")


@pytest.mark.parametrize(
    ("source", "loose"),
    [
        (r"^abc$", "abc"),
        (r"(?m)^[ \t]*key\b", r"(?m)[ \t]*key"),
        (r"[^$^]x\Z", r"[^$^]x"),
        (r"(?:^|\s)tok\A\B\G", r"(?:|\s)tok"),
        (r"[]^]\^\$", r"[]^]\^\$"),
        (r"[^]a]b", r"[^]a]b"),
        (r"\\^", r"\\"),
        (r"[\]^$]", r"[\]^$]"),
    ],
)
def test_loosen_drops_anchors_outside_classes(source: str, loose: str) -> None:
    assert loosen(source) == loose


@pytest.mark.parametrize(
    ("gate", "expected"),
    [
        (Gate("[\u202a-\u202e]|(?<=.)\ufeff"), True),
        (Gate(r"(?P<hit>[\u202A-\u202E]+)"), True),
        (Gate(r"x\u00e9+"), True),
        (Gate(r"x*\u00e9?"), False),
        (Gate(r"[\u202A-\u202E]|x"), False),
        (Gate(r"a[^\u202A]"), False),
        (Gate(r"\u212a", ignore_case=True), False),
        (Gate(r"(?i)\u00e9"), False),
        (Gate(r"ghp_[A-Za-z0-9]{36}"), False),
    ],
)
def test_needs_non_ascii(gate: Gate, expected: bool) -> None:
    assert needs_non_ascii(gate) is expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [(b"plain ascii\n", True), ("caf\u00e9".encode(), False), (b"a\x1cb", False), (b"a\x1fb", False), (b"", True)],
)
def test_eligible(data: bytes, expected: bool) -> None:
    assert eligible(data) is expected


def test_gates_compile_once_then_come_from_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARD_CACHE_DIR", str(tmp_path))
    gates = {
        "r.github": Gate(r"ghp_[A-Za-z0-9]{8}"),
        "r.anchored": Gate(r"(?:x\n)?^key\s*=", ignore_case=True),  # Hyperscan rejects the embedded ^; loosened it compiles
        "r.unicode": Gate("[\u202a-\u202e]"),
        "r.same": Gate(r"ghp_[A-Za-z0-9]{8}"),
    }
    assert Gates.load(gates, build=False) is None
    built = Gates.load(gates, build=True)
    assert built is not None
    assert sorted(p.name.split("-")[0] for p in tmp_path.glob("gates-*.hsdb")) == ["gates"]
    cached = Gates.load(gates, build=False)
    assert cached is not None
    for g in (built, cached):
        assert g.gated == frozenset({"r.github", "r.anchored", "r.unicode", "r.same"})
        assert g.passing(b"token ghp_abcdEFGH1 here") == {"r.github", "r.same"}
        assert g.passing(b"first\nKEY = 1\n") == {"r.anchored"}
        assert g.passing(b"nothing") == set()


def test_every_gated_rule_passes_its_own_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARD_CACHE_DIR", str(tmp_path))
    rules = load_builtin()
    engine = Engine(rules)
    assert engine.use_gates(large=True)
    gates = engine.gates
    assert gates is not None and len(gates.gated) > 400
    checked = 0
    for rule in rules:
        if rule.id not in gates.gated:
            continue
        for probe in probes(rule):
            if probe.expect == ():
                continue  # a negative example may fail the gate
            data = "\n".join(t for _, t in probe.change.added).encode()
            if eligible(data):
                checked += 1
                assert rule.id in gates.passing(data), f"{rule.id} {probe.label}"
    assert checked > 1000


def test_findings_are_the_same_with_and_without_gates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARD_CACHE_DIR", str(tmp_path))
    rules = load_builtin()
    plain, gated = Engine(rules), Engine(rules)
    assert gated.use_gates(large=True)
    differ = []
    for rule in rules:
        for probe in probes(rule):
            a = plain.scan_change(probe.change).findings
            b = gated.scan_change(probe.change).findings
            if a != b:
                differ.append(f"{rule.id} {probe.label}")
    assert differ == []


def test_line_finder_agrees_with_re() -> None:
    words = ["password", "secret", "api_key", "token", "sk", "is"]
    finder = LineFinder(words)
    pattern = re.compile("(?i)" + "|".join(re.escape(w) for w in words), re.MULTILINE)
    rng = random.Random(11)
    pieces = ["PASSWORD", "Secret", "api_KEY", "tok", "en", "\u0131s", "\u017fk", "\u212a", "caf\u00e9", " ", "=", "x"]
    for _ in range(400):
        lines = ["".join(rng.choices(pieces, k=rng.randrange(0, 6))) for _ in range(rng.randrange(1, 6))]
        text = "\n".join(lines)
        starts, pos = [], 0
        for ln in lines:
            starts.append(pos)
            pos += len(ln) + 1
        expected = sorted({max(i for i, s in enumerate(starts) if s <= m.start()) for m in pattern.finditer(text)})
        assert finder.indexes(text, starts) == expected, repr(text)


@pytest.mark.parametrize(
    ("glob", "expected"),
    [
        ("*.tf", ".tf"),
        ("CODEOWNERS", "CODEOWNERS"),
        (".github/workflows/*.yml", ".github/workflows/"),
        ("*", ""),
        ("[abc]def*.x", "def"),
        ("a[!]]bcd", "bcd"),
        ("ab[cd", "ab[cd"),
        ("x[]y]zz", "zz"),
        ("*/.claude/settings*.json", "/.claude/settings"),
    ],
)
def test_glob_needle(glob: str, expected: str) -> None:
    assert needle(glob) == expected


def test_a_glob_matches_only_strings_holding_its_needle() -> None:
    rng = random.Random(3)
    for _ in range(100_000):
        glob = "".join(rng.choices("ab*?[]!/.", k=rng.randrange(1, 8)))
        subject = "".join(rng.choices("ab/.[]!*?", k=rng.randrange(0, 8)))
        if fnmatchcase(subject, glob):
            assert needle(glob) in subject, (glob, subject)


def test_a_small_job_builds_the_gates_in_the_background(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARD_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GUARD_GATES", "auto")
    gates = {"r.github": Gate(r"ghp_[A-Za-z0-9]{8}")}
    assert Gates.for_job(gates, large=False) is None  # not cached yet: keywords alone this time
    from guard import gates as gates_module

    assert len(gates_module._BUILDERS) == 1
    assert gates_module._BUILDERS.pop().wait(timeout=60) == 0
    assert not (tmp_path / "gates.building").exists()
    assert len(list(tmp_path.glob("gates-*.hsdb"))) == 1
    got = Gates.for_job(gates, large=False)
    assert got is not None and got.passing(b"ghp_abcdEFGH") == {"r.github"}


def test_gates_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARD_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GUARD_GATES", "off")
    assert Gates.for_job({"r.github": Gate("ghp_")}, large=True) is None
    assert list(tmp_path.iterdir()) == []


def test_loosen_keeps_end_anchors_when_asked() -> None:
    assert loosen(r"^x[ \t]*(?:=|$)\b", keep_end=True) == r"x[ \t]*(?:=|$)"
    assert loosen(r"^x[ \t]*(?:=|$)\b") == r"x[ \t]*(?:=|)"


def test_an_end_anchor_hyperscan_refuses_is_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARD_CACHE_DIR", str(tmp_path))
    gates = {"r.embedded": Gate(r"ab$cd"), "r.end": Gate(r"verify[ \t]*(?:=[ \t]*False|$)")}
    built = Gates.load(gates, build=True)
    assert built is not None and built.gated == frozenset({"r.embedded", "r.end"})
    assert built.passing(b"abcd") == {"r.embedded"}  # `$` dropped: a superset of what re finds
    assert built.passing(b"x(verify=True)") == set()
    assert built.passing(b"x(verify\n=False)") == {"r.end"}
    assert built.passing(b"x(verify=False)") == {"r.end"}
