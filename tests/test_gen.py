"""The example generator: deterministic, well-formed, and rejecting malformed specs."""

from __future__ import annotations

import base64
import re

import pytest

from guard import gen
from guard.detectors import checks


def test_same_seed_same_text() -> None:
    template = "a=${gen:alnum:12} b=${gen:hex:8}"
    assert gen.expand(template, "s") == gen.expand(template, "s")
    assert gen.expand(template, "s") != gen.expand(template, "t")


@pytest.mark.parametrize(
    ("spec", "shape"),
    [
        ("${gen:hex:16}", r"[0-9a-f]{16}"),
        ("${gen:b32:10}", r"[A-Z2-7]{10}"),
        ("${gen:uuid}", r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"),
        ("${gen:github:ghp}", r"ghp_[0-9A-Za-z]{36}"),
        ("${gen:age}", r"AGE-SECRET-KEY-1[0-9A-Z]{58}"),
        ("${gen:nkey:A}", r"SA[A-Z2-7]{56}"),
        ("${gen:nkey:O}", r"SO[A-Z2-7]{56}"),
        ("${gen:p12-b64}", r"MII[A-Za-z0-9+/]{2}[AQgw]IBAzCC[A-Za-z0-9+/]{3}GCSqGSIb3DQEHAaCC[A-Za-z0-9+/=]+"),
        ("${gen:jks-b64}", r"/u3\+7QAAAA[IJKL][A-Za-z0-9+/=]+"),
        ("${gen:b64:hello}", r"aGVsbG8="),
        ("${gen:b64:12}", r"[A-Za-z0-9+/]{12}"),
    ],
)
def test_shapes(spec: str, shape: str) -> None:
    assert re.fullmatch(shape, gen.expand(spec, "shape"))


def test_generated_values_pass_their_checks() -> None:
    for seed in ("a", "b", "c"):
        assert checks.github_crc32(gen.expand("${gen:github:gho}", seed))
        assert checks.bech32(gen.expand("${gen:age}", seed))
        assert checks.nkey_seed(gen.expand("${gen:nkey:U}", seed))
        assert checks.base64_pem(gen.expand("${gen:b64-pem:EC PRIVATE KEY}", seed))
        assert checks.basic_auth(gen.expand("${gen:basic:svc}", seed))
        assert checks.base64_service_account(gen.expand("${gen:b64-service-account}", seed))
        assert checks.jwt(gen.expand("${gen:jwt}", seed))


def test_basic_uses_the_given_user() -> None:
    user, _, password = base64.b64decode(gen.expand("${gen:basic:ci-bot}", "u")).decode().partition(":")
    assert user == "ci-bot"
    assert re.fullmatch(r"[0-9A-Za-z]{16}", password)


def test_b64_pem_wraps_a_pem_block() -> None:
    text = base64.b64decode(gen.expand("${gen:b64-pem:OPENSSH PRIVATE KEY}", "p")).decode()
    assert text.startswith("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    assert text.endswith("-----END OPENSSH PRIVATE KEY-----\n")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("${gen:alnum:0}", "${gen:alnum:0}: length must be a number from 1 to 4096"),
        ("${gen:hex:x}", "${gen:hex:x}: length must be a number from 1 to 4096"),
        ("${gen:nope:3}", "${gen:nope:3}: unknown generator 'nope'"),
        ("${gen:nkey:Q}", "${gen:nkey:Q}: type must be one of U A O N C X"),
    ],
)
def test_check_reports_malformed(template: str, message: str) -> None:
    assert gen.check(template) == message


def test_check_accepts_good_template() -> None:
    assert gen.check("k=${gen:age} ${gen:p12-b64}") is None
