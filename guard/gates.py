"""The second prefilter stage: each rule's own pattern, run by Hyperscan over a change's added text.

Keywords (guard/prefilter.py) say a rule *might* apply; most generic keywords
(`http`, `key`, `token`) are everywhere. A gate is the rule's pattern itself,
compiled by Hyperscan in prefilter mode, which may report a match where Python's
`re` finds none but never misses one that `re` finds. One scan of a change's
added text then tells which of hundreds of patterns can match at all, and only
those rules run.

Exactness: the gate is used only for text where Hyperscan and `re` agree on
what a character is -- ASCII text without the control characters 0x1C-0x1F
(which `re` counts as whitespace and PCRE does not). Every gate is compiled
multi-line, so `^`/`$` match at least wherever `re` lets them. Other text, and
rules whose pattern Hyperscan cannot compile, fall back to the keyword stage
alone. tests/test_gates.py checks every rule's examples through both paths.

The compiled database (~2 MB) is cached next to the rule cache. Compiling it
costs about a second, so only a large scan compiles it on the spot; a small one
(a hook) without it starts a detached process that compiles it for the next
run, and scans on keywords alone meanwhile. GUARD_GATES=off turns gates off,
GUARD_GATES=build compiles them on the spot whatever the size (the test suite
does, so every test sees the same engine).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_CONTROL = (b"\x1c", b"\x1d", b"\x1e", b"\x1f")
FORMAT = 2  # how gates are compiled: part of the cache key


@dataclass(frozen=True, slots=True)
class Gate:
    """A Python regular expression that must match somewhere in the added text for a rule to apply."""

    source: str
    ignore_case: bool = False


def gate_key(raw: Mapping[str, Any], fail: Callable[[str, str], Exception]) -> str | None:
    """A rule's optional `gate` key: a valid regular expression, or None when absent."""
    gate = raw.get("gate")
    if gate is None:
        return None
    if not isinstance(gate, str) or not gate:
        raise fail("gate", "expected a non-empty regular expression")
    try:
        re.compile(gate)
    except re.error as e:
        raise fail("gate", f"invalid regular expression: {e}") from None
    return gate


def eligible(data: bytes) -> bool:
    """True when Hyperscan's answer for `data` is a superset of Python's `re` (see the module doc)."""
    return data.isascii() and not any(c in data for c in _CONTROL)


class Gates:
    """A compiled Hyperscan database of gates; `passing` names the rules whose gate matched."""

    def __init__(self, db: Any, ids: tuple[tuple[str, ...], ...], gated: frozenset[str]) -> None:
        self._db = db
        self._ids = ids  # database id -> the rules sharing that gate
        self.gated = gated  # rules that have a compiled gate

    @classmethod
    def for_job(cls, gates: Mapping[str, Gate], *, large: bool) -> Gates | None:
        """The gates as GUARD_GATES and the job's size say (see the module doc)."""
        mode = os.environ.get("GUARD_GATES", "auto").strip().lower()
        if mode == "off":
            return None
        got = cls.load(gates, build=large or mode == "build")
        if got is None:
            build_later(gates)
        return got

    @classmethod
    def load(cls, gates: Mapping[str, Gate], *, build: bool) -> Gates | None:
        """The database for `gates`: from the cache, else compiled (and cached) when `build` is true."""
        try:
            import hyperscan
        except ImportError:
            return None
        distinct: dict[Gate, list[str]] = {}
        never = frozenset(r for r, g in gates.items() if needs_non_ascii(g))  # ASCII text never passes these
        for rule_id, gate in sorted(gates.items()):
            if rule_id not in never:
                distinct.setdefault(gate, []).append(rule_id)
        if not distinct:
            return None
        order = sorted(distinct, key=lambda g: (g.source, g.ignore_case))
        key = hashlib.sha256(f"{FORMAT}\0{getattr(hyperscan, '__version__', '')}".encode())
        for g in order:
            key.update(f"{g.ignore_case}\0{g.source}\0".encode())
        digest = key.hexdigest()[:40]
        loaded = _LOADED.get(digest)  # a warm server (guard serve) loaded it before it forked
        if loaded is None:
            target = _target(digest)
            loaded = _read(hyperscan, target) if target is not None else None
            if loaded is None and not build:
                return None
            if loaded is None:
                loaded = _compile(hyperscan, order)
                _write(hyperscan, target, *loaded)
            loaded[0].scratch = hyperscan.Scratch(loaded[0])
            _LOADED[digest] = loaded
        db, accepted = loaded
        ids = tuple(tuple(distinct[order[i]]) for i in accepted)
        return cls(db, ids, never | frozenset(r for group in ids for r in group))

    def passing(self, data: bytes) -> set[str]:
        """The gated rules whose gate matches `data` (which must be `eligible`)."""
        hits: set[int] = set()

        def on_match(ident: int, _from: int, _to: int, _flags: int, _ctx: object) -> None:
            hits.add(ident)

        self._db.scan(data, match_event_handler=on_match)
        ids = self._ids
        return {r for i in hits for r in ids[i]}


