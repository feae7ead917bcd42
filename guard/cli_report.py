"""CLI commands around reports: `guard baseline create|update`, `guard doctor`, `guard explain RULE_ID`,
and `guard scan --baseline FILE` with a progress line for history scans. Registered from guard/cli.py `_register()`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from typing import TextIO

import click


class Progress:
    """`guard: reading history: N commits` on one terminal line, redrawn at most ten times a second."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream = stream
        self.label = label
        self._last = 0.0
        self._shown = False

    def __call__(self, commits: int) -> None:
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        self._shown = True
        self.stream.write(f"\r\x1b[Kguard: {self.label}: {commits} commit{'s' if commits != 1 else ''}")
        self.stream.flush()

    def close(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False


def progress_for(mode: str | None, rev_range: str | None, stream: TextIO | None = None) -> Progress | None:
    """A progress line for history and range scans, only when stderr is a terminal."""
    stream = stream or sys.stderr
    if mode != "history" and not rev_range:
        return None
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return None
    return Progress(stream, "reading history" if mode == "history" else f"reading {rev_range}")


def _scan_source(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options that say what to scan, as `guard scan` has them."""
    for decorator in reversed(
        (
            click.argument("paths", nargs=-1, type=click.Path()),
            click.option("--staged", "mode", flag_value="staged", help="Scan what is staged for the next commit."),
            click.option("--range", "rev_range", metavar="A..B", help="Scan the commits in A..B (or one commit)."),
            click.option("--all-history", "mode", flag_value="history", help="Scan every commit reachable from any ref."),
            click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file."),
            click.option("--exclude", multiple=True, metavar="GLOB", help="Skip paths matching GLOB (repeatable)."),
            click.option("--repo", type=click.Path(file_okay=False), default=".", help="Repository (default: the current one)."),
        )
    ):
        f = decorator(f)
    return f


def _root(repo: str) -> Path:
    """The repository's work tree, or the directory itself outside git: baseline paths are relative to it."""
    from guard.errors import GitError
    from guard.sources.gitdiff import open_repo

    try:
        found = open_repo(Path(repo))
    except GitError:
        return Path(repo)
    return Path(found.workdir) if found.workdir else Path(found.path)


def _found(kw: dict[str, Any], target: Path | None) -> tuple[Any, Path, Any]:
    """Scan as `guard scan` would, but ignoring any baseline: (entries found, baseline path, config)."""
    import dataclasses

    from guard import baseline
    from guard.cli import _config
    from guard.model import Stage
    from guard.run import Request
    from guard.run import execute

    paths: tuple[str, ...] = kw["paths"]
    mode: str | None = kw["mode"]
    if kw["rev_range"]:
        if mode:
            raise click.UsageError("--range cannot be combined with --staged or --all-history")
        mode = "range"
    if mode and paths:
        raise click.UsageError("PATHs scan files on disk; they cannot be combined with --staged, --range or --all-history")
    root = _root(kw["repo"])
    cfg = _config(kw["config_path"], root)
    path = target or cfg.baseline or root / baseline.DEFAULT_NAME
    exclude = tuple(kw["exclude"])
    if path.resolve().is_relative_to(root.resolve()):
        exclude += (path.resolve().relative_to(root.resolve()).as_posix(),)
    req = Request(
        mode=mode or "files",
        stage=Stage.CI,
        paths=paths or (str(root),),
        rev_range=kw["rev_range"],
        repo=root,
        extra_exclude=exclude,
        config=dataclasses.replace(cfg, baseline=None),
    )
    progress = progress_for(mode, kw["rev_range"])
    try:
        verdict, _ = execute(req, progress)
    finally:
        if progress is not None:
            progress.close()
    return baseline.from_verdict(verdict), path, cfg


@click.group("baseline")
def baseline_group() -> None:
    """Record known findings so scans report only new ones."""


@baseline_group.command("create")
@click.option("--output", "-o", type=click.Path(dir_okay=False),
              help="Where to write (default: config `baseline`, else .guard-baseline.json).")
@_scan_source
def baseline_create(output: str | None, **kw: Any) -> None:
    """Scan (the work tree by default) and write every finding's fingerprint to the baseline file."""
    from guard import baseline

    entries, path, _ = _found(kw, Path(output) if output else None)
    baseline.write(path, entries)
    click.echo(f"guard: wrote {len(entries)} fingerprint{'s' if len(entries) != 1 else ''} to {path}")


@baseline_group.command("update")
@click.option("--baseline", "baseline_path", type=click.Path(dir_okay=False), help="The baseline file (default: as for create).")
@click.option("--prune", is_flag=True, help="Also drop entries this scan no longer finds.")
@_scan_source
def baseline_update(baseline_path: str | None, prune: bool, **kw: Any) -> None:
    """Add new findings to the baseline (and with --prune drop fixed ones); rewrite it in canonical order."""
    from guard import baseline

    entries, path, _ = _found(kw, Path(baseline_path) if baseline_path else None)
    old = baseline.load(path)
    new = baseline.update(old, entries, prune=prune)
    baseline.write(path, new)
    added, removed = len(set(new) - set(old)), len(set(old) - set(new))
    click.echo(f"guard: {path}: {len(new)} fingerprints ({added} added, {removed} removed)")


@click.command("doctor")
@click.option("--repo", type=click.Path(file_okay=False), default=".", help="Repository to check.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
@click.option("--no-canary", is_flag=True, help="Skip running the installed hook on a generated fake credential.")
def doctor_cmd(repo: str, config_path: str | None, no_canary: bool) -> None:
    """Show installed hooks and the effective config, and prove the hook blocks a fake credential."""
    from guard import doctor
    from guard.cli import _config

    root = _root(repo)
    cfg = _config(config_path, root)
    report = doctor.diagnose(root, cfg, canary=not no_canary)
    for line in doctor.render(report):
        click.echo(line)
    sys.exit(1 if report.problems else 0)


@click.command("explain")
@click.argument("rule_id")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file (for its extra rule directories).")
def explain_cmd(rule_id: str, config_path: str | None) -> None:
    """A rule's documentation, fix, references, generated (fake) examples and how to suppress it."""
    from guard.cli import _config

    cfg = _config(config_path, Path("."))
    for line in explain(rule_id, cfg):
        click.echo(line)


def _find_rule(rule_id: str, cfg: Any) -> tuple[Any, str]:
    """The rule and its status in this config; an unknown id is a usage error (exit 2)."""
    import difflib

    from guard import rules as rules_mod
    from guard.errors import GuardError
    from guard.run import active_rules

    every = rules_mod.combine([rules_mod.load_builtin(), *(rules_mod.load_dir(d) for d in cfg.rule_dirs)])
    by_id = {r.id: r for r in every}
    if rule_id not in by_id:
        close = difflib.get_close_matches(rule_id, list(by_id), n=1)
        hint = f" (did you mean {close[0]}?)" if close else " (see `guard rules list`)"
        raise GuardError(f"unknown rule id: {rule_id}{hint}")
    active = {r.id for r in active_rules(cfg)}
    rule = by_id[rule_id]
    if rule_id in active:
        status = "enabled"
    elif rule_id in cfg.disable:
        status = "disabled by the config's `disable`"
    else:
        status = "off by default (turn it on with `enable`)"
    return rule, status


def explain(rule_id: str, cfg: Any, width: int = 100) -> list[str]:
    """What `guard explain` prints. Examples are expanded with guard.gen: realistic, and fake."""
    import textwrap

    from guard.rulecheck import probes
    from guard.scan import Engine

    rule, status = _find_rule(rule_id, cfg)

    def para(text: str) -> list[str]:
        out: list[str] = []
        for block in text.strip().split("\n\n"):
            out += [*textwrap.wrap(" ".join(block.split()), width - 2, initial_indent="  ", subsequent_indent="  "), ""]
        return out

    out = [f"{rule.id}: {rule.title}"]
    out.append(f"  {rule.category.value}, {rule.severity.label} severity, {rule.confidence.label} confidence")
    out.append(f"  detector {rule.detector}, {status}; defined in {rule.source}")
    out.append("")
    out += ["Why it matters", *para(rule.docs or rule.title)]
    out += ["How to fix", *para(rule.fix or "Remove the value from the change.")]
    if rule.references:
        out += ["References", *(f"  - {r}" for r in rule.references), ""]
    engine = Engine([rule])
    shown = [p for p in probes(rule) if p.label.startswith(("example", "negative"))]
    if shown:
        out.append("Examples (generated with guard.gen: realistic, and fake)")
    for p in shown:
        got = engine.scan_change(p.change).findings
        where = ", ".join(f"{f.redacted} on line {f.line}" if f.line else f"{f.redacted} (whole file)" for f in got)
        out.append(f"  reported as {where} in {p.change.path}:" if got else f"  not reported in {p.change.path}:")
        out += [f"    {ln}" for ln in p.text.splitlines()[:12]]
    if shown:
        out.append("")
    out += [
        "How to suppress",
        f"  - one line that is a false alarm: a comment on it saying `guard: allow {rule.id}`",
        "  - a known finding you cannot fix yet: `guard baseline update` records its fingerprint",
        f'  - everywhere: `disable = ["{rule.id}"]` in .guard.toml, or `"{rule.id}" = "warn"` under [actions]',
    ]
    return out


def register(cli: click.Group) -> None:
    cli.add_command(baseline_group)
    cli.add_command(doctor_cmd)
    cli.add_command(explain_cmd)
