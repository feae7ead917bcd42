"""The agent catalog: how each AI coding agent or bot marks the commits it makes.

The catalog is data (`rules/agents.toml`); this module only loads and checks
it. Every agent is a list of signals; each signal says where to look, what to
match, how much a match is worth and whether it points at an "agent" or a
plain "bot". See docs/agents.md for the file format.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from guard.errors import RuleError
from guard.model import Confidence
from guard.rules import builtin_dir

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

KINDS = ("agent", "bot")
ROLES = ("author", "committer", "trailer")
CONFIDENCES = {c.label: c for c in Confidence}

# Signal type -> keys it takes besides type/confidence/kind.
_SIGNAL_KEYS: dict[str, tuple[str, ...]] = {
    "trailer": ("key", "pattern"),
    "email": ("pattern", "roles"),
    "name": ("pattern", "roles"),
    "github_id": ("id", "roles"),
    "marker": ("pattern",),
    "branch": ("pattern",),
    "note": ("pattern",),
    "login": ("pattern",),
}
_REQUIRED: dict[str, tuple[str, ...]] = {
    "trailer": ("key", "pattern"),
    "github_id": ("id",),
}
_COMMON_KEYS = ("type", "confidence", "kind")
_AGENT_KEYS = ("id", "name", "kind", "about", "signals")
_TOP_KEYS = ("identity_trailers", "agents")
_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_TRAILER_KEY_RE = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
# Every pattern is matched case-insensitively; `^`/`$` anchor at line ends.
_FLAGS = re.IGNORECASE | re.MULTILINE


@dataclass(frozen=True, slots=True)
class Signal:
    """One thing to look for. Which fields are set depends on `type`."""

    type: str
    confidence: Confidence
    kind: str
    pattern: re.Pattern[str] | None = None
    key: str | None = None  # trailer key, lowercased
    github_id: int | None = None
    roles: frozenset[str] = frozenset(ROLES)


@dataclass(frozen=True, slots=True)
class Agent:
    id: str
    name: str
    kind: str
    signals: tuple[Signal, ...]
    about: str = ""


@dataclass(frozen=True, slots=True)
class Catalog:
    agents: tuple[Agent, ...]
    # Trailers whose value is an identity, `Name <email>`, and is checked by
    # the email, name and github_id signals with role "trailer".
    identity_trailers: frozenset[str]
    where: str = "<string>"

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(a.id for a in self.agents)

    def get(self, agent_id: str) -> Agent:
        for agent in self.agents:
            if agent.id == agent_id:
                return agent
        raise KeyError(agent_id)


def load_catalog(path: str | Path | None = None) -> Catalog:
    """Read and check an agent catalog (the bundled one by default)."""
    p = Path(path) if path is not None else builtin_dir() / "agents.toml"
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(str(p), "*", "file", f"cannot read: {exc}") from exc
    return parse_catalog(text, str(p))


def parse_catalog(text: str, where: str = "<string>") -> Catalog:
    """Check `text` (TOML) and build a Catalog; `where` names it in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(where, "*", "toml", str(exc)) from exc

    _unknown_keys(data, _TOP_KEYS, where, "*", "")
    raw_identity = data.get("identity_trailers", ["co-authored-by"])
    if not isinstance(raw_identity, list) or not all(isinstance(k, str) and _TRAILER_KEY_RE.match(k) for k in raw_identity):
        raise RuleError(where, "*", "identity_trailers", "must be a list of lowercase trailer keys")
    raw_agents = data.get("agents")
    if not isinstance(raw_agents, list) or not raw_agents:
        raise RuleError(where, "*", "agents", "must be a non-empty array of tables")

    agents: list[Agent] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_agents):
        agent = _agent(raw, index, where)
        if agent.id in seen:
            raise RuleError(where, agent.id, "id", "duplicate agent id")
        seen.add(agent.id)
        agents.append(agent)
    return Catalog(tuple(agents), frozenset(raw_identity), where)


def _unknown_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str, agent_id: str, prefix: str) -> None:
    for key in table:
        if key not in allowed:
            raise RuleError(where, agent_id, prefix + key, f"unknown key (allowed: {', '.join(allowed)})")


