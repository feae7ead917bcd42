"""Adapter for detect-secrets' plugins: the only module that imports detect_secrets.

The import costs about 0.1 s, so it happens on first use, never on the hook's
start-up path when no rule of this kind is a candidate.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from guard import rawget
from guard.detectors.base import Hit
from guard.detectors.checks import not_repetitive
from guard.document import Document
from guard.errors import RuleError
from guard.gates import Gate
from guard.gates import gate_key

KEYS = frozenset(("plugin", "keywords", "gate"))

PLUGINS = (
    "ArtifactoryDetector",
    "AWSKeyDetector",
    "AzureStorageKeyDetector",
    "BasicAuthDetector",
    "CloudantDetector",
    "DiscordBotTokenDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "Base64HighEntropyString",
    "HexHighEntropyString",
    "IbmCloudIamDetector",
    "IbmCosHmacDetector",
    "IPPublicDetector",
    "JwtTokenDetector",
    "KeywordDetector",
    "MailchimpDetector",
    "NpmDetector",
    "OpenAIDetector",
    "PrivateKeyDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SoftlayerDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TelegramBotTokenDetector",
    "TwilioKeyDetector",
)


@dataclass(frozen=True, slots=True)
class Prepared:
    plugin: str
    keywords: tuple[str, ...]
    gate: str | None = None  # a pattern every secret the plugin reports matches (guard/gates.py); case-insensitive


def prepare(raw: Mapping[str, Any], where: str, rule_id: str) -> Prepared:
    def fail(key: str, msg: str) -> RuleError:
        return RuleError(where, rule_id, key, msg)

    plugin = rawget.get(raw, "plugin", str, fail)
    if plugin not in PLUGINS:
        raise fail("plugin", f"unknown detect-secrets plugin {plugin!r}")
    return Prepared(plugin, tuple(k.lower() for k in rawget.get_strs(raw, "keywords", fail)), gate_key(raw, fail))


def gate(prepared: Prepared) -> Gate | None:
    """The rule's `gate`: importing detect-secrets costs ~0.1 s, so a change that cannot hold the secret skips it."""
    return Gate(prepared.gate, ignore_case=True) if prepared.gate else None


def keywords(prepared: Prepared) -> tuple[str, ...]:
    return prepared.keywords


@cache
def _plugin(name: str) -> Any:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    classes: list[Any] = list(get_mapping_from_secret_type_to_class().values())
    for cls in classes:
        if cls.__name__ == name:
            return cls()
    raise LookupError(name)  # unreachable: prepare() checked the name


def detect(p: Prepared, doc: Document) -> Iterator[Hit]:
    plugin = _plugin(p.plugin)
    for n, text in doc.change.added:
        if p.keywords and not any(k in text.lower() for k in p.keywords):
            continue
        for found in plugin.analyze_line(filename=doc.path, line=text, line_number=n):
            value = _whole(plugin, text, found.secret_value or "")
            if not value or not not_repetitive(value):  # ghp_xxxx... placeholders
                continue
            col = text.find(value)
            yield Hit(n, n, col + 1 if col >= 0 else 1, value)


def _whole(plugin: Any, line: str, value: str) -> str:
    """detect-secrets returns a regex's first group; for prefix groups (`(ghp|gho)_...`) take the whole match."""
    if len(value) >= 8:
        return value
    for regex in getattr(plugin, "denylist", ()):
        for m in regex.finditer(line):
            if m.groups() and m.group(1) == value and len(m.group(0)) > len(value):
                return str(m.group(0))
    return value
