"""Markdown for the performance benchmark: results table, targets, and the docs section."""

from __future__ import annotations

import math
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import Protocol

from measure import Stats

HEADING = "## Performance"
DEADLINE = 4.5  # guard's default pre-receive deadline (guard/server/budget.py)


class RowLike(Protocol):
    workload: str
    tool: str
    command: str
    stats: Stats
    findings: str
    note: str


@dataclass(frozen=True)
class Target:
    workload: str
    metric: str
    value: float
    goal: str
    met: bool | None


def _find(rows: Sequence[RowLike], workload: str, tool: str, command: str | None = None) -> Stats | None:
    for r in rows:
        if r.workload == workload and r.tool == tool and (command is None or r.command.startswith(command)):
            return r.stats
    return None


def _ratio(a: Stats | None, b: Stats | None, attr: str = "wall") -> float:
    if a is None or b is None:
        return math.nan
    den = float(getattr(b, attr))
    return float(getattr(a, attr)) / den if den else math.nan


def _target(workload: str, metric: str, value: float, limit: float, extra: bool = True) -> Target:
    met = None if math.isnan(value) else (value <= limit and extra)
    return Target(workload, metric, value, f"<= {limit:g}", met)


def targets(rows: Sequence[RowLike], info: Mapping[str, Any]) -> list[Target]:
    out: list[Target] = []
    if _find(rows, "W1", "guard"):
        out.append(_target("W1", "guard / gitleaks wall", _ratio(_find(rows, "W1", "guard"), _find(rows, "W1", "gitleaks")), 0.5))
    if _find(rows, "W2", "guard"):
        g, gl = _find(rows, "W2", "guard"), _find(rows, "W2", "gitleaks")
        out.append(_target("W2", "guard / gitleaks wall", _ratio(g, gl), 0.7))
        out.append(_target("W2", "guard / gitleaks peak RSS", _ratio(g, gl, "maxrss_kb"), 1.5))
    hook = _find(rows, "W3", "guard", "pre-receive hook")
    if hook:
        w3 = info.get("w3", {})
        clean = w3.get("decisions") == ["accept"] and not w3.get("overruns")
        out.append(_target("W3", "hook / gitleaks wall", _ratio(hook, _find(rows, "W3", "gitleaks")), 0.5))
        out.append(_target("W3", "slowest hook run, s (accepted, no overrun)", hook.wall_max, DEADLINE, clean))
    warm = _find(rows, "W3", "guard", "warm pre-receive hook")
    if warm:
        out.append(_target("W3", "warm hook (guard serve) / gitleaks wall", _ratio(warm, _find(rows, "W3", "gitleaks")), 0.5))
    one, four = _find(rows, "W4 1x", "guard"), _find(rows, "W4 4x", "guard")
    if one and four:
        out.append(_target("W4", "guard 4x / 1x wall", _ratio(four, one), 4.4))
        gl = _ratio(_find(rows, "W4 4x", "gitleaks"), _find(rows, "W4 1x", "gitleaks"))
        out.append(Target("W4", "gitleaks 4x / 1x wall (reference)", gl, "-", None))
    return out


def _mib(kb: int) -> str:
    return f"{kb / 1024:.0f}"


