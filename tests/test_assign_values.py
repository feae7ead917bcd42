"""Name matching and value judgement of the assignment detector, as tables."""

from __future__ import annotations

import pytest
from conftest import token

from guard.detectors.assign.names import classify
from guard.detectors.assign.names import words
from guard.detectors.assign.values import judge

NAMES = [
    ("dbPassword", "password", True),
    ("DB_PASS", "password", True),
    ("MYSQLPASS", "password", True),
    ("my_pw", "password", True),
    ("X3_PSWD", "password", True),
    ("passwd", "password", True),
    ("x-api-key", "api-key", True),
    ("apiKey", "api-key", True),
    ("AWS_ACCESS_KEY", "api-key", True),
    ("stripe_key", "api-key", False),
    ("key", "api-key", False),
    ("secretKey", "secret", True),
    ("client_secret", "secret", True),
    ("private_key", "secret", True),
    ("credentials", "secret", True),
    ("auth_token", "token", True),
    ("github_token", "token", True),
    ("token", "token", False),
    ("Authorization", "token", False),
    ("--super-secret_token", "token", True),
]


@pytest.mark.parametrize(("name", "kind", "strong"), NAMES)
def test_credential_names(name: str, kind: str, strong: bool) -> None:
    info = classify(name)
    assert info is not None
    assert (info.kind, info.strong) == (kind, strong)


NOT_NAMES = [
    "passwordField", "password_min_length", "hashed_password", "password_reset", "keyboard", "monkey", "tokenizer",
    "secretary", "author", "passport", "bypass", "token_expiry", "max_tokens", "next_token", "api_key_id", "public_key",
    "cache_key", "primary_key", "secretName", "secretKeyRef", "key_down_event", "nonMatchingToken", "authenticity_token",
    "AUTH0_DOMAIN", "csrf_token",
]  # fmt: skip


@pytest.mark.parametrize("name", NOT_NAMES)
def test_not_credential_names(name: str) -> None:
    assert classify(name) is None


def test_words_split_camel_snake_kebab_and_digits() -> None:
    assert words("dbPassword") == ("db", "password")
    assert words("X-API-KEY") == ("x", "api", "key")
    assert words("HTTPBasicAuth2") == ("http", "basic", "auth", "2")


PASSWORD = classify("password")
TOKEN = classify("token")
API_KEY = classify("api_key")
SECRET = classify("client_secret")
MACHINE = token("${gen:alnum:32}", "values-machine")
PLAUSIBLE = token("${gen:alnum:10}", "values-plausible")

