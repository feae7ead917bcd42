"""User config: `.guard.toml`, or `[tool.guard]` in pyproject.toml. Raw TOML -> a frozen Config.

Invalid values stop with exit 2 and name the file and key; unknown keys are
warnings, so an older guard can read a newer config.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from guard import rawget
from guard.errors import ConfigError
from guard.errors import GuardError
from guard.model import Action
from guard.model import Confidence
from guard.sources.textio import DEFAULT_MAX_BYTES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ACTIONS = {a.value: a for a in Action}
CONFIDENCES = {c.label: c for c in Confidence}
KNOWN = frozenset(
    ("rules", "disable", "enable", "exclude", "max-file-size", "baseline", "block-confidence", "actions", "agents", "policy")
)
ACTOR_CLASSES = ("agent", "human", "bot")
POLICY_KEYS = frozenset(("approvers", "agent-confidence", *ACTOR_CLASSES))


@dataclass(frozen=True, slots=True)
class Config:
    source: str | None = None
    rule_dirs: tuple[Path, ...] = ()
    disable: frozenset[str] = frozenset()
    enable: frozenset[str] = frozenset()
    exclude: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_BYTES
    baseline: Path | None = None
    block_confidence: Confidence = Confidence.HIGH
    actions: tuple[tuple[str, Action], ...] = ()  # rule-id glob -> action
    # [agents] and [policy]: docs/policy.md
    agent_accounts: frozenset[str] = frozenset()  # pusher accounts that are agents
    approvers: frozenset[str] = frozenset()  # pushers whose -o guard.approve=<reason> counts
    agent_confidence: Confidence = Confidence.MEDIUM  # weakest actor confidence treated as an agent
    actor_actions: tuple[tuple[str, str, Action], ...] = ()  # (actor class, rule-id glob, action)
    warnings: tuple[str, ...] = field(default=(), compare=False)
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


def parse(table: Mapping[str, Any], where: str, base: Path) -> Config:
    """Validate one config table; relative paths are taken from `base`."""

    def fail(key: str, msg: str) -> ConfigError:
        return ConfigError(where, key, msg)

    warnings = tuple(f"{where}: {k}: unknown key (ignored)" for k in sorted(set(table) - KNOWN))
    actions_raw = table.get("actions", {})
    if not isinstance(actions_raw, dict):
        raise fail("actions", "expected a table of rule-id glob = action")
    actions = tuple(
        (glob, rawget.choice(actions_raw, glob, ACTIONS, lambda k, m: fail(f"actions.{k!r}", m))) for glob in actions_raw
    )
    size = rawget.get(table, "max-file-size", int, fail, DEFAULT_MAX_BYTES)
    if size <= 0:
        raise fail("max-file-size", "must be a positive number of bytes")
    baseline = table.get("baseline")
    if baseline is not None and not isinstance(baseline, str):
        raise fail("baseline", "expected a path string")
    agents, policy = _agents_policy(table, fail)
    warnings += tuple(f"{where}: policy.{k}: unknown key (ignored)" for k in sorted(set(policy) - POLICY_KEYS))
    return Config(
        source=where,
        rule_dirs=tuple(base / p for p in rawget.get_strs(table, "rules", fail)),
        disable=frozenset(rawget.get_strs(table, "disable", fail)),
        enable=frozenset(rawget.get_strs(table, "enable", fail)),
        exclude=rawget.get_strs(table, "exclude", fail),
        max_file_size=size,
        baseline=base / baseline if baseline else None,
        block_confidence=rawget.choice(table, "block-confidence", CONFIDENCES, fail, Confidence.HIGH),
        actions=actions,
        agent_accounts=frozenset(rawget.get_strs(agents, "accounts", lambda k, m: fail(f"agents.{k}", m))),
        approvers=frozenset(rawget.get_strs(policy, "approvers", lambda k, m: fail(f"policy.{k}", m))),
        agent_confidence=rawget.choice(
            policy, "agent-confidence", CONFIDENCES, lambda k, m: fail(f"policy.{k}", m), Confidence.MEDIUM
        ),
        actor_actions=tuple(
            (kind, glob, rawget.choice(policy[kind], glob, ACTIONS, _sub(fail, f"policy.{kind}.")))
            for kind in ACTOR_CLASSES
            for glob in policy.get(kind, {})
        ),
        warnings=warnings,
        raw=table,
    )


def _sub(fail: rawget.Fail, prefix: str) -> rawget.Fail:
    """A fail function for keys of a sub-table, named like `policy.agent.'risk.*'`."""
    return lambda key, msg: fail(f"{prefix}{key!r}", msg)


def _agents_policy(table: Mapping[str, Any], fail: rawget.Fail) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """The [agents] and [policy] tables, checked for shape."""
    agents = table.get("agents", {})
    policy = table.get("policy", {})
    if not isinstance(agents, dict):
        raise fail("agents", "expected a table")
    if not isinstance(policy, dict):
        raise fail("policy", "expected a table")
    for kind in ACTOR_CLASSES:
        if not isinstance(policy.get(kind, {}), dict):
            raise fail(f"policy.{kind}", "expected a table of rule-id glob = action")
    return agents, policy


def _read(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise GuardError(f"{path}: cannot read config: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise GuardError(f"{path}: invalid TOML: {e}") from None
    return data


def load_file(path: Path) -> Config:
    """An explicit --config file: `.guard.toml` shape, or a pyproject.toml with [tool.guard]."""
    if not path.is_file():
        raise GuardError(f"config file not found: {path}")
    data = _read(path)
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("guard", {})
        if not isinstance(table, dict):
            raise ConfigError(str(path), "tool.guard", "expected a table")
        return parse(table, f"{path} [tool.guard]", path.parent)
    return parse(data, str(path), path.parent)


def discover(root: Path) -> Config:
    """`.guard.toml` in `root`, else `[tool.guard]` in its pyproject.toml, else defaults."""
    dotfile = root / ".guard.toml"
    if dotfile.is_file():
        return load_file(dotfile)
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        data = _read(pyproject)
        table = data.get("tool", {}).get("guard")
        if table is not None:
            if not isinstance(table, dict):
                raise ConfigError(str(pyproject), "tool.guard", "expected a table")
            return parse(table, f"{pyproject} [tool.guard]", root)
    return Config()