def results_table(rows: Sequence[RowLike]) -> str:
    lines = [
        "| workload | tool | what | median wall s | min-max s | CPU s | peak RSS MiB | findings |",
        "|---|---|---|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        s = r.stats
        findings = r.findings + (f"; {r.note}" if r.note else "")
        lines.append(
            f"| {r.workload} | {r.tool} | {r.command} | {s.wall:.3f} | {s.wall_min:.3f}-{s.wall_max:.3f} "
            f"| {s.cpu:.2f} | {_mib(s.maxrss_kb)} | {findings} |"
        )
    return "\n".join(lines)


def targets_table(items: Sequence[Target]) -> str:
    lines = ["| workload | metric | value | target | met |", "|---|---|---:|---|---|"]
    for t in items:
        met = "-" if t.met is None else ("yes" if t.met else "**no**")
        lines.append(f"| {t.workload} | {t.metric} | {t.value:.2f} | {t.goal} | {met} |")
    return "\n".join(lines)


def _inputs(info: Mapping[str, Any]) -> list[str]:
    out = []
    if "w1" in info:
        w1 = info["w1"]
        out.append(
            f"* W1: {len(w1['files'])} files of requests (`{'`, `'.join(w1['files'])}`), "
            f"{w1['staged_added_lines']} added lines staged (5 lines changed and 27 appended per file; "
            "the first file gains one fake GitHub token from `guard.gen`)."
        )
    if "w2" in info:
        out.append(f"* W2: the whole requests history, {info['w2']['commits']} commits.")
    if "w3" in info:
        w3 = info["w3"]
        out.append(
            f"* W3: `{w3['base'][:10]}..{w3['tip'][:10]}`, {w3['commits']} commits, pushed into a fresh bare copy "
            f"of the history up to `{w3['base'][:10]}`; audit log: decision {'/'.join(w3.get('decisions', []))}, "
            f"scanned {'/'.join(map(str, w3.get('scanned_commits', [])))} commits, {w3.get('overruns', 0)} overruns, "
            f"guard's own elapsed (from the hook's start) median "
            f"{_median(w3.get('audit_elapsed_s', [])):.2f} s; deadline {w3.get('deadline_s', DEADLINE):g} s."
        )
    if "w4" in info:
        w4 = info["w4"]
        scales = ", ".join(f"{k}: {v['commits']} commits" for k, v in w4["scales"].items())
        out.append(f"* W4: replay of the first {w4['commits_per_round']} non-merge commits of requests per round; {scales}.")
    return out


def _median(values: Sequence[float]) -> float:
    vals = sorted(v for v in values if not math.isnan(v))
    if not vals:
        return math.nan
    mid = len(vals) // 2
    return vals[mid] if len(vals) % 2 else (vals[mid - 1] + vals[mid]) / 2


METHOD = """\
Method: every number is a whole process (fork to exit; for guard that includes Python start-up),
measured by `bench/measure.py` with `os.wait4`. Each tool runs once untimed (warm page cache),
then the tools alternate (A B A B ...) for the given repetitions; the table shows medians and the
min-max range. CPU s is user + system of the process and the children it waited for (both tools
run `git log -p` / `git diff` underneath). Peak RSS is the largest single process of that tree
(Linux `wait4` semantics), not the sum. W3's hook row is the installed hook (`guard install --hook
pre-receive`) timed by a wrapper script around it, inside a real `git push`; its CPU and RSS are the
push's whole process tree. The warm hook row is the same hook installed with `--warm-socket`, handing
each push to a `guard serve` started before the runs (its children's CPU is not in the push's tree).
gitleaks runs from a fresh temp dir with `--redact`, a JSON report in
another fresh temp dir, and no config of its own; guard with its defaults. W4's synthetic histories
replay real requests commits (their text-file changes) once per round under `r<k>/`, each round's
blobs starting with a different comment line, so k rounds are k times the same work and no blob is
shared between rounds. guard is, unless `--guard-tree worktree`, a snapshot of the committed HEAD
(`git archive`, first on PYTHONPATH for every guard process, the pre-receive hook included), with its
rule cache in a fresh dir that the warm-up run fills and its modules byte-compiled. Every tool runs
without the caller's `PYTHON*`, `GIT_*` and gitleaks config variables (a session's
`PYTHONDONTWRITEBYTECODE=1` or `PYTHONUNBUFFERED=1` would slow the Python tools). The machine is shared with other work (see the
load average): treat differences below ~10% as noise."""


def section(
    command: str,
    facts: Mapping[str, str],
    versions: Mapping[str, str],
    rows: Sequence[RowLike],
    info: Mapping[str, Any],
    reps: int,
    profiles: Mapping[str, str],
) -> str:
    parts = [
        HEADING,
        "",
        "Generated by `bench/perf.py` (rerun it rather than editing this section). Command, from the repository root:",
        "",
        "```sh",
        "bash bench/setup.sh",
        command,
        "```",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in facts.items()) + ".",
        "Tools: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + f". Repetitions: {reps} per tool.",
        "",
        "Inputs (all from a clone of `../shared/repos/requests.bundle` in a temp dir):",
        "",
        *_inputs(info),
        "",
        results_table(rows),
        "",
        "Targets (guard issue 8):",
        "",
        targets_table(targets(rows, info)),
        "",
        METHOD,
    ]
    script_md = info.get("w3", {}).get("prereceive_md")
    if script_md:
        parts += [
            "",
            "W3 cross-check, the server side's own `bench/prereceive.py` (same range, same guard snapshot, its own runs;",
            'its "guard at commit" is the repository\'s HEAD when it ran):',
            "",
            script_md,
        ]
    if profiles:
        parts += ["", "### Where guard's time goes", ""]
        parts += [profiles[k] + "\n" for k in ("floor", "W1", "W2") if k in profiles]
        parts.append("Full listings: `bench/out/profile-W1.txt`, `bench/out/profile-W2.txt` (`--profile`).")
    return "\n".join(parts).rstrip() + "\n"


def write_docs(path: Path, section_text: str, heading: str = HEADING) -> None:
    """Replace the `heading` section of `path` (up to the next `## ` heading), or append it."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.rstrip() == heading), None)
    if start is None:
        path.write_text(text.rstrip("\n") + "\n\n" + section_text, encoding="utf-8")
        return
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    tail = "".join(lines[end:])
    new = "".join(lines[:start]) + section_text + ("\n" + tail if tail else "")
    path.write_text(new, encoding="utf-8")