# (name, value, literal, confidence or None, reason)
VALUES = [
    (PASSWORD, PLAUSIBLE, True, "high", "password with a 10-char value with 3 character classes"),
    (PASSWORD, MACHINE, True, "high", "password with a machine-like value (32 chars)"),
    (PASSWORD, "hunter2!", True, "high", "password with a 8-char value with 3 character classes"),
    (PASSWORD, "hunter22", True, "medium", "password with a 8-char value with 2 character classes"),
    (PASSWORD, "sunshine", True, "low", "password with a word-like value"),
    (PASSWORD, "Password123", True, "low", "password with a common word and digits"),
    (PASSWORD, "sunshine", False, None, "a bare word, likely an identifier"),
    (PASSWORD, "abc", True, None, "too short"),
    (PASSWORD, "", True, None, "too short"),
    (PASSWORD, "changeme", True, None, "a placeholder"),
    (PASSWORD, "<your-password>", True, None, "a template or variable placeholder"),
    (PASSWORD, "${DB_PASSWORD}", True, None, "a template or variable placeholder"),
    (PASSWORD, "{{ db_password }}", True, None, "a template or variable placeholder"),
    (PASSWORD, "%(password)s", True, None, "a template or variable placeholder"),
    (PASSWORD, "$DB_PASSWORD", True, None, "a template or variable placeholder"),
    (PASSWORD, "xxxxxxxx", True, None, "a placeholder"),
    (PASSWORD, "********", True, None, "a placeholder"),
    (PASSWORD, "example-password", True, None, "a placeholder"),
    (PASSWORD, "dummy", True, None, "a placeholder"),
    (PASSWORD, "test", True, None, "a placeholder"),
    (PASSWORD, "sample123", True, None, "a placeholder"),
    (PASSWORD, "REDACTED", True, None, "a placeholder"),
    (PASSWORD, "none", True, None, "a placeholder"),
    (PASSWORD, "null", True, None, "a boolean or null"),
    (PASSWORD, "true", True, None, "a boolean or null"),
    (PASSWORD, "os.environ['DB_PASSWORD']", True, None, "a reference to the environment or configuration"),
    (PASSWORD, "process.env.DB_PASSWORD", True, None, "a reference to the environment or configuration"),
    (PASSWORD, "getenv(DB_PASSWORD)", True, None, "a reference to the environment or configuration"),
    (PASSWORD, "get_password()", False, None, "an expression, not a literal"),
    (PASSWORD, "user.password", True, None, "an expression, not a literal"),
    (PASSWORD, "db_password", True, None, "names a credential or variable rather than holding one"),
    (PASSWORD, "DB_PASSWORD", True, None, "names a credential or variable rather than holding one"),
    (PASSWORD, "/run/secrets/db_password", True, None, "a file path"),
    (PASSWORD, "secrets/db.txt", True, None, "a file path"),
    (PASSWORD, "https://vault.internal/v1/db", True, None, "a URL"),
    (PASSWORD, "$2b$12$" + "a" * 53, True, None, "a password hash, not the password"),
    (PASSWORD, "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", True, None, "a password hash, not the password"),
    (PASSWORD, "1.2.3", True, None, "a version, number or date"),
    (PASSWORD, "0x0dead1beef7cafe2", True, None, "a version, number or date"),
    (PASSWORD, "12345678", True, None, "a repeated or sequential pattern"),
    (PASSWORD, "abcd1234abcd1234", True, None, "a repeated or sequential pattern"),
    (PASSWORD, "must contain a digit", True, None, "prose"),
    (PASSWORD, "admin@example.com", True, None, "a placeholder"),
    (PASSWORD, "ops@corp.io", True, None, "an e-mail address or host name"),
    (TOKEN, MACHINE, True, "medium", "token with a machine-like value (32 chars)"),
    (TOKEN, "Bearer " + MACHINE, True, "medium", "token with a machine-like value (32 chars)"),
    (TOKEN, "hello-world", True, None, "weak name (token) without a machine-like value"),
    (TOKEN, "xoxb-" + MACHINE, True, None, "a provider token format: left to that provider's rule"),
    (API_KEY, MACHINE, True, "high", "api key with a machine-like value (32 chars)"),
    (API_KEY, "550e8400-e29b-41d4-a716-446655440000", True, "high", "api key with a machine-like value (36 chars)"),
    (classify("key"), "550e8400-e29b-41d4-a716-446655440000", True, None, "a UUID under a bare key name: an identifier"),
    (classify("key"), "jetbrains.mps.v8_elimination", True, None, "weak name (key) without a machine-like value"),
    (SECRET, "sunshine", True, None, "client secret with a word-like value"),
    (SECRET, "open-sesame", True, None, "client secret with a word-like value"),
    (PASSWORD, "open-sesame", True, "low", "password with a word-like value"),
    (PASSWORD, "(?:key|pwd|password)", True, None, "a regular expression"),
    (SECRET, "s3cr", True, None, "client secret with a 4-char value with 2 character classes"),
]


@pytest.mark.parametrize(("info", "value", "literal", "confidence", "reason"), VALUES, ids=[f"{v[1][:20]}" for v in VALUES])
def test_value_judgement(info: object, value: str, literal: bool, confidence: str | None, reason: str) -> None:
    assert info is not None
    verdict = judge(value, info, literal=literal)  # type: ignore[arg-type]
    assert (verdict.confidence.label if verdict.confidence is not None else None, verdict.reason) == (confidence, reason)


def test_value_repeating_its_name() -> None:
    info = classify("htpasswd")
    assert info is not None
    assert judge("htpasswd", info, called="htpasswd").reason == "repeats its own name"
