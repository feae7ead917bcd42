"""Errors that carry their exit code; the CLI maps them to one clear line."""

from __future__ import annotations


class GuardError(Exception):
    """Bad input from the user: usage, config or rules (exit 2)."""

    exit_code = 2


class ConfigError(GuardError):
    def __init__(self, where: str, key: str, msg: str) -> None:
        super().__init__(f"{where}: {key}: {msg}")


class RuleError(GuardError):
    def __init__(self, where: str, rule_id: str, key: str, msg: str) -> None:
        super().__init__(f"{where}: rule {rule_id}: {key}: {msg}")


class GitError(GuardError):
    """The repository or environment failed us (exit 3)."""

    exit_code = 3