def needs_non_ascii(gate: Gate) -> bool:
    """True when every match of the pattern contains a non-ASCII character, so ASCII text never matches.

    Read from Python's own parse of the pattern; anything unusual (or case-insensitive, where
    U+212A KELVIN SIGN matches `k`) answers False, which only costs speed.
    """
    if not re.search(r"[^\x00-\x7f]|\\[uUN]|\\x[89a-fA-F]|\\[0-7]{3}", gate.source):
        return False  # every character the pattern names is ASCII
    try:
        from re import _parser as parser  # type: ignore[attr-defined]

        parsed = parser.parse(gate.source)
    except Exception:
        return False
    if gate.ignore_case or parsed.state.flags & re.IGNORECASE:
        return False
    return _needs(list(parsed.data), parser)


def _needs(items: list[Any], parser: Any) -> bool:
    c = parser  # the opcode names live in re._constants, re-exported by re._parser
    for op, arg in items:
        if op is c.LITERAL and arg > 127:
            return True
        if op is c.IN and all((o is c.LITERAL and a > 127) or (o is c.RANGE and a[0] > 127) for o, a in arg):
            return True
        if op is c.SUBPATTERN and _needs(list(arg[-1]), parser):
            return True
        if op is c.BRANCH and all(_needs(list(b), parser) for b in arg[1]):
            return True
        if op in (c.MAX_REPEAT, c.MIN_REPEAT) and arg[0] >= 1 and _needs(list(arg[2]), parser):
            return True
    return False


def _flags(hyperscan: Any, gate: Gate) -> int:
    flags = (
        hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_ALLOWEMPTY
    )
    return int(flags | hyperscan.HS_FLAG_CASELESS if gate.ignore_case else flags)


def loosen(source: str, *, keep_end: bool = False) -> str:
    """`source` without anchors and word boundaries: it matches wherever `source` matches, and more.

    Hyperscan rejects some anchors (a `^` after a group, a `$` before more pattern), and a gate
    only has to be a superset. With `keep_end`, `$` stays (compiled multi-line it matches before
    every newline: still a superset); `_compile` drops it again where Hyperscan refuses it.
    Character classes and escapes are copied as they are.
    """
    out: list[str] = []
    i, n, in_class = 0, len(source), False
    while i < n:
        ch = source[i]
        if ch == "\\" and i + 1 < n:
            esc = source[i : i + 2]
            if in_class or esc[1] not in "AZzbBG":
                out.append(esc)
            i += 2
            continue
        if in_class:
            if ch == "]" and not (out and out[-1] in ("[", "[^")):
                in_class = False
            out.append(ch)
        elif ch == "[":
            in_class = True
            if source.startswith("[^", i):
                out.append("[^")
                i += 2
                if i < n and source[i] == "]":
                    out.append("]")
                    i += 1
                continue
            out.append(ch)
            if i + 1 < n and source[i + 1] == "]":
                out.append("]")
                i += 1
        elif ch != "^" and (ch != "$" or keep_end):
            out.append(ch)
        i += 1
    return "".join(out)


