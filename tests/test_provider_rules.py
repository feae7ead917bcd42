"""Provider rules end to end: real files staged in a real repository, scanned through the CLI.

Only findings of this batch's rule files are compared, so generic rules elsewhere in the
rule set can change without breaking these exact-value tests; the exit code is checked
where one of these findings blocks.
"""

from __future__ import annotations

import json
from typing import Any

from conftest import ROOT
from conftest import Repo
from conftest import token

from guard.model import Category
from guard.rules import load_file

FILES = ("cloud", "vcs", "ci", "registries", "infra", "keys", "urls")
MINE = frozenset(r.id for name in FILES for r in load_file(ROOT / "rules" / "secrets" / f"{name}.toml", Category.SECRET))


def scan_staged(repo: Repo, run_guard: Any) -> tuple[int, list[dict[str, Any]], str]:
    repo.git("add", ".")
    r = run_guard("scan", "--staged", "--format", "json", cwd=repo.path)
    doc = json.loads(r.out)
    found = [f for f in doc["findings"] if f["rule_id"] in MINE]
    return r.code, found, r.out + r.err


def summary(found: list[dict[str, Any]]) -> list[tuple[str, str, int, int, str, str]]:
    return sorted((f["rule_id"], f["path"], f["line"], f["end_line"], f["confidence"], f["action"]) for f in found)


def test_env_file_with_aws_key_pair(repo: Repo, run_guard: Any) -> None:
    key_id = token("AKIA${gen:b32:16}", "aws-id")
    secret = token("${gen:b64:40}", "aws-secret")
    repo.write(".env", f"AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={secret}\nAWS_REGION=eu-west-1\n")
    code, found, out = scan_staged(repo, run_guard)
    assert code == 1
    assert summary(found) == [
        ("secret.aws-access-key-id", ".env", 1, 1, "medium", "warn"),
        ("secret.aws-secret-access-key", ".env", 2, 2, "high", "block"),
    ]
    assert [f["secret"] for f in sorted(found, key=lambda f: f["line"])] == ["AKIA********", secret[:4] + "********"]
    assert key_id not in out and secret not in out


def test_pem_key_is_one_finding_at_its_begin_line(repo: Repo, run_guard: Any) -> None:
    body = [token("${gen:b64:64}", f"pem-{i}") for i in range(6)]
    pem = ["-----BEGIN RSA PRIVATE KEY-----", *body, "-----END RSA PRIVATE KEY-----"]
    repo.write("deploy/id_rsa", "\n".join(["# deploy key", "", *pem, "", "# end"]) + "\n")
    code, found, out = scan_staged(repo, run_guard)
    assert code == 1
    assert summary(found) == [("secret.private-key-rsa", "deploy/id_rsa", 3, 10, "high", "block")]
    assert found[0]["secret"] == "----********"
    assert body[0] not in out


def test_pem_key_inside_a_json_string(repo: Repo, run_guard: Any) -> None:
    body = token("${gen:b64:64}", "json-pem")
    key = f"-----BEGIN PRIVATE KEY-----\\n{body}\\n{body[::-1]}\\n-----END PRIVATE KEY-----\\n"
    repo.write("config/app.json", '{\n  "name": "app",\n  "signing_key": "' + key + '"\n}\n')
    code, found, _ = scan_staged(repo, run_guard)
    assert code == 1
    assert summary(found) == [("secret.private-key-pkcs8", "config/app.json", 3, 3, "high", "block")]


def test_database_urls_placeholders_are_ignored(repo: Repo, run_guard: Any) -> None:
    repo.write(
        "docker-compose.yml",
        "services:\n"
        "  api:\n"
        "    environment:\n"
        "      DATABASE_URL: postgres://app:password@db:5432/app\n"
        "      CACHE_URL: redis://:${REDIS_PASSWORD}@cache:6379/0\n"
        "      REPLICA_URL: postgres://postgres:postgres@replica:5432/app\n"
        "      DOCS_URL: https://user:<password>@example.com/\n",
    )
    _, found, _ = scan_staged(repo, run_guard)
    assert summary(found) == []


