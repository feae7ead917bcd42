"""The command line: the only module that imports click.

Exit codes: 0 nothing blocks, 1 blocked, 2 usage/config/rule error,
3 git or environment error, 130 interrupted.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TextIO

import click

from guard import __version__
from guard.errors import GuardError

EXIT_BLOCKED = 1
# Reporter names (guard/report/__init__.py REPORTERS); kept here so start-up imports nothing else.
FORMATS = ["text", "json", "sarif", "github", "gitlab", "gitlab-codequality", "junit"]


def _config(explicit: str | None, root: Path):  # type: ignore[no-untyped-def]
    from guard import config

    cfg = config.load_file(Path(explicit)) if explicit else config.discover(root)
    for w in cfg.warnings:
        click.echo(f"guard: warning: {w}", err=True)
    return cfg


def _repo_root(start: Path) -> Path:
    from guard.sources.gitcli import locate

    return locate(start).root


def _emit(verdict, rules, fmt: str, out: TextIO) -> None:  # type: ignore[no-untyped-def]
    from guard.report import REPORTERS

    REPORTERS[fmt](verdict, {r.id: r for r in rules}, out)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="guard", message="%(prog)s %(version)s")
def cli() -> None:
    """guard: stop hardcoded credentials and risky changes before they land."""


@cli.command("scan")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--staged", "mode", flag_value="staged", help="Scan what is staged for the next commit.")
@click.option("--range", "rev_range", metavar="A..B", help="Scan the commits in A..B (or one commit).")
@click.option("--all-history", "mode", flag_value="history", help="Scan every commit reachable from any ref.")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file (.guard.toml or pyproject.toml).")
@click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable).")
@click.option("--repo", "repo", type=click.Path(file_okay=False), default=".", help="Repository for git modes.")
@click.option("--annotate", is_flag=True, help="Write each commit's findings and authorship as a git note (refs/notes/guard).")
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Hide the known findings recorded in FILE (default: the config's `baseline`).",
)
def scan_cmd(
    paths: tuple[str, ...],
    mode: str | None,
    rev_range: str | None,
    fmt: str,
    config_path: str | None,
    exclude: tuple[str, ...],
    repo: str,
    annotate: bool = False,
    baseline_file: str | None = None,
) -> None:
    """Scan files (PATHs, default .), the staged index, a commit range or all history."""
    from guard.model import Stage
    from guard.run import Request
    from guard.run import execute

    if rev_range:
        if mode:
            raise click.UsageError("--range cannot be combined with --staged or --all-history")
        mode = "range"
    if mode and paths:
        raise click.UsageError("PATHs scan files on disk; they cannot be combined with --staged, --range or --all-history")
    mode = mode or "files"
    root = _repo_root(Path(repo)) if mode != "files" else Path(paths[0] if len(paths) == 1 and Path(paths[0]).is_dir() else ".")
    cfg = _config(config_path, root)
    req = Request(
        mode=mode,
        stage=Stage.CI,
        paths=paths,
        rev_range=rev_range,
        repo=Path(repo),
        extra_exclude=exclude,
        config=cfg,
        baseline_file=Path(baseline_file) if baseline_file else None,
    )
    from guard.cli_report import progress_for

    progress = progress_for(mode, rev_range)
    try:
        verdict, rules = execute(req, progress)
    finally:
        if progress is not None:
            progress.close()
    if annotate:
        from guard.cli_policy import write_notes

        write_notes(Path(repo), verdict, mode)
    _emit(verdict, rules, fmt, sys.stdout)
    sys.exit(EXIT_BLOCKED if verdict.blocked else 0)


@cli.group("hook")
def hook_group() -> None:
    """Entry points for git hooks (what installed hooks and pre-commit call)."""


@hook_group.command("pre-commit")
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text")
@click.argument("ignored", nargs=-1, type=click.UNPROCESSED)
def hook_pre_commit(config_path: str | None, fmt: str, ignored: tuple[str, ...]) -> None:
    """Scan the staged index; exit 1 blocks the commit."""
    from guard.model import Stage
    from guard.run import Request
    from guard.run import execute

    root = _repo_root(Path("."))
    cfg = _config(config_path, root)
    verdict, rules = execute(Request(mode="staged", stage=Stage.PRE_COMMIT, repo=root, config=cfg))
    _emit(verdict, rules, fmt, sys.stderr if fmt == "text" else sys.stdout)
    sys.exit(EXIT_BLOCKED if verdict.blocked else 0)


@cli.command("install")
@click.option("--hook", type=click.Choice(["pre-commit", "pre-push"]), default="pre-commit", show_default=True)
@click.option("--force", is_flag=True, help="Replace a hook guard did not write (kept as <hook>.guard-backup).")
@click.option("--repo", type=click.Path(file_okay=False), default=".")
@click.option("--warm-socket", help="Hand the hook to the `guard serve` listening on this socket when one runs.")
def install_cmd(hook: str, force: bool, repo: str, warm_socket: str | None) -> None:
    """Install guard's git hook into the repository (honours core.hooksPath)."""
    from guard.install import install

    target = install(Path(repo), hook, force=force, warm_socket=warm_socket)
    click.echo(f"guard: installed {hook} hook at {target}")


