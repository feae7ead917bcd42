"""The assignment detector in every language and format it reads: exact rule, line, confidence and value."""

from __future__ import annotations

import pytest
from conftest import token

from guard.model import Finding
from guard.rulecheck import change_for
from guard.rules import load_builtin
from guard.scan import Engine
from guard.scan import fingerprint

GENERIC = tuple(r for r in load_builtin() if r.id.startswith("secret.generic-"))
PW = token("${gen:alnum:14}", "assign-pw")  # a password-like value: 14 chars, three character classes
KEY = token("${gen:alnum:32}", "assign-key")  # a machine-made value


def scan(path: str, text: str) -> tuple[Finding, ...]:
    return Engine(GENERIC).scan_change(change_for(path, text.replace("{pw}", PW).replace("{key}", KEY))).findings


# (path, text, rule, line, confidence, value): one positive per language or format.
POSITIVE = [
    ("app/settings.py", 'import os\nDB_PASSWORD = "{pw}"\n', "secret.generic-password", 2, "high", PW),
    ("app/db.py", 'def connect(host, passwd: str = "{pw}"):\n    pass\n', "secret.generic-password", 1, "high", PW),
    ("src/config.js", 'module.exports = {\n  apiKey: "{key}",\n};\n', "secret.generic-api-key", 2, "high", KEY),
    ("src/auth.ts", 'export const password: string = "{pw}";\n', "secret.generic-password", 1, "high", PW),
    ("src/App.tsx", 'const client = new Client({ accessToken: "{key}" });\n', "secret.generic-token", 1, "high", KEY),
    ("cmd/main.go", 'package main\n\nvar cfg = Config{Password: "{pw}"}\n', "secret.generic-password", 3, "high", PW),
    ("src/Db.java", 'class Db {\n  void init() { ds.setPassword("{pw}"); }\n}\n', "secret.generic-password", 2, "high", PW),
    ("config/app.rb", 'Rails.application.config.client_secret = "{key}"\n', "secret.generic-secret", 1, "high", KEY),
    ("wp-config.php", "<?php\ndefine('DB_PASSWORD', '{pw}');\n", "secret.generic-password", 2, "high", PW),
    ("src/Options.cs", 'var o = new Options { ApiKey = "{key}" };\n', "secret.generic-api-key", 1, "high", KEY),
    ("app/Main.kt", 'val authToken: String = "{key}"\n', "secret.generic-token", 1, "high", KEY),
    ("src/main.rs", 'fn main() {\n    let client_secret = String::from("{key}");\n}\n', "secret.generic-secret", 2, "high", KEY),
    ("deploy.sh", "#!/bin/sh\nexport DB_PASSWORD={pw}\n", "secret.generic-password", 2, "high", PW),
    ("config.yaml", "db:\n  host: localhost\n  password: {pw}\n", "secret.generic-password", 3, "high", PW),
    ("config.json", '{\n  "name": "app",\n  "api_key": "{key}"\n}\n', "secret.generic-api-key", 3, "high", KEY),
    ("config.toml", '[database]\npassword = "{pw}"\n', "secret.generic-password", 2, "high", PW),
    ("main.tf", 'resource "db" "main" {\n  password = "{pw}"\n}\n', "secret.generic-password", 2, "high", PW),
    (".env", "APP_NAME=shop\nSTRIPE_KEY={key}\n", "secret.generic-api-key", 2, "medium", KEY),
    ("src/main/resources/application.properties", "spring.datasource.password={pw}\n", "secret.generic-password", 1, "high", PW),
    ("setup.cfg", "[db]\nuser = app\npassword = {pw}\n", "secret.generic-password", 3, "high", PW),
    ("web.config", '<settings>\n<add key="DbPassword" value="{pw}"/>\n</settings>', "secret.generic-password", 2, "high", PW),
    ("pom.xml", "<server>\n  <password>{pw}</password>\n</server>\n", "secret.generic-password", 2, "high", PW),
    ("Dockerfile", "FROM alpine\nENV API_TOKEN {key}\n", "secret.generic-token", 2, "high", KEY),
    ("README.txt", "Connect with: mysql -u root -p{pw} shop\n", "secret.generic-password", 1, "high", PW),
]


@pytest.mark.parametrize(("path", "text", "rule", "line", "confidence", "value"), POSITIVE, ids=[p[0] for p in POSITIVE])
def test_reports_the_bound_value(path: str, text: str, rule: str, line: int, confidence: str, value: str) -> None:
    found = scan(path, text)
    assert [(f.rule_id, f.line, f.confidence.label) for f in found] == [(rule, line, confidence)]
    assert found[0].fingerprint == fingerprint(rule, path, value)


