"""Shared helpers for the server tests: a bare repository with guard's pre-receive hook, and real pushes.

Imported by the other tests/test_server_*.py files; the test at the end checks the helpers themselves.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conftest import Repo
from conftest import guard_subprocess


@dataclass
class Server:
    bare: Path
    config: Path

    @property
    def log(self) -> Path:
        return self.bare / "guard-audit.jsonl"

    def events(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]

    def last(self) -> dict[str, Any]:
        return self.events()[-1]

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(["git", *args], cwd=self.bare, capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc

    def ref(self, name: str) -> str | None:
        proc = self.git("rev-parse", "--verify", "-q", name, check=False)
        return proc.stdout.strip() or None

    def has_object(self, oid: str) -> bool:
        return self.git("cat-file", "-e", oid, check=False).returncode == 0

    def configure(self, text: str) -> None:
        self.config.write_text(text, encoding="utf-8")

    def env(self, **extra: str) -> dict[str, str]:
        return {"GUARD_SERVER_CONFIG": str(self.config), **extra}


def make_server(root: Path, config: str = "") -> Server:
    """A bare repository with guard's pre-receive hook installed by `guard install`."""
    root.mkdir(parents=True, exist_ok=True)
    bare = root / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    proc = guard_subprocess("install", "--hook", "pre-receive", "--repo", str(bare), cwd=root)
    assert proc.returncode == 0, proc.stderr
    subprocess.run(["git", "config", "receive.advertisePushOptions", "true"], cwd=bare, check=True)
    server = Server(bare, root / "guard-server.toml")
    server.configure(config)
    return server


@dataclass
class Pushed:
    code: int
    out: str  # stdout + stderr of `git push`: the hook's lines come back prefixed `remote: `

    def remote(self) -> list[str]:
        """The hook's lines, without git's `remote: ` prefix and sideband padding."""
        return [ln[len("remote: ") :].rstrip() for ln in self.out.splitlines() if ln.startswith("remote: ")]


def push(repo: Repo, url: str, *refspecs: str, env: dict[str, str] | None = None, options: tuple[str, ...] = ()) -> Pushed:
    args = ["git", "push", "--porcelain"]
    for o in options:
        args += ["-o", o]
    proc = subprocess.run(
        [*args, url, *refspecs], cwd=repo.path, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=120
    )
    return Pushed(proc.returncode, proc.stdout + proc.stderr)


def test_make_server_installs_the_hook_and_advertises_push_options(tmp_path: Path) -> None:
    server = make_server(tmp_path / "srv")
    hook = server.bare / "hooks" / "pre-receive"
    assert "-m guard hook pre-receive" in hook.read_text()
    assert os.access(hook, os.X_OK)
    assert server.git("config", "receive.advertisePushOptions").stdout.strip() == "true"