def test_database_url_with_real_password(repo: Repo, run_guard: Any) -> None:
    password = token("${gen:alnum:20}", "pg")
    repo.write("settings.py", f'DATABASES_URL = "postgresql://orders:{password}@db.internal:5432/orders"\n')
    code, found, out = scan_staged(repo, run_guard)
    assert code == 1
    assert summary(found) == [("secret.postgres-uri-password", "settings.py", 1, 1, "high", "block")]
    assert found[0]["secret"] == "orde********"
    assert password not in out


def test_github_token_with_bad_checksum_only_warns(repo: Repo, run_guard: Any) -> None:
    good = token("${gen:github:ghp}", "gh")
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    repo.write("ci/env.sh", f"export GH_TOKEN={bad}\n")
    _, found, _ = scan_staged(repo, run_guard)
    assert summary(found) == [("secret.github-token-bad-checksum", "ci/env.sh", 1, 1, "low", "warn")]


def test_npmrc_token_reported_once_and_env_reference_ignored(repo: Repo, run_guard: Any) -> None:
    npm = token("${gen:github:npm}", "npm")
    repo.write(".npmrc", f"//registry.npmjs.org/:_authToken={npm}\n//npm.pkg.github.com/:_authToken=${{GH_PACKAGES_TOKEN}}\n")
    code, found, out = scan_staged(repo, run_guard)
    assert code == 1
    assert summary(found) == [("secret.npm-access-token", ".npmrc", 1, 1, "high", "block")]
    assert npm not in out


def test_kubernetes_secret_manifest(repo: Repo, run_guard: Any) -> None:
    value = token("${gen:b64:32}", "k8s")
    repo.write(
        "deploy/secret.yaml",
        f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: api\ntype: Opaque\ndata:\n  api-key: {value}\n",
    )
    _, found, _ = scan_staged(repo, run_guard)
    assert summary(found) == [("secret.kubernetes-secret-manifest", "deploy/secret.yaml", 6, 7, "medium", "warn")]


def test_base64_service_account_in_ci_variable(repo: Repo, run_guard: Any) -> None:
    blob = token("${gen:b64-service-account}", "sa")
    repo.write(".gitlab-ci.yml", f"variables:\n  GOOGLE_CREDENTIALS_B64: {blob}\n")
    code, found, out = scan_staged(repo, run_guard)
    assert code == 1
    assert summary(found) == [("secret.gcp-service-account-key-base64", ".gitlab-ci.yml", 2, 2, "high", "block")]
    assert blob[:40] not in out


def test_age_key_needs_a_valid_checksum(repo: Repo, run_guard: Any) -> None:
    key = token("${gen:age}", "age")
    edited = key[:-1] + ("Q" if key[-1] != "Q" else "P")
    repo.write("keys.txt", f"# public key: age1{'q' * 58}\n{key}\n{edited}\n")
    code, found, _ = scan_staged(repo, run_guard)
    assert code == 1
    assert summary(found) == [("secret.age-secret-key", "keys.txt", 2, 2, "high", "block")]


def test_curl_and_docker_config(repo: Repo, run_guard: Any) -> None:
    basic = token("${gen:basic:builder}", "docker")
    password = token("${gen:alnum:16}", "curl")
    repo.write(".docker/config.json", '{"auths": {"registry.example.com": {"auth": "' + basic + '"}}}\n')
    repo.write(
        "scripts/call.sh",
        f'curl -u "$API_USER:$API_PASSWORD" https://api.example.com/\ncurl -u deploy:{password} https://api.example.com/\n',
    )
    code, found, out = scan_staged(repo, run_guard)
    assert code == 1
    assert summary(found) == [
        ("secret.curl-user-password", "scripts/call.sh", 2, 2, "medium", "warn"),
        ("secret.docker-config-auth", ".docker/config.json", 1, 1, "high", "block"),
    ]
    assert basic not in out and password not in out


def test_batch_has_the_promised_coverage() -> None:
    assert len(MINE) >= 110
