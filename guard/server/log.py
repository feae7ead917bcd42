"""The audit log: one JSON object per line, appended under an exclusive lock.

Every server decision goes through `log_event`, which appends through
guard/audit.py: each line is chained to the previous one by SHA-256
(`guard audit verify` checks the chain). Events hold redacted
values and fingerprints, never a secret.
"""

from __future__ import annotations

import json
from datetime import datetime
from datetime import timezone
from pathlib import Path
from typing import Any

from guard import audit


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def log_event(path: Path, event: dict[str, Any]) -> None:
    """Append `event` (with a `time` if it has none) as the next hash-chained entry (guard/audit.py); raises OSError."""
    audit.append(path, {"time": now(), **event})


def read_events(path: Path) -> list[dict[str, Any]]:
    """Every event in the log, oldest first (for tests and tooling)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
