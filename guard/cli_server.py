"""CLI commands for the server hooks: `guard hook pre-receive`, `guard hook pre-push`,
and `guard install --hook pre-receive`. Registered from guard/cli.py `_register()`.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from pathlib import Path
from typing import Any

import click


def _stdin_text() -> str:
    stream: Any = sys.stdin
    buffer = getattr(stream, "buffer", None)
    data = buffer.read() if buffer is not None else stream.read()
    return data.decode("utf-8", "surrogateescape") if isinstance(data, bytes) else str(data)


@click.command("pre-receive")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Server config (else $GUARD_SERVER_CONFIG).")
def pre_receive_cmd(config_path: str | None) -> None:
    """Run by git receive-pack before any ref moves; exit 1 rejects the whole push."""
    start = time.monotonic()
    from guard.server import prereceive

    outcome = prereceive.run(_stdin_text(), os.environ, config_path=config_path, cwd=Path.cwd(), start=start)
    for line in outcome.lines:
        click.echo(line)
    sys.exit(outcome.code)


def _pre_push_cmd(formats: list[str]) -> click.Command:
    @click.command("pre-push")
    @click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file (.guard.toml or pyproject.toml).")
    @click.option("--format", "fmt", type=click.Choice(formats), default="text")
    @click.argument("args", nargs=-1, type=click.UNPROCESSED)
    def pre_push_cmd(config_path: str | None, fmt: str, args: tuple[str, ...]) -> None:
        """Scan the commits `git push` is about to send (args: remote name and URL); exit 1 blocks."""
        from guard import config
        from guard.report import REPORTERS
        from guard.server import prepush
        from guard.sources.gitdiff import open_repo

        repo = open_repo(Path("."))
        root = Path(repo.workdir) if repo.workdir else Path(repo.path)
        cfg = config.load_file(Path(config_path)) if config_path else config.discover(root)
        for w in cfg.warnings:
            click.echo(f"guard: warning: {w}", err=True)
        from_env = prepush.env_range(os.environ) is not None
        remote = args[0] if args and not from_env else None
        stdin = "" if from_env or sys.stdin is None or sys.stdin.isatty() else _stdin_text()
        verdict, rules = prepush.run(repo, stdin, os.environ, remote, cfg)
        REPORTERS[fmt](verdict, {r.id: r for r in rules}, sys.stderr if fmt == "text" else sys.stdout)
        sys.exit(1 if verdict.blocked else 0)

    return pre_push_cmd


@click.command("serve")
@click.option("--socket", "socket_path", required=True, type=click.Path(dir_okay=False), help="The Unix socket to listen on.")
def serve_cmd(socket_path: str) -> None:
    """Keep a warm guard for hooks: commands run with GUARD_WARM_SOCKET set are handed to it."""
    from guard.server import warm

    sys.exit(warm.serve(Path(socket_path)))


def _extend_install(cli: click.Group) -> None:
    """Teach the existing `guard install` a pre-receive hook, keeping its own options and behaviour."""
    cmd = cli.commands.get("install")
    if cmd is None or cmd.callback is None:
        return
    for p in cmd.params:
        if p.name == "hook" and isinstance(p.type, click.Choice) and "pre-receive" not in p.type.choices:
            p.type = click.Choice([*p.type.choices, "pre-receive"])
    cmd.params.append(
        click.Option(
            ["--server-config"],
            type=click.Path(dir_okay=False),
            help="With --hook pre-receive: the server config file, recorded as git config guard.serverConfig.",
        )
    )
    original = cmd.callback

    @functools.wraps(original)
    def callback(**kw: Any) -> Any:
        server_config = kw.pop("server_config", None)
        if kw.get("hook") == "pre-receive":
            from guard.server.setup import install_server

            repo, force, warm_socket = Path(kw.get("repo") or "."), bool(kw.get("force")), kw.get("warm_socket")
            for line in install_server(repo, force=force, server_config=server_config, warm_socket=warm_socket):
                click.echo(line)
            return None
        if server_config:
            raise click.UsageError("--server-config applies only to --hook pre-receive")
        return original(**kw)

    cmd.callback = callback


def register(cli: click.Group, hook_group: click.Group) -> None:
    from guard.cli import FORMATS

    cli.add_command(serve_cmd)
    hook_group.add_command(pre_receive_cmd)
    hook_group.add_command(_pre_push_cmd(list(FORMATS)))
    _extend_install(cli)
