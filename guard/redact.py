"""The one place that masks secrets: every output goes through here."""

from __future__ import annotations

MASK = "*" * 8


def redact(secret: str) -> str:
    """Keep at most a quarter of the secret (never more than 4 characters), mask the rest.

    The mask has a fixed length, so the output does not reveal the secret's length.
    """
    first = secret.strip().splitlines()[0] if secret.strip() else ""
    keep = min(4, len(first) // 4)
    return first[:keep] + MASK
