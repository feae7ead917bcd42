"""Provider rules, batch B (payment, messaging, AI, databases, observability, identity, SaaS, social) through the CLI."""

from __future__ import annotations

import json
from typing import Any

from conftest import Repo
from conftest import token

MINE = ("payment", "messaging", "ai", "databases", "observability", "identity", "saas", "social")


def staged(repo: Repo, run_guard: Any, path: str, text: str) -> tuple[int, dict[str, Any], str]:
    repo.write(path, text)
    repo.git("add", path)
    r = run_guard("scan", "--staged", "--format", "json", cwd=repo.path)
    return r.code, json.loads(r.out), r.out + r.err


def ours(doc: dict[str, Any]) -> list[tuple[str, int, str, str, str]]:
    """(rule id, line, redacted secret, confidence, action) of findings from provider rules, generic rules left out."""
    out = []
    for f in doc["findings"]:
        rule = f["rule_id"]
        if rule.startswith(("secret.generic-", "secret.dsecrets-")) or f["category"] != "secret":
            continue
        out.append((rule, f["line"], f["secret"], f["confidence"], f["action"]))
    return sorted(out)


def test_slack_bot_token_in_yaml_blocks(repo: Repo, run_guard: Any) -> None:
    secret = token("xoxb-${gen:digits:12}-${gen:digits:13}-${gen:alnum:24}", "slack")
    code, doc, raw = staged(repo, run_guard, "deploy/values.yaml", f"slack:\n  channel: '#ops'\n  bot_token: \"{secret}\"\n")
    assert ours(doc) == [("secret.slack-bot-token", 3, "xoxb********", "high", "block")]
    (f,) = [f for f in doc["findings"] if f["rule_id"] == "secret.slack-bot-token"]
    assert (f["path"], f["column"], f["severity"], f["message"]) == ("deploy/values.yaml", 15, "critical", "Slack bot token")
    assert (code, doc["verdict"]) == (1, "block")
    assert secret not in raw


def test_stripe_test_key_is_medium_and_warns(repo: Repo, run_guard: Any) -> None:
    secret = token("sk_test_${gen:alnum:24}", "stripe-test")
    code, doc, raw = staged(repo, run_guard, "server/.env", f"PORT=8080\nSTRIPE_KEY={secret}\n")
    assert ours(doc) == [("secret.stripe-test-key", 2, "sk_t********", "medium", "warn")]
    (f,) = [f for f in doc["findings"] if f["rule_id"] == "secret.stripe-test-key"]
    assert f["reason"] == "secret with medium confidence (below high) warns"
    assert (code, doc["verdict"]) == (0, "warn")
    assert secret not in raw


def test_stripe_live_key_blocks_but_placeholders_do_not(repo: Repo, run_guard: Any) -> None:
    secret = token("sk_live_${gen:alnum:24}", "stripe-live")
    text = "\n".join(
        (
            "STRIPE_EXAMPLE=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx",
            "SLACK_BOT_TOKEN=xoxb-your-bot-token",
            "OPENAI_API_KEY=sk-proj-...",
            f"STRIPE_SECRET_KEY={secret}",
            "",
        )
    )
    code, doc, raw = staged(repo, run_guard, "billing/config.env", text)
    assert ours(doc) == [("secret.stripe-secret-key", 4, "sk_l********", "high", "block")]
    assert code == 1
    assert secret not in raw


def test_context_rule_reads_nested_yaml_key(repo: Repo, run_guard: Any) -> None:
    secret = token("${gen:hex:32}", "datadog")
    text = f'datadog:\n  site: datadoghq.eu\n  apiKey: "{secret}"\n  logs: true\n'
    code, doc, raw = staged(repo, run_guard, "charts/agent/values.yaml", text)
    assert ours(doc) == [("secret.datadog-api-key", 3, secret[:4] + "********", "medium", "warn")]
    assert (code, doc["verdict"]) == (0, "warn")
    assert secret not in raw


def test_ai_keys_each_get_their_own_rule(repo: Repo, run_guard: Any) -> None:
    openai = token("sk-proj-${gen:b64url:74}T3BlbkFJ${gen:b64url:74}", "openai")
    anthropic = token("sk-ant-api03-${gen:b64url:93}AA", "anthropic")
    hf = token("hf_${gen:alpha:34}", "hf")
    text = f"OPENAI_API_KEY={openai}\nANTHROPIC_API_KEY={anthropic}\nHF_TOKEN={hf}\n"
    code, doc, raw = staged(repo, run_guard, ".env", text)
    assert ours(doc) == [
        ("secret.anthropic-api-key", 2, "sk-a********", "high", "block"),
        ("secret.huggingface-token", 3, "hf_" + hf[3] + "********", "high", "block"),
        ("secret.openai-api-key", 1, "sk-p********", "high", "block"),
    ]
    assert code == 1
    for secret in (openai, anthropic, hf):
        assert secret not in raw


def test_webhook_url_and_telegram_token_in_code(repo: Repo, run_guard: Any) -> None:
    hook = token("https://hooks.slack.com/services/T${gen:alnum-upper:8}/B${gen:alnum-upper:8}/${gen:alnum:24}", "hook")
    bot = token("${gen:digits:10}:AA${gen:b64url:33}", "telegram")
    text = f'import telebot\n\nWEBHOOK = "{hook}"\nbot = telebot.TeleBot("{bot}")\n'
    code, doc, raw = staged(repo, run_guard, "notify.py", text)
    assert ours(doc) == [
        ("secret.slack-webhook-url", 3, "http********", "high", "block"),
        ("secret.telegram-bot-token", 4, bot[:4] + "********", "high", "block"),
    ]
    assert code == 1
    assert hook not in raw and bot not in raw


def test_docs_path_lowers_confidence_of_a_prefixed_token(repo: Repo, run_guard: Any) -> None:
    secret = token("SG.${gen:b64url:22}.${gen:b64url:43}", "sendgrid")
    code, doc, raw = staged(repo, run_guard, "docs/mail.md", f"# Mail\n\nExport `SENDGRID_API_KEY={secret}` first.\n")
    assert ours(doc) == [("secret.sendgrid-api-key", 3, secret[:4] + "********", "medium", "warn")]
    (f,) = [f for f in doc["findings"] if f["rule_id"] == "secret.sendgrid-api-key"]
    assert f["confidence_reason"] == "regex rule secret.sendgrid-api-key; lowered: test, example or docs directory"
    assert (code, doc["verdict"]) == (0, "warn")
    assert secret not in raw


def test_connection_string_template_values_are_not_secrets(repo: Repo, run_guard: Any) -> None:
    password = token("${gen:alnum:20}", "mongo")
    text = "\n".join(
        (
            "MONGO_A=mongodb://app:${MONGO_PASSWORD}@db:27017/app",
            "MONGO_B=mongodb://app:<password>@cluster0.example.mongodb.net/app",
            f"MONGO_C=mongodb+srv://app:{password}@cluster0.ab12cd.mongodb.net/app?retryWrites=true",
            "",
        )
    )
    code, doc, raw = staged(repo, run_guard, "compose.env", text)
    assert ours(doc) == [("secret.mongodb-connection-string", 3, password[:4] + "********", "high", "block")]
    assert code == 1
    assert password not in raw


def test_batch_b_files_are_loaded() -> None:
    from guard.rules import load_builtin

    sources = {r.source.rsplit("/", 1)[-1] for r in load_builtin() if r.id.startswith("secret.")}
    assert {f"{name}.toml" for name in MINE} <= sources
