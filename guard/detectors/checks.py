"""Structural checks a regex rule can demand of its secret: checksums, decodable parts."""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
import string
import zlib
from collections import Counter
from collections.abc import Callable
from urllib.parse import unquote

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
    """A base64 blob (line breaks allowed) that decodes to a Google service-account JSON key."""
    clean = "".join(blob.split()).rstrip("=").replace("+", "-").replace("/", "_")
    data = _b64decode(clean) or _b64decode(clean[: len(clean) - len(clean) % 4])
    if data is None:
        return False
    try:
        obj, _ = json.JSONDecoder().raw_decode(data.decode("utf-8", "replace").lstrip())
    except ValueError:
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


def not_github_crc32(token: str) -> bool:
    """The GitHub token shape whose checksum does not verify: a mistyped, truncated or made-up token."""
    return not github_crc32(token)


_SEQUENCES = ("0123456789", string.ascii_lowercase)
_PLACEHOLDER = re.compile(r"example|sample|dummy|placeholder|changeme|redacted|insert|your[_-]|xxxx|\*\*\*|\.\.\.", re.IGNORECASE)


def _has_run(s: str, n: int = 6) -> bool:
    low = s.lower()
    for seq in _SEQUENCES:
        for i in range(len(seq) - n + 1):
            if seq[i : i + n] in low or seq[i : i + n][::-1] in low:
                return True
    return False


def plausible(secret: str) -> bool:
    """Rejects what a person typed rather than a generator: repeats, runs like 123456, placeholder words."""
    return not_repetitive(secret) and not _has_run(secret) and not _PLACEHOLDER.search(secret)


BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32_GEN = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)


def bech32_polymod(values: list[int]) -> int:
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i, g in enumerate(_BECH32_GEN):
            chk ^= g if (top >> i) & 1 else 0
    return chk


def bech32_hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def bech32(text: str) -> bool:
    """A BIP-173 bech32 string (age keys): human part, separator 1, data with a valid 6-character checksum."""
    s = text.lower()
    if s != text and s.upper() != text:
        return False
    hrp, sep, data = s.rpartition("1")
    if not sep or not hrp or len(data) < 6 or any(c not in BECH32_CHARSET for c in data):
        return False
    return bech32_polymod(bech32_hrp_expand(hrp) + [BECH32_CHARSET.index(c) for c in data]) == 1


def crc16_xmodem(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = (crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def nkey_seed(seed: str) -> bool:
    """A NATS nkey seed: base32 of two prefix bytes, 32 key bytes and a little-endian CRC16 of them."""
    try:
        raw = base64.b32decode(seed + "=" * (-len(seed) % 8))
    except (binascii.Error, ValueError):
        return False
    if len(raw) != 36 or raw[0] >> 3 != 18:
        return False
    return int.from_bytes(raw[-2:], "little") == crc16_xmodem(raw[:-2])


def _b64std(blob: str) -> bytes | None:
    clean = "".join(blob.split())
    try:
        return base64.b64decode(clean + "=" * (-len(clean) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


_PEM_KEY = re.compile(rb"^\s*-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----")


def base64_pem(blob: str) -> bool:
    """A base64 blob (line breaks allowed, possibly cut short) that decodes to a PEM private key."""
    clean = "".join(blob.split()).rstrip("=")
    data = _b64std(clean) or _b64std(clean[: len(clean) - len(clean) % 4])
    return data is not None and _PEM_KEY.match(data) is not None


_PEM_LINE = re.compile(r"-{4,5} ?BEGIN [^-\n]*-{4,5}")
_B64_CHARS = re.compile(r"[A-Za-z0-9+/]+")


def pem_body(block: str) -> bool:
    """A PEM-style block whose body (after the BEGIN line, header lines aside) looks like key material."""
    start = _PEM_LINE.search(block)
    body_text = block[start.end() :] if start else block
    end = body_text.find("-----END")
    if end < 0:
        end = body_text.find("---- END")
    if end >= 0:
        body_text = body_text[:end]
    lines = re.split(r"\\[rn]|\n", body_text)
    body = "".join("".join(_B64_CHARS.findall(ln)) for ln in lines if not re.match(r"\s*[\"']?[A-Za-z][\w-]*: ", ln))
    return len(body) >= 40 and len(set(body)) >= 20 and shannon(body) >= 4.0


_TEMPLATE = re.compile(r"\$\{|\{\{|\$\(|<%|%\(|^\$\w+$|^%\w+%$|^<[^>]*>$|^\[[^\]]*\]$|^\{[^}]*\}$")
_WEAK_WORDS = frozenset(
    {
        "pass",
        "passwd",
        "password",
        "passw0rd",
        "p@ssw0rd",
        "p@ssword",
        "pwd",
        "secret",
        "changeme",
        "change_me",
        "example",
        "test",
        "testing",
        "admin",
        "root",
        "guest",
        "user",
        "username",
        "dummy",
        "sample",
        "redacted",
        "none",
        "null",
        "empty",
        "default",
        "foo",
        "bar",
        "baz",
        "token",
        "apikey",
        "api_key",
        "mypassword",
        "mysecret",
        "yourpassword",
        "your_password",
    }
)


def placeholder_password(password: str) -> bool:
    """True for a password that is a template, a mask or a word from documentation."""
    p = password.strip()
    if not p or _TEMPLATE.search(p) or p.lower() in _WEAK_WORDS:
        return True
    return len(set(p)) <= 2 or (_has_run(p, 5) and len(p) <= 8)


def credential_pair(pair: str) -> bool:
    """`user:password` where the password is set, differs from the user and is not a placeholder.

    A percent-encoded password is judged decoded, word by word: `pass%20pass` is a placeholder.
    """
    user, sep, password = pair.partition(":")
    if not sep or password == user or placeholder_password(password):
        return False
    words = unquote(password).split()
    return not words or not all(placeholder_password(w) for w in words)


_NETRC_PASSWORD = re.compile(r"\bpassword\s+(\S+)\s*$")


def netrc_entry(entry: str) -> bool:
    """A netrc entry (machine ... password P) whose password P is not a placeholder."""
    m = _NETRC_PASSWORD.search(entry)
    return m is not None and not placeholder_password(m.group(1).strip("'\"`,;"))


def userinfo(arg: str) -> bool:
    """A `user:password` argument (quotes allowed, as in curl -u): a real password, or an API key as the user."""
    pair = arg.replace('"', "").replace("'", "")
    user, sep, password = pair.partition(":")
    if not sep:
        return False
    if password:
        return credential_pair(pair)
    return len(user) >= 12 and not placeholder_password(user) and plausible(user) and shannon(user) >= 3.0


def basic_auth(blob: str) -> bool:
    """A base64 HTTP Basic credential: printable `user:password` with a real-looking password."""
    data = _b64std(blob)
    if data is None:
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    user = text.partition(":")[0]
    return text.isprintable() and not any(c in user for c in '"{} ') and credential_pair(text)


CHECKS: dict[str, Callable[[str], bool]] = {
    "base64-pem": base64_pem,
    "base64-service-account": base64_service_account,
    "basic-auth": basic_auth,
    "bech32": bech32,
    "credential-pair": credential_pair,
    "github-crc32": github_crc32,
    "jwt": jwt,
    "luhn": luhn,
    "netrc-entry": netrc_entry,
    "nkey-seed": nkey_seed,
    "pem-body": pem_body,
    "not-github-crc32": not_github_crc32,
    "not-repetitive": not_repetitive,
    "plausible": plausible,
    "userinfo": userinfo,
}