def _string(table: Mapping[str, Any], key: str, where: str, agent_id: str, label: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise RuleError(where, agent_id, label, "must be a non-empty string")
    return value


def _agent(raw: object, index: int, where: str) -> Agent:
    label = f"agents[{index}]"
    if not isinstance(raw, dict):
        raise RuleError(where, label, "agents", "each agent must be a table")
    agent_id = raw.get("id")
    if not isinstance(agent_id, str) or not _ID_RE.match(agent_id):
        raise RuleError(where, label, "id", "must be lowercase letters, digits and '-', e.g. 'claude-code'")
    _unknown_keys(raw, _AGENT_KEYS, where, agent_id, "")
    name = _string(raw, "name", where, agent_id, "name")
    kind = raw.get("kind", "agent")
    if kind not in KINDS:
        raise RuleError(where, agent_id, "kind", f"must be one of {', '.join(KINDS)}, not {kind!r}")
    about = raw.get("about", "")
    if not isinstance(about, str):
        raise RuleError(where, agent_id, "about", "must be a string")
    raw_signals = raw.get("signals")
    if not isinstance(raw_signals, list) or not raw_signals:
        raise RuleError(where, agent_id, "signals", "must be a non-empty array of tables")
    signals = tuple(_signal(s, f"signals[{i}].", kind, where, agent_id) for i, s in enumerate(raw_signals))
    return Agent(agent_id, name, kind, signals, about)


def _signal(raw: object, prefix: str, default_kind: str, where: str, agent_id: str) -> Signal:
    if not isinstance(raw, dict):
        raise RuleError(where, agent_id, prefix.rstrip("."), "must be a table")
    stype = raw.get("type")
    if stype not in _SIGNAL_KEYS:
        raise RuleError(where, agent_id, prefix + "type", f"must be one of {', '.join(_SIGNAL_KEYS)}, not {stype!r}")
    _unknown_keys(raw, _COMMON_KEYS + _SIGNAL_KEYS[stype], where, agent_id, prefix)
    for required in _REQUIRED.get(stype, ("pattern",)):
        if required not in raw:
            raise RuleError(where, agent_id, prefix + required, f"required for a {stype} signal")

    conf_label = raw.get("confidence")
    if conf_label not in CONFIDENCES:
        raise RuleError(
            where,
            agent_id,
            prefix + "confidence",
            f"must be one of high, medium, low, not {conf_label!r}",
        )
    confidence = CONFIDENCES[conf_label]
    if stype == "name" and confidence is Confidence.HIGH:
        raise RuleError(
            where,
            agent_id,
            prefix + "confidence",
            "a name alone is never high confidence: anyone can be called that",
        )
    kind = raw.get("kind", default_kind)
    if kind not in KINDS:
        raise RuleError(where, agent_id, prefix + "kind", f"must be one of {', '.join(KINDS)}, not {kind!r}")

    pattern: re.Pattern[str] | None = None
    if "pattern" in raw:
        source = _string(raw, "pattern", where, agent_id, prefix + "pattern")
        try:
            pattern = re.compile(source, _FLAGS)
        except re.error as exc:
            raise RuleError(where, agent_id, prefix + "pattern", f"bad regex: {exc}") from exc

    key: str | None = None
    if "key" in raw:
        key = _string(raw, "key", where, agent_id, prefix + "key").lower()
        if not _TRAILER_KEY_RE.match(key):
            raise RuleError(where, agent_id, prefix + "key", "must be a trailer key such as 'co-authored-by'")

    github_id: int | None = None
    if "id" in raw:
        github_id = raw["id"]
        if isinstance(github_id, bool) or not isinstance(github_id, int) or github_id <= 0:
            raise RuleError(where, agent_id, prefix + "id", "must be a positive integer")

    roles = frozenset(ROLES)
    if "roles" in raw:
        raw_roles = raw["roles"]
        if not isinstance(raw_roles, list) or not raw_roles or not all(r in ROLES for r in raw_roles):
            raise RuleError(where, agent_id, prefix + "roles", f"must be a non-empty list of {', '.join(ROLES)}")
        roles = frozenset(raw_roles)

    return Signal(stype, confidence, kind, pattern, key, github_id, roles)