# One negative per language or format: the value is a reference, a placeholder, or the name is not a credential.
NEGATIVE = [
    ("app/settings.py", 'DB_PASSWORD = os.environ["DB_PASSWORD"]\npassword_min_length = 12\n'),
    ("src/config.js", "const apiKey = process.env.API_KEY;\nconst keyboard = 'qwerty-layout';\n"),
    ("src/auth.ts", 'const passwordField: string = "password";\n'),
    ("cmd/main.go", 'package main\n\nvar password = os.Getenv("PASSWORD")\n'),
    ("src/Db.java", 'class Db { String password = System.getenv("DB_PASSWORD"); }\n'),
    ("config/app.rb", 'config.client_secret = ENV.fetch("CLIENT_SECRET")\n'),
    ("index.php", "<?php\n$password = $_POST['password'];\n"),
    ("src/Options.cs", 'var o = new Options { ApiKey = Configuration["ApiKey"] };\n'),
    ("app/Main.kt", "val token = BuildConfig.API_TOKEN\nval maxTokens = 4096\n"),
    ("src/main.rs", 'let client_secret = env::var("CLIENT_SECRET")?;\n'),
    ("deploy.sh", 'export DB_PASSWORD="$(vault read -field=password secret/db)"\n'),
    ("config.yaml", "db:\n  password: ${DB_PASSWORD}\n  secretName: db-credentials\n"),
    ("config.json", '{"api_key": "{{ api_key }}", "token_expiry": "3600"}\n'),
    ("config.toml", '[database]\npassword = "changeme"\n'),
    ("main.tf", 'resource "db" "main" {\n  password = var.db_password\n}\n'),
    (".env", "DB_PASSWORD=\nSECRET_KEY=<your-secret-key>\n"),
    ("application.properties", "spring.datasource.password=${DB_PASSWORD}\n"),
    ("setup.cfg", "[db]\npassword = %(DB_PASSWORD)s\n"),
    ("web.config", "<password>${db.password}</password>\n"),
    ("Dockerfile", "FROM alpine\nARG NPM_TOKEN\nENV NPM_TOKEN=$NPM_TOKEN\n"),
    ("notes.md", "The password must be at least 12 characters.\nRotate the token every 90 days.\n"),
]


@pytest.mark.parametrize(("path", "text"), NEGATIVE, ids=[n[0] for n in NEGATIVE])
def test_reports_nothing(path: str, text: str) -> None:
    assert [(f.rule_id, f.line) for f in scan(path, text)] == []


def test_reason_names_the_binding_and_the_judgement() -> None:
    (f,) = scan("app/settings.py", 'DB_PASSWORD = "{pw}"\n')
    assert f.confidence_reason == "DB_PASSWORD bound to a string literal in python: password with a machine-like value (14 chars)"
    assert PW not in f.confidence_reason


def test_a_weak_name_needs_a_machine_made_value() -> None:
    assert [(f.rule_id, f.line, f.confidence.label) for f in scan("app/a.py", 'token = "{key}"\ntoken2 = "hello-world"\n')] == [
        ("secret.generic-token", 1, "medium")
    ]


def test_word_like_password_is_low_confidence() -> None:
    assert [(f.rule_id, f.line, f.confidence.label) for f in scan("app/a.py", 'password = "sunshine"\n')] == [
        ("secret.generic-password", 1, "low")
    ]


def test_comparison_and_fallback_bind_a_literal() -> None:
    text = 'if password == "{pw}":\n    pass\nsecret = os.environ.get("SECRET") or "{key}"\n'
    assert [(f.rule_id, f.line) for f in scan("app/a.py", text)] == [("secret.generic-password", 1), ("secret.generic-secret", 3)]


def test_connection_string_inside_a_literal() -> None:
    text = 'conn = "Server=db;User Id=sa;Password={pw};"\n'
    found = scan("src/Repo.cs", text)
    assert [(f.rule_id, f.line, f.column) for f in found] == [("secret.generic-password", 1, 39)]
    assert found[0].fingerprint == fingerprint("secret.generic-password", "src/Repo.cs", PW)


def test_kubernetes_env_name_and_value() -> None:
    text = "env:\n  - name: DB_PASSWORD\n    value: {pw}\n  - name: LOG_LEVEL\n    value: debug\n"
    assert [(f.rule_id, f.line) for f in scan("k8s/deploy.yaml", text)] == [("secret.generic-password", 3)]


def test_sealed_secret_values_are_encrypted() -> None:
    text = "kind: SealedSecret\nspec:\n  encryptedData:\n    PASSWORD: {key}\n"
    assert scan("k8s/sealed.yaml", text) == ()


def test_broken_syntax_falls_back_to_lines() -> None:
    text = 'password = "{pw}"\n{% if x %}\n  token: {{ x }\n'
    assert [(f.rule_id, f.line) for f in scan("templates/values.yaml", text)] == [("secret.generic-password", 1)]


def test_a_grammar_that_cannot_load_falls_back_to_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    from guard.detectors.assign import extract

    def broken(*_: object) -> None:
        raise ImportError("no grammar")

    monkeypatch.setattr(extract, "pairs", broken)
    assert [(f.rule_id, f.line) for f in scan("app/settings.py", 'DB_PASSWORD = "{pw}"\n')] == [("secret.generic-password", 1)]


def test_unknown_extension_is_read_as_text() -> None:
    text = 'val dbPassword: String = "{pw}"\nval passwordHint = "twelve characters"\n'
    assert [(f.rule_id, f.line) for f in scan("src/Main.scala", text)] == [("secret.generic-password", 1)]


def test_a_credential_in_a_docstring_warns_and_the_same_in_code_blocks() -> None:
    text = (
        "def sign(request):\n"
        '    """Build the base string, e.g. for the header fields::\n'
        "\n"
        '            oauth_token="{key}",\n'
        '    """\n'
        '    oauth_token = "{key}"\n'
        "    return request\n"
    )
    found = [(f.rule_id, f.line, f.confidence.label, f.fingerprint) for f in scan("auth/sign.py", text)]
    print_ = fingerprint("secret.generic-token", "auth/sign.py", KEY)
    assert found == [("secret.generic-token", 4, "medium", print_), ("secret.generic-token", 6, "high", print_)]
    (docs,) = [f for f in scan("auth/sign.py", text) if f.line == 4]
    assert docs.confidence_reason.endswith("; lowered: in a docstring")
