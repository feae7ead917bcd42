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
import hashlib
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_PACKAGE = Path(__file__).resolve().parent


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
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)  # atomic: concurrent hooks see the old file or the whole new one
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    return value