@cli.group("rules")
def rules_group() -> None:
    """List and check rules."""


@rules_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
def rules_list(fmt: str, config_path: str | None) -> None:
    """Every loaded rule, with its id, category, severity and title."""
    from guard.run import active_rules

    cfg = _config(config_path, Path("."))
    rules = active_rules(cfg)
    if fmt == "json":
        items = [
            {
                "id": r.id,
                "category": r.category.value,
                "severity": r.severity.label,
                "confidence": r.confidence.label,
                "title": r.title,
                "detector": r.detector,
                "keywords": list(r.keywords),
                "source": r.source,
            }
            for r in rules
        ]
        click.echo(json.dumps(items, indent=2))
        return
    for r in rules:
        click.echo(f"{r.id:<48} {r.category.value:<6} {r.severity.label:<8} {r.title}")
    click.echo(f"{len(rules)} rules")


@rules_group.command("check")
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("-v", "--verbose", is_flag=True, help="Print every probe, not only failures.")
def rules_check(config_path: str | None, verbose: bool) -> None:
    """Run every rule's examples and cases; exit 1 on any miss or false hit."""
    from guard import rules as rules_mod
    from guard.rulecheck import check

    cfg = _config(config_path, Path("."))
    groups = [rules_mod.load_builtin(), *(rules_mod.load_dir(d) for d in cfg.rule_dirs)]
    rules = rules_mod.combine(groups)
    results = check(rules)
    failed = [r for r in results if not r.ok]
    for r in results if verbose else failed:
        click.echo(r.explain() if not r.ok else f"{r.probe.rule.id} {r.probe.label}: ok")
    click.echo(f"{len(rules)} rules, {len(results)} probes, {len(failed)} failed")
    sys.exit(1 if failed else 0)


def _register() -> None:
    """Commands defined in other CLI-layer modules (guard/cli_*.py), one line each."""
    from guard import cli_report
    from guard import cli_server

    cli_server.register(cli, hook_group)
    cli_report.register(cli)
    __import__("guard.cli_policy").cli_policy.register(cli, rules_group)


_register()


def entry() -> None:
    """The `guard` command: `main()`, then exit without tearing the interpreter down.

    Freeing every object a scan made costs a hook ~10 ms per run for nothing. The streams
    are flushed first; guard leaves nothing to atexit handlers (temporary directories are
    context managers, worker processes are joined before `main` returns).
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (BrokenPipeError, OSError):  # a reader that went away; the exit code still stands
        pass
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors print one line, never a traceback."""
    try:
        cli.main(args=argv, prog_name="guard", standalone_mode=False)
    except click.exceptions.Exit as e:
        return int(e.exit_code)
    except click.ClickException as e:
        e.show()
        return 2
    except click.exceptions.Abort:
        click.echo("guard: aborted", err=True)
        return 130
    except GuardError as e:
        click.echo(f"guard: error: {e}", err=True)
        return e.exit_code
    except KeyboardInterrupt:
        click.echo("guard: interrupted", err=True)
        return 130
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)
    except BrokenPipeError:
        return 0
    except Exception as e:  # an unexpected failure: one line, details on request
        if os.environ.get("GUARD_DEBUG"):
            raise
        click.echo(f"guard: internal error: {type(e).__name__}: {e} (set GUARD_DEBUG=1 for details)", err=True)
        return 3
    return 0
