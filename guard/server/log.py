"""The audit log: one JSON object per line, appended under an exclusive lock.

Every server decision goes through `log_event`, so a later change (hash
chaining, shipping to a collector) has one place to go. Events hold redacted
values and fingerprints, never a secret.
"""

from __future__ import annotations

import fcntl
import json
import os
from datetime import datetime
from datetime import timezone
from pathlib import Path
from typing import Any


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def log_event(path: Path, event: dict[str, Any]) -> None:
    """Append `event` (with a `time` if it has none) as one line; raises OSError on failure."""
    record = {"time": now(), **event}
    line = json.dumps(record, ensure_ascii=False, sort_keys=False, separators=(",", ":")) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            data = line.encode("utf-8", "backslashreplace")
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
            os.fsync(fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def read_events(path: Path) -> list[dict[str, Any]]:
    """Every event in the log, oldest first (for tests and tooling)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
