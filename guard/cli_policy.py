"""CLI commands for policy and its records: `guard audit verify`, `guard rules docs`, and the notes of `scan --annotate`.

Registered from guard/cli.py `_register()`; the real work lives in
guard/audit.py, guard/rulesdoc.py and guard/annotate.py.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click


def _default_log() -> Path:
    from guard.audit import default_path
    from guard.sources.gitdiff import open_repo

    return default_path(open_repo(Path(".")).path)


@click.group("audit")
def audit_group() -> None:
    """The hash-chained audit log of decisions (server: guard-audit.jsonl in the git dir)."""


@audit_group.command("verify")
@click.option("--log", "log", type=click.Path(dir_okay=False), help="Log file (default: guard-audit.jsonl in the git dir).")
def audit_verify(log: str | None) -> None:
    """Check every entry's hash and link; exit 1 at the first edited, removed or reordered entry."""
    from guard.audit import verify

    path = Path(log) if log else _default_log()
    if not path.exists():
        raise click.UsageError(f"no audit log at {path}")
    check = verify(path)
    if not check.ok:
        click.echo(f"guard: audit log {path}: line {check.bad_line}: {check.problem}", err=True)
        sys.exit(1)
    click.echo(f"guard: audit log {path}: {check.entries} entries, chain intact, head {check.head}")


def rules_docs() -> click.Command:
    @click.command("docs")
    def docs() -> None:
        """Print docs/rules.md for the built-in rules: `guard rules docs > docs/rules.md`."""
        from guard.rules import load_builtin
        from guard.rulesdoc import render

        click.echo(render(load_builtin()), nl=False)

    return docs


def write_notes(repo: Path, verdict: Any, mode: str) -> None:
    """`guard scan --annotate`: a git note per scanned commit under refs/notes/guard."""
    from guard.annotate import NOTES_REF
    from guard.annotate import annotate

    if mode not in ("range", "history"):
        raise click.UsageError("--annotate needs --range A..B or --all-history (notes belong to commits)")
    count = annotate(repo, verdict)
    click.echo(f"guard: wrote {count} note{'s' if count != 1 else ''} under {NOTES_REF}", err=True)


def register(cli: click.Group, rules_group: click.Group) -> None:
    cli.add_command(audit_group)
    rules_group.add_command(rules_docs())
