"""Structural checks a regex rule can demand of its secret: checksums, decodable parts."""

from __future__ import annotations

import base64
import binascii
import json
import math
import zlib
from collections import Counter
from collections.abc import Callable

_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def shannon(s: str) -> float:
    """Shannon entropy in bits per character."""
    if not s:
        return 0.0
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def base62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _B62[r] + out
    return out.rjust(width, "0")


def github_crc32(token: str) -> bool:
    """GitHub's 2021 token format: prefix_, 30 random base62 chars, 6-char base62 CRC32 of them."""
    _, _, body = token.partition("_")
    if len(body) != 36:
        return False
    return base62(zlib.crc32(body[:30].encode()), 6) == body[30:]


def _b64decode(part: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None


def jwt(token: str) -> bool:
    """Header and payload decode to JSON objects and the header names an algorithm."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    decoded = [_b64decode(p) for p in parts[:2]]
    try:
        header, payload = (json.loads(d) if d is not None else None for d in decoded)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(header, dict) and "alg" in header and isinstance(payload, dict)


def base64_service_account(blob: str) -> bool:
    """A base64 blob that decodes to a Google service-account JSON key."""
    data = _b64decode(blob.replace("+", "-").replace("/", "_").rstrip("="))
    if data is None:
        return False
    try:
        obj = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(obj, dict) and obj.get("type") == "service_account" and "private_key" in obj


def luhn(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) < 12:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def not_repetitive(secret: str) -> bool:
    """Rejects runs like xxxxxxxx, 12345678, abcdefgh and ones dominated by one character."""
    s = secret.lower()
    if len(set(s)) <= 2:
        return False
    for seq in ("0123456789", "abcdefghijklmnopqrstuvwxyz"):
        if len(s) >= 8 and s[:8] in seq:
            return False
    top = Counter(s).most_common(1)[0][1]
    return top / len(s) < 0.5


CHECKS: dict[str, Callable[[str], bool]] = {
    "base64-service-account": base64_service_account,
    "github-crc32": github_crc32,
    "jwt": jwt,
    "luhn": luhn,
    "not-repetitive": not_repetitive,
}
