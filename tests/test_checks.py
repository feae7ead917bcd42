"""Structural checks: each accepts the real shape and rejects near misses."""

from __future__ import annotations

import base64

import pytest
from conftest import token

from guard.detectors import checks


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_github_crc32_accepts_generated_and_rejects_edited() -> None:
    good = token("${gen:github:ghp}", "crc")
    assert checks.github_crc32(good) is True
    assert checks.not_github_crc32(good) is False
    edited = good[:-1] + ("A" if good[-1] != "A" else "B")
    assert checks.github_crc32(edited) is False
    assert checks.not_github_crc32(edited) is True
    assert checks.github_crc32("ghp_short") is False


def test_npm_tokens_share_the_github_checksum() -> None:
    assert checks.github_crc32(token("${gen:github:npm}", "npm")) is True


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("q8ZrT2xVb7LmN4pW9cYs", True),
        ("xxxxxxxxxxxxxxxx", False),
        ("ab12345678cd", False),
        ("Zyxwvu98KqLp", False),
        ("AKIAIOSFODNN7EXAMPLE", False),
        ("your-api-key-goes-here", False),
        ("sk_live_....", False),
    ],
)
def test_plausible(value: str, ok: bool) -> None:
    assert checks.plausible(value) is ok


def test_bech32_age_key() -> None:
    key = token("${gen:age}", "age")
    assert key.startswith("AGE-SECRET-KEY-1") and len(key) == 74
    assert checks.bech32(key) is True
    flipped = key[:-1] + ("Q" if key[-1] != "Q" else "P")
    assert checks.bech32(flipped) is False
    assert checks.bech32(key[:20] + key[20:].lower()) is False  # mixed case is invalid bech32
    assert checks.bech32("AGE-SECRET-KEY-1" + "Q" * 58) is False


def test_nkey_seed_crc16() -> None:
    seed = token("${gen:nkey:U}", "nk")
    assert seed.startswith("SU") and len(seed) == 58
    assert checks.nkey_seed(seed) is True
    assert checks.nkey_seed(seed[:-2] + ("AA" if seed[-2:] != "AA" else "BB")) is False
    assert checks.nkey_seed("SU" + "A" * 56) is False
    assert checks.nkey_seed("not base32!") is False


def test_crc16_xmodem_known_value() -> None:
    assert checks.crc16_xmodem(b"123456789") == 0x31C3


def test_base64_pem() -> None:
    blob = token("${gen:b64-pem:RSA PRIVATE KEY}", "pem")
    assert checks.base64_pem(blob) is True
    wrapped = "\n".join(blob[i : i + 76] for i in range(0, len(blob), 76))
    assert checks.base64_pem(wrapped) is True
    assert checks.base64_pem(b64("-----BEGIN CERTIFICATE-----\nMIIB\n")) is False
    assert checks.base64_pem("LS0tLS1CRUdJTi@@@") is False
    assert checks.base64_pem(blob[:201]) is True  # cut short mid-quantum


def test_pem_body() -> None:
    block = token("${gen:pem:RSA PRIVATE KEY}", "body")
    assert checks.pem_body(block) is True
    escaped = block.replace("\n", "\\n")
    assert checks.pem_body(escaped) is True
    assert checks.pem_body("-----BEGIN PRIVATE KEY-----\n" + "A" * 64 + "\n-----END PRIVATE KEY-----") is False
    assert checks.pem_body("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----") is False
    headers = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,ABCDEF\n\n"
    assert checks.pem_body(headers + token("${gen:b64:96}", "h") + "\n-----END RSA PRIVATE KEY-----") is True


def test_base64_service_account_wrapped_and_trailing() -> None:
    blob = token("${gen:b64-service-account}", "sa")
    assert checks.base64_service_account(blob) is True
    wrapped = "\n".join(blob[i : i + 76] for i in range(0, len(blob), 76))
    assert checks.base64_service_account(wrapped) is True
    assert checks.base64_service_account(b64('{"type": "authorized_user", "private_key": "x"}')) is False


@pytest.mark.parametrize(
    ("pair", "ok"),
    [
        ("deploy:Zq8vT3nLw2", True),
        (":Zq8vT3nLw2", True),
        ("admin:password", False),
        ("postgres:postgres", False),
        ("user:${DB_PASSWORD}", False),
        ("user:$PASSWORD", False),
        ("user:<password>", False),
        ("user:****", False),
        ("user:", False),
        ("nocolon", False),
        ("user:{{ .Values.password }}", False),
        ("user:12345", False),
        ("user:pass%20pass", False),
        ("user:p%40ss%20Zq8vT3nLw2", True),
    ],
)
def test_credential_pair(pair: str, ok: bool) -> None:
    assert checks.credential_pair(pair) is ok


@pytest.mark.parametrize(
    ("arg", "ok"),
    [
        ("'deploy:Zq8vT3nLw2'", True),
        (f'"{token("key-${gen:alnum:24}", "userinfo")}:"', True),
        ('"short:"', False),
        ("'test:test'", False),
        ('"$1:$2"', False),
        ('"${{ env.ID }}:${{ env.PASS }}"', False),
        ('"myusername"', False),
        ('":"', False),
    ],
)
def test_userinfo(arg: str, ok: bool) -> None:
    assert checks.userinfo(arg) is ok


@pytest.mark.parametrize(
    ("entry", "ok"),
    [
        ("machine api.example.com login ci password Zq8vT3nLw2xK", True),
        ("machine example.com login aaaa password bbbb", False),
        ("machine example.com\n  login me\n  password $NETRC_PASSWORD", False),
        ("machine example.com login me password <token>", False),
        ("machine example.com login me", False),
    ],
)
def test_netrc_entry(entry: str, ok: bool) -> None:
    assert checks.netrc_entry(entry) is ok


def test_basic_auth() -> None:
    assert checks.basic_auth(token("${gen:basic:ci}", "basic")) is True
    assert checks.basic_auth(b64("browser:")) is False
    assert checks.basic_auth(b64("user:pass")) is False
    assert checks.basic_auth(b64("no colon here")) is False
    assert checks.basic_auth(base64.b64encode(b"\xff\xfe:\x00\x01").decode()) is False
    assert checks.basic_auth("not base64 !!") is False
    assert checks.basic_auth(b64('{"alg":"HS256","typ":"JWT"}')) is False


def test_every_check_is_registered() -> None:
    assert sorted(checks.CHECKS) == [
        "base64-pem",
        "base64-service-account",
        "basic-auth",
        "bech32",
        "credential-pair",
        "github-crc32",
        "jwt",
        "luhn",
        "netrc-entry",
        "nkey-seed",
        "not-github-crc32",
        "not-repetitive",
        "pem-body",
        "plausible",
        "userinfo",
    ]
