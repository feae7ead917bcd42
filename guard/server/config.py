"""The server's config: a TOML file on the server, never anything from the pushed tree.

Where it comes from, first found wins: `guard hook pre-receive --config PATH`,
the GUARD_SERVER_CONFIG environment variable, `git config guard.serverConfig`
in the receiving repository (set by `guard install --hook pre-receive
--server-config PATH`). No file means the defaults.

    [server]
    deadline = 4.5                 # seconds
    max-commits = 1000
    max-bytes = 67108864           # added text per push
    on-overrun = "fail-closed"     # or "fail-open"
    on-error = "fail-closed"       # guard itself failed
    breakglass-users = ["alice"]   # who may push with -o guard.breakglass=<reason>
    log = "/var/log/guard/audit.jsonl"   # default: guard-audit.jsonl in the repository's git dir
    contact = "#security on chat"  # shown to pushers who think a finding is wrong

Every other top-level key is the usual guard config (`rules`, `disable`,
`actions`, `exclude`, ...; see guard/config.py), with relative paths taken
from the config file's directory.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from guard import config as user_config
from guard import rawget
from guard.config import Config
from guard.errors import ConfigError
from guard.errors import GuardError
from guard.server.budget import FailMode
from guard.server.budget import Limits

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ENV_VAR = "GUARD_SERVER_CONFIG"
GIT_CONFIG_KEY = "guard.serverConfig"
AUDIT_LOG_NAME = "guard-audit.jsonl"
FAIL_MODES = {m.value: m for m in FailMode}
KNOWN = frozenset(("deadline", "max-commits", "max-bytes", "on-overrun", "on-error", "breakglass-users", "log", "contact"))


@dataclass(frozen=True, slots=True)
class ServerConfig:
    source: str | None = None
    limits: Limits = field(default_factory=Limits)
    on_error: FailMode = FailMode.CLOSED
    breakglass_users: frozenset[str] = frozenset()
    log: Path | None = None  # None: guard-audit.jsonl in the git dir
    contact: str = ""
    scan: Config = field(default_factory=Config)
    warnings: tuple[str, ...] = field(default=(), compare=False)

    def log_path(self, git_dir: Path) -> Path:
        return self.log if self.log is not None else git_dir / AUDIT_LOG_NAME

    def may_break_glass(self, name: str | None) -> bool:
        return name is not None and name.casefold() in {u.casefold() for u in self.breakglass_users}


def parse(data: Mapping[str, Any], where: str, base: Path) -> ServerConfig:
    server = data.get("server", {})

    def fail(key: str, msg: str) -> ConfigError:
        return ConfigError(where, f"server.{key}", msg)

    if not isinstance(server, dict):
        raise ConfigError(where, "server", "expected a table")
    warnings = [f"{where}: server.{k}: unknown key (ignored)" for k in sorted(set(server) - KNOWN)]
    deadline = rawget.get(server, "deadline", float, fail, 4.5)
    if deadline <= 0:
        raise fail("deadline", "must be a positive number of seconds")
    max_commits = rawget.get(server, "max-commits", int, fail, Limits().max_commits)
    if max_commits <= 0:
        raise fail("max-commits", "must be a positive number")
    max_bytes = rawget.get(server, "max-bytes", int, fail, Limits().max_bytes)
    if max_bytes <= 0:
        raise fail("max-bytes", "must be a positive number of bytes")
    on_overrun = rawget.choice(server, "on-overrun", FAIL_MODES, fail, FailMode.CLOSED)
    log = server.get("log")
    if log is not None and (not isinstance(log, str) or not log):
        raise fail("log", "expected a path string")
    scan_table = {k: v for k, v in data.items() if k != "server"}
    scan = user_config.parse(scan_table, where, base)
    return ServerConfig(
        source=where,
        limits=Limits(deadline=deadline, max_commits=max_commits, max_bytes=max_bytes, on_overrun=on_overrun),
        on_error=rawget.choice(server, "on-error", FAIL_MODES, fail, FailMode.CLOSED),
        breakglass_users=frozenset(rawget.get_strs(server, "breakglass-users", fail)),
        log=base / log if log else None,
        contact=rawget.get(server, "contact", str, fail, "").strip(),
        scan=scan,
        warnings=(*warnings, *scan.warnings),
    )


def load(path: Path) -> ServerConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise GuardError(f"server config not found: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise GuardError(f"{path}: cannot read server config: {e}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise GuardError(f"{path}: invalid TOML: {e}") from None
    return parse(data, str(path), path.parent)


def locate(explicit: str | None, env: Mapping[str, str], git_config_value: str | None) -> Path | None:
    """The config file to read: --config, then $GUARD_SERVER_CONFIG, then git config guard.serverConfig."""
    for candidate in (explicit, env.get(ENV_VAR), git_config_value):
        if candidate:
            return Path(candidate).expanduser()
    return None


def resolve(explicit: str | None, env: Mapping[str, str], git_config_value: str | None) -> ServerConfig:
    path = locate(explicit, env, git_config_value)
    return load(path) if path is not None else ServerConfig()
