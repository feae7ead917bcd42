"""Expand `${gen:...}` in rule examples into realistic, seeded fake tokens.

Rule files never hold a live-looking credential: examples say `${gen:alnum:36}`
and the tests expand them with a random generator seeded by the rule id, so
every run sees the same tokens and no scanner (guard's own self-scan, GitHub
push protection) finds a token in the repository.

Forms: `${gen:CHARSET:N}` with CHARSET one of CHARSETS; `${gen:github:PREFIX}`
(valid CRC32 suffix); `${gen:jwt}`; `${gen:pem:LABEL}` (a PEM block);
`${gen:uuid}`; `${gen:b64-service-account}`; `${gen:b64:TEXT}` (base64 of TEXT
when TEXT is not a number; `${gen:b64:N}` is N base64-alphabet characters);
`${gen:b64-pem:LABEL}` (base64 of a PEM block); `${gen:basic:USER}` (base64 of
USER:random-password, an HTTP Basic credential); `${gen:age}` (an age secret key
with a valid bech32 checksum); `${gen:nkey:TYPE}` (a NATS nkey seed, TYPE one of
U A O N C X, valid CRC16); `${gen:p12-b64}` (base64 of a PKCS#12 file's opening);
`${gen:jks-b64}` (base64 of a Java keystore's opening).
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import uuid
import zlib
from collections.abc import Callable

from guard.detectors.checks import BECH32_CHARSET
from guard.detectors.checks import base62
from guard.detectors.checks import bech32_hrp_expand
from guard.detectors.checks import bech32_polymod
from guard.detectors.checks import crc16_xmodem

CHARSETS = {
    "alnum": string.ascii_letters + string.digits,
    "alnum-lower": string.ascii_lowercase + string.digits,
    "alnum-upper": string.ascii_uppercase + string.digits,
    "alpha": string.ascii_letters,
    "lower": string.ascii_lowercase,
    "upper": string.ascii_uppercase,
    "digits": string.digits,
    "hex": "0123456789abcdef",
    "hex-upper": "0123456789ABCDEF",
    "b64": string.ascii_letters + string.digits + "+/",
    "b64url": string.ascii_letters + string.digits + "-_",
    "b32": string.ascii_uppercase + "234567",
    "b32-lower": string.ascii_lowercase + "234567",
}

_TOKEN = re.compile(r"\$\{gen:([^}]*)\}")


class GenError(ValueError):
    pass


def _chars(rng: random.Random, alphabet: str, n: int) -> str:
    # Every generated token mixes its alphabet well enough to pass entropy checks.
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _github(rng: random.Random, prefix: str) -> str:
    body = _chars(rng, CHARSETS["alnum"], 30)
    return f"{prefix}_{body}{base62(zlib.crc32(body.encode()), 6)}"


def _jwt(rng: random.Random, _: str) -> str:
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = _b64url(json.dumps({"sub": _chars(rng, string.digits, 10), "iat": 1700000000 + rng.randrange(10**7)}).encode())
    return f"{header}.{payload}.{_b64url(rng.randbytes(32))}"


def _pem(rng: random.Random, label: str) -> str:
    body = base64.b64encode(rng.randbytes(48 * 8)).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])


def _uuid(rng: random.Random, _: str) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _service_account(rng: random.Random, _: str) -> str:
    doc = {
        "type": "service_account",
        "project_id": f"demo-{_chars(rng, CHARSETS['alnum-lower'], 6)}",
        "private_key_id": _chars(rng, CHARSETS["hex"], 40),
        "private_key": _pem(rng, "PRIVATE KEY") + "\n",
        "client_email": "svc@demo.iam.gserviceaccount.com",
    }
    return base64.b64encode(json.dumps(doc).encode()).decode()


def _b64(_: random.Random, text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _b64_pem(rng: random.Random, label: str) -> str:
    return base64.b64encode((_pem(rng, label) + "\n").encode()).decode()


def _basic(rng: random.Random, user: str) -> str:
    password = _chars(rng, CHARSETS["alnum"], 16)
    return base64.b64encode(f"{user or 'deploy'}:{password}".encode()).decode()


def _age(rng: random.Random, _: str) -> str:
    hrp = "age-secret-key-"
    bits = int.from_bytes(rng.randbytes(32), "big") << 4  # 256 bits padded to 52 groups of 5
    data = [(bits >> (5 * i)) & 31 for i in reversed(range(52))]
    poly = bech32_polymod(bech32_hrp_expand(hrp) + data + [0] * 6) ^ 1
    checksum = [(poly >> 5 * (5 - i)) & 31 for i in range(6)]
    return (hrp + "1" + "".join(BECH32_CHARSET[d] for d in data + checksum)).upper()


_NKEY_TYPES = {"U": 20, "A": 0, "O": 14, "N": 13, "C": 2, "X": 23}


def _nkey(rng: random.Random, kind: str) -> str:
    if kind not in _NKEY_TYPES:
        raise GenError(f"${{gen:nkey:{kind}}}: type must be one of {' '.join(_NKEY_TYPES)}")
    prefix = _NKEY_TYPES[kind] << 3
    raw = bytes([18 << 3 | prefix >> 5, (prefix & 31) << 3]) + rng.randbytes(32)
    raw += crc16_xmodem(raw).to_bytes(2, "little")
    return base64.b32encode(raw).decode().rstrip("=")


def _der_len(n: int) -> bytes:
    return bytes([0x82, n >> 8, n & 0xFF])


def _p12_b64(rng: random.Random, _: str) -> str:
    body = rng.randbytes(600)
    oid_data = bytes.fromhex("06092a864886f70d010701")
    inner = oid_data + b"\xa0" + _der_len(len(body) + 4) + b"\x04" + _der_len(len(body)) + body
    auth_safe = b"\x30" + _der_len(len(inner)) + inner
    pfx = b"\x02\x01\x03" + auth_safe
    return base64.b64encode(b"\x30" + _der_len(len(pfx)) + pfx).decode()


def _jks_b64(rng: random.Random, _: str) -> str:
    return base64.b64encode(bytes.fromhex("feedfeed00000002") + rng.randbytes(600)).decode()


SPECIAL: dict[str, Callable[[random.Random, str], str]] = {
    "github": _github,
    "jwt": _jwt,
    "pem": _pem,
    "uuid": _uuid,
    "b64-service-account": _service_account,
    "b64": _b64,
    "b64-pem": _b64_pem,
    "basic": _basic,
    "age": _age,
    "nkey": _nkey,
    "p12-b64": _p12_b64,
    "jks-b64": _jks_b64,
}


def _one(rng: random.Random, spec: str) -> str:
    kind, _, arg = spec.partition(":")
    if kind in CHARSETS and (arg.isdigit() or kind not in SPECIAL):
        if not arg.isdigit() or not 0 < int(arg) <= 4096:
            raise GenError(f"${{gen:{spec}}}: length must be a number from 1 to 4096")
        return _chars(rng, CHARSETS[kind], int(arg))
    if kind in SPECIAL:
        return SPECIAL[kind](rng, arg)
    raise GenError(f"${{gen:{spec}}}: unknown generator {kind!r}")


def expand(template: str, seed: str) -> str:
    """Replace every `${gen:...}` in `template`; the same seed gives the same text."""
    rng = random.Random(seed)
    return _TOKEN.sub(lambda m: _one(rng, m.group(1)), template)


def check(template: str) -> str | None:
    """An error message for a malformed template, or None."""
    try:
        expand(template, "check")
    except GenError as e:
        return str(e)
    return None
