from __future__ import annotations

from guard.cli import entry

entry()
