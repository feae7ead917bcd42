"""Expand `${gen:...}` in rule examples into realistic, seeded fake tokens.

Rule files never hold a live-looking credential: examples say `${gen:alnum:36}`
and the tests expand them with a random generator seeded by the rule id, so
every run sees the same tokens and no scanner (guard's own self-scan, GitHub
push protection) finds a token in the repository.

Forms: `${gen:CHARSET:N}` with CHARSET one of CHARSETS; `${gen:github:PREFIX}`
(valid CRC32 suffix); `${gen:jwt}`; `${gen:pem:LABEL}` (a PEM block);
`${gen:uuid}`; `${gen:b64-service-account}`; `${gen:b64:TEXT}` (base64 of TEXT).
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

from guard.detectors.checks import base62

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


SPECIAL: dict[str, Callable[[random.Random, str], str]] = {
    "github": _github,
    "jwt": _jwt,
    "pem": _pem,
    "uuid": _uuid,
    "b64-service-account": _service_account,
    "b64": _b64,
}


def _one(rng: random.Random, spec: str) -> str:
    kind, _, arg = spec.partition(":")
    if kind in CHARSETS:
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
