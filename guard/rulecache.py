"""A per-user cache of loaded rules, so the hook does not parse TOML and compile patterns every run.

Loading ~300 rules costs ~0.15 s (TOML parsing plus validating every pattern), against
~5 ms to unpickle them. Patterns inside the cached rules are compiled lazily, only
when a rule becomes a candidate. The key covers the rule files' bytes, guard's own
source files (their sizes and mtimes) and the Python version, so any change to
rules or code starts from a fresh, fully validated load. The cache lives in
$GUARD_CACHE_DIR, $XDG_CACHE_HOME/guard or ~/.cache/guard; GUARD_NO_CACHE=1 turns it off.
It holds only data the user's own files produced, in the user's own cache directory.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import os
import pickle
import re
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from typing import TypeVar

T = TypeVar("T")

_PACKAGE = Path(__file__).resolve().parent


class LazyPattern:
    """A compiled pattern from the cache, compiled again only when first used.

    Unpickling a re.Pattern recompiles it at once; the hook would then pay for every
    rule's pattern on every run although only the candidate rules' patterns are used.
    """

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern[str] | None = None

    def _get(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)

    def __hash__(self) -> int:
        return hash((self.pattern, self.flags))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (LazyPattern, re.Pattern)):
            return (self.pattern, self.flags) == (other.pattern, other.flags)
        return NotImplemented

    def __reduce__(self) -> tuple[Any, ...]:
        return (LazyPattern, (self.pattern, self.flags))


def _reduce_pattern(p: re.Pattern[str]) -> tuple[Any, ...]:
    return (LazyPattern, (p.pattern, p.flags))


def _dump(value: object, fh: Any) -> None:
    pickler = pickle.Pickler(fh, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = {**copyreg.dispatch_table, re.Pattern: _reduce_pattern}
    pickler.dump(value)


def prune(directory: Path, glob: str, keep: int = 3) -> None:
    """Drop all but the newest `keep` cache files matching `glob` (old rule and code versions)."""
    try:
        found = sorted(directory.glob(glob), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in found[keep:]:
            old.unlink()
    except OSError:
        pass


def store(target: Path, data: bytes) -> None:
    """Write a cache file atomically (concurrent runs see the old file or the whole new one) and prune
    older files of its kind (`<kind>-<key>.<ext>`); a cache that cannot be written only costs time."""
    kind, _, _ = target.name.partition("-")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{kind}-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
        prune(target.parent, f"{kind}-*{target.suffix}")
    except OSError:
        pass


def cache_dir() -> Path | None:
    if os.environ.get("GUARD_NO_CACHE"):
        return None
    explicit = os.environ.get("GUARD_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "guard"


def _code_stamp() -> bytes:
    h = hashlib.sha256(sys.version.encode())
    for path in sorted(_PACKAGE.rglob("*.py")):
        st = path.stat()
        h.update(f"{path.relative_to(_PACKAGE)}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.digest()


def cached(files: list[Path], load: Callable[[], T], *, kind: str = "rules") -> T:
    """`load()`, or its cached result when `files` and guard's code are unchanged."""
    directory = cache_dir()
    if directory is None:
        return load()
    h = hashlib.sha256(_code_stamp())
    for f in files:
        try:
            data = f.read_bytes()
        except OSError:
            return load()
        h.update(f"{f}\0{len(data)}\0".encode())
        h.update(data)
    target = directory / f"{kind}-{h.hexdigest()[:40]}.pickle"
    try:
        with open(target, "rb") as fh:
            value: T = pickle.load(fh)
            return value
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        pass
    value = load()
    tmp: str | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{kind}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            _dump(value, fh)
        os.replace(tmp, target)  # atomic: concurrent hooks see the old file or the whole new one
        prune(directory, f"{kind}-*.pickle")
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return value
