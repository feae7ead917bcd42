"""Run one secret scanner over a directory and normalise its findings.

Every tool is run exactly once over the whole directory, with a fresh temp dir as
its working directory (so no stray ``.gitleaksignore`` / config is picked up) and
its report written inside another fresh temp dir. Findings are normalised to
``Finding(path relative to the scanned dir, start line, end line, rule)``.

How each tool reports lines (1-based everywhere):

* gitleaks ``dir``: ``StartLine``/``EndLine`` of the match; 8.30 sometimes reports
  ``EndLine == StartLine`` for a multi-line ``Match`` (e.g. a continued ``curl``
  command), so the end is extended by the newlines in ``Match``.
* detect-secrets: a single ``line_number`` per secret.
* kingfisher: ``finding.line`` is the first line of the match; we extend the end by
  the number of newlines in ``finding.snippet`` (the matched text).
* guard: ``line`` and ``end_line`` (``end_line`` may be null -> ``line``).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from tools import Tool

# Environment variables that would silently change a tool's configuration.
_SCRUB_ENV = ("GITLEAKS_CONFIG", "GITLEAKS_CONFIG_TOML", "KF_RULE_CACHE_DIR")


@dataclass(frozen=True)
class Finding:
    path: str
    start: int
    end: int
    rule: str


@dataclass
class RunResult:
    tool: str
    findings: list[Finding] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None
    command: list[str] = field(default_factory=list)


def command_for(tool: Tool, target: Path, report_dir: Path) -> tuple[list[str], Path | None]:
    """The command line for ``tool`` and the report file it writes (None: stdout).

    detect-secrets is the exception to "cwd is a fresh temp dir": it is run from
    inside ``target`` with path ``.`` (see :func:`run_tool`).
    """
    if tool.name == "gitleaks":
        report = report_dir / "gl.json"
        cmd = [
            tool.exe,
            "dir",
            str(target),
            "--report-format",
            "json",
            "--report-path",
            str(report),
            "--no-banner",
            "--exit-code",
            "0",
            "--log-level",
            "error",
        ]
        return cmd, report
    if tool.name == "kingfisher":
        report = report_dir / "kf.json"
        cmd = [
            tool.exe,
            "scan",
            str(target),
            "--format",
            "json",
            "--output",
            str(report),
            "--no-validate",
            "--no-update-check",
            "--no-dedup",
            "--quiet",
        ]
        return cmd, report
    if tool.name == "detect-secrets":
        # Without --all-files detect-secrets only scans `git ls-files` output, which
        # is empty for a plain directory. It also silently drops every file outside
        # its working directory, so it must run with cwd=target and path ".".
        return [tool.exe, "scan", "--all-files", "."], None
    if tool.name == "guard":
        return [tool.exe, "scan", str(target), "--format", "json"], None
    raise ValueError(f"no runner for {tool.name}")


def _rel(path: str, target: Path, cwd: Path) -> str:
    p = Path(path)
    if not p.is_absolute():
        p = target / p if (target / p).exists() else cwd / p
    try:
        return os.path.relpath(p, target)
    except ValueError:
        return path


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _span(rel: str, start: int, end: int, rule: str) -> Finding:
    start = max(start, 1)
    return Finding(rel, start, max(end, start), rule)


def parse_gitleaks(data: Any, target: Path, cwd: Path) -> list[Finding]:
    out = []
    for item in data or []:
        start = _int(item.get("StartLine"), 1)
        # gitleaks 8.30 can report EndLine == StartLine for a multi-line Match.
        end = max(_int(item.get("EndLine"), start), start + str(item.get("Match") or "").count("\n"))
        out.append(_span(_rel(item["File"], target, cwd), start, end, str(item.get("RuleID"))))
    return out


def parse_detect_secrets(data: Any, target: Path, cwd: Path) -> list[Finding]:
    out = []
    for filename, secrets in (data.get("results") or {}).items():
        rel = _rel(filename, target, cwd)
        for item in secrets:
            line = _int(item.get("line_number"), 1)
            out.append(_span(rel, line, line, str(item.get("type"))))
    return out


def parse_kingfisher(data: Any, target: Path, cwd: Path) -> list[Finding]:
    out = []
    for item in data.get("findings") or []:
        finding, rule = item.get("finding") or {}, item.get("rule") or {}
        start = _int(finding.get("line"), 1)
        end = start + str(finding.get("snippet") or "").count("\n")
        out.append(_span(_rel(finding["path"], target, cwd), start, end, str(rule.get("id") or rule.get("name"))))
    return out


def parse_guard(data: Any, target: Path, cwd: Path) -> list[Finding]:
    """guard's secret findings. Its risk findings ("a Terraform file changed", "a workflow
    changed") make no claim that a line holds a secret, so they are not scored here."""
    out = []
    for item in data.get("findings") or []:
        if item.get("category") != "secret":
            continue
        start = _int(item.get("line"), 1)
        end = _int(item.get("end_line"), start) if item.get("end_line") is not None else start
        out.append(_span(_rel(item["path"], target, cwd), start, end, str(item.get("rule_id"))))
    return out


PARSERS = {
    "gitleaks": parse_gitleaks,
    "detect-secrets": parse_detect_secrets,
    "kingfisher": parse_kingfisher,
    "guard": parse_guard,
}


def run_tool(tool: Tool, target: Path, timeout: float = 1800.0) -> RunResult:
    """Scan ``target`` once with ``tool``; wall time covers the subprocess only."""
    result = RunResult(tool.name)
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB_ENV}
    with tempfile.TemporaryDirectory(prefix=f"bench-{tool.name}-") as tmp:
        cwd = Path(tmp) / "cwd"
        report_dir = Path(tmp) / "report"
        cwd.mkdir()
        report_dir.mkdir()
        cmd, report = command_for(tool, target, report_dir)
        result.command = cmd
        run_dir = target if tool.name == "detect-secrets" else cwd
        began = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=run_dir, env=env, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            result.error = f"timed out after {timeout:.0f}s"
            return result
        except OSError as exc:
            result.error = f"could not start: {exc}"
            return result
        result.seconds = time.perf_counter() - began
        raw = report.read_bytes() if report is not None and report.exists() else proc.stdout
        try:
            data = json.loads(raw.decode("utf-8", "replace") or "null")
            result.findings = PARSERS[tool.name](data, target, cwd)
        except (ValueError, KeyError, AttributeError, TypeError) as exc:
            stderr = proc.stderr.decode("utf-8", "replace").strip()[-500:]
            result.error = f"exit {proc.returncode}, unreadable output ({exc}): {stderr}"
    return result


def warm_up(tool: Tool) -> None:
    """One throw-away run on a tiny directory (fills rule caches, page cache)."""
    with tempfile.TemporaryDirectory(prefix="bench-warm-") as tmp:
        (Path(tmp) / "warm.txt").write_text("token = 'placeholder'\n", encoding="utf-8")
        run_tool(tool, Path(tmp), timeout=600)