def _compile(hyperscan: Any, order: list[Gate]) -> tuple[Any, list[int]]:
    """Compile the gates Hyperscan accepts; one it rejects is left out (its rules run on keywords alone)."""
    usable = [i for i, g in enumerate(order) if g.source.isascii() and not re.search(r"\\[uUN]", g.source)]

    plain: set[int] = set()  # gates compiled without their `$`

    def build(indexes: list[int]) -> Any:
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        db.compile(
            expressions=[loosen(order[i].source, keep_end=i not in plain).encode() for i in indexes],
            ids=list(range(len(indexes))),
            elements=len(indexes),
            flags=[_flags(hyperscan, order[i]) for i in indexes],
        )
        return db

    def failing(indexes: list[int]) -> list[int]:
        """Hyperscan does not say which expression failed: halve until the failing ones are alone."""
        try:
            build(indexes)
            return []
        except Exception:
            if len(indexes) == 1:
                return indexes
            mid = len(indexes) // 2
            return failing(indexes[:mid]) + failing(indexes[mid:])

    try:
        return build(usable), usable
    except Exception:
        plain.update(failing(usable))  # first without `$`, then, if that fails too, without a gate
        refused = set(failing(sorted(plain)))
        usable = [i for i in usable if i not in refused]
        return build(usable), usable


_BUILDERS: list[Any] = []
LOCK_STALE = 300  # seconds after which a builder's lock is taken to be left over from a crash


def build_later(gates: Mapping[str, Gate]) -> None:
    """Compile and cache the database in a detached process (at most one at a time), for the next run."""
    import pickle
    import subprocess
    import time

    from guard.rulecache import cache_dir

    directory = cache_dir()
    if directory is None or not gates:
        return
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return
    lock = directory / "gates.building"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        try:
            if time.time() - lock.stat().st_mtime > LOCK_STALE:
                lock.unlink()
        except FileNotFoundError:
            pass
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError:  # another run is building it, or the cache cannot be written
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(dict(gates), fh, protocol=pickle.HIGHEST_PROTOCOL)
        proc = subprocess.Popen(
            [sys.executable, "-m", "guard.gates", str(lock)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # not killed with the hook's process group
            close_fds=True,
        )
        _BUILDERS.append(proc)  # not waited for; kept so it is not reaped (and warned about) mid-run
    except Exception:  # no background build: the next large scan compiles it
        lock.unlink(missing_ok=True)


def _build_from(lock: str) -> None:
    """The detached builder: compile the gates listed in the lock file, then drop the lock."""
    import pickle

    try:
        with open(lock, "rb") as fh:
            gates = pickle.load(fh)
        Gates.load(gates, build=True)
    finally:
        if os.path.exists(lock):
            os.unlink(lock)


_LOADED: dict[str, tuple[Any, list[int]]] = {}  # databases this process has, by key


def _target(key: str) -> Any:
    from guard.rulecache import cache_dir

    directory = cache_dir()
    return directory / f"gates-{key}.hsdb" if directory is not None else None


def _read(hyperscan: Any, target: Any) -> tuple[Any, list[int]] | None:
    try:
        raw = target.read_bytes()
        head, _, body = raw.partition(b"\n")
        accepted = [int(x) for x in head.split(b",") if x]
        return hyperscan.loadb(body, hyperscan.HS_MODE_BLOCK), accepted
    except Exception:  # missing, unreadable or from another build: compile anew
        return None


def _write(hyperscan: Any, target: Any, db: Any, accepted: list[int]) -> None:
    if target is None:
        return
    from guard.rulecache import store

    store(target, ",".join(map(str, accepted)).encode() + b"\n" + hyperscan.dumpb(db))


if __name__ == "__main__":  # python -m guard.gates LOCKFILE (started by build_later)
    _build_from(sys.argv[1])
