"""Performance of guard against gitleaks (and detect-secrets for pre-commit).

Usage::

    python3 bench/perf.py [--reps 5] [--only W1,W2,W3,W4] [--json OUT] [--markdown OUT]
                          [--docs] [--profile] [--bundle PATH] [--keep]
                          [--guard-tree head|worktree] [--w3-commits 500] [--w4-commits 1000]

Workloads, all on a clone of ``../shared/repos/requests.bundle`` in a temp dir:

* W1 pre-commit: a ~320-line change to 10 real files is staged (one file gains a
  fake GitHub token); ``guard hook pre-commit`` vs ``gitleaks git --pre-commit
  --staged`` vs ``detect-secrets-hook`` on the 10 files.
* W2 full history: ``guard scan --all-history --format json`` vs ``gitleaks git``.
* W3 pre-receive: ~500 new commits pushed into a fresh bare repo holding the
  older history, guard's hook installed with ``guard install --hook pre-receive``
  (timed by a wrapper script around it); vs ``gitleaks git --log-opts=BASE..TIP``
  (and ``guard scan --range``) on the same range of the pushed repo.
* W4 scaling: synthetic histories of 1x, 2x and 4x the same work (see
  ``workloads.synthetic_history``); ``guard scan --all-history`` and ``gitleaks git``.

Every timed run is a whole process (``measure.run``: wall time, CPU time and peak
RSS from ``os.wait4``). Each tool is run once untimed first (warm caches), then
the tools alternate, A B A B ..., ``--reps`` times; tables show medians.
gitleaks always runs from a fresh temp dir with its report in another fresh temp
dir (it deletes the report path before writing). guard is a snapshot of the
committed HEAD unless ``--guard-tree worktree`` (see ``perf_setup``). With
``--profile``: where guard's time goes on W1 and W2 (``profiling``).
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import perf_report
import perf_setup
import profiling
import workloads
from measure import Sample
from measure import Stats
from measure import machine_facts
from measure import run
from measure import summarize
from tools import GUARD_VENV
from tools import REPO
from tools import Tool
from tools import find_tools

DEFAULT_BUNDLE = REPO.parent / "shared" / "repos" / "requests.bundle"
WORKLOADS = ("W1", "W2", "W3", "W4")


@dataclass(frozen=True)
class Row:
    workload: str
    tool: str
    command: str
    stats: Stats
    findings: str = ""
    note: str = ""


@dataclass
class Context:
    work: Path
    source: Path
    tools: dict[str, Tool]
    reps: int
    genv: dict[str, str] = field(default_factory=dict)  # environment of every guard process
    runs: int = 0
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def guard(self) -> str:
        return self.tools["guard"].exe

    @property
    def gitleaks(self) -> str:
        return self.tools["gitleaks"].exe

    def fresh(self, name: str) -> Path:
        self.runs += 1
        path = self.work / "runs" / f"{self.runs:04d}-{name}"
        path.mkdir(parents=True)
        return path


Task = tuple[str, Callable[[], Sample]]


def alternate(tasks: list[Task], reps: int) -> dict[str, list[Sample]]:
    """One untimed warm-up run of each task, then reps rounds of A B C ..."""
    for _, fn in tasks:
        fn()
    samples: dict[str, list[Sample]] = {name: [] for name, _ in tasks}
    for _ in range(reps):
        for name, fn in tasks:
            samples[name].append(fn())
    return samples


def gitleaks_git(ctx: Context, target: Path, *extra: str) -> tuple[list[str], Path]:
    out = ctx.fresh("gitleaks")
    report = out / "report" / "gl.json"
    report.parent.mkdir()
    cmd = [ctx.gitleaks, "git", *extra, "--no-banner", "--log-level", "error", "--redact"]
    cmd += ["--report-format", "json", "--report-path", str(report), str(target)]
    return cmd, report


def json_count(path: Path, key: str | None = None) -> str:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "?"
    items = data.get(key, []) if key and isinstance(data, dict) else data
    return str(len(items)) if isinstance(items, list) else "?"


# ---- W1 -------------------------------------------------------------------------------


def prepare_w1(ctx: Context) -> tuple[Path, list[str]]:
    """The W1 clone with its change staged (built once)."""
    repo = ctx.work / "w1"
    if "w1" not in ctx.info:
        workloads.clone(ctx.info["bundle"], repo)
        token = workloads.fake_github_token(GUARD_VENV / "bin" / "python")
        files = workloads.stage_change(repo, token)
        ctx.info["w1"] = {"files": files, "staged_added_lines": workloads.staged_line_count(repo)}
    return repo, list(ctx.info["w1"]["files"])


def w1(ctx: Context) -> list[Row]:
    repo, files = prepare_w1(ctx)
    last: dict[str, str] = {}

    def guard() -> Sample:
        out = ctx.fresh("guard")
        sample = run([ctx.guard, "hook", "pre-commit"], cwd=repo, stdout=out / "stdout", env=ctx.genv)
        last["guard"] = f"exit {sample.rc}"
        return sample

    def gitleaks() -> Sample:
        cmd, report = gitleaks_git(ctx, repo, "--pre-commit", "--staged")
        sample = run(cmd, cwd=report.parent.parent, stdout=report.parent.parent / "stdout")
        last["gitleaks"] = f"{json_count(report)} (exit {sample.rc})"
        return sample

    tasks: list[Task] = [("guard", guard), ("gitleaks", gitleaks)]
    dsecrets_tool = ctx.tools.get("detect-secrets")
    hook = shutil.which("detect-secrets-hook", path=str(Path(dsecrets_tool.exe).parent)) if dsecrets_tool else None
    if hook:

        def dsecrets() -> Sample:
            out = ctx.fresh("dsecrets")
            sample = run([hook, *files], cwd=repo, stdout=out / "stdout")
            last["detect-secrets"] = f"exit {sample.rc}"
            return sample

        tasks.append(("detect-secrets", dsecrets))
    samples = alternate(tasks, ctx.reps)
    commands = {
        "guard": "guard hook pre-commit",
        "gitleaks": "gitleaks git --pre-commit --staged",
        "detect-secrets": "detect-secrets-hook <10 files>",
    }
    return [Row("W1", name, commands[name], summarize(s), last.get(name, "")) for name, s in samples.items()]


# ---- W2 -------------------------------------------------------------------------------


def history_tasks(ctx: Context, repo: Path, last: dict[str, str]) -> list[Task]:
    def guard() -> Sample:
        out = ctx.fresh("guard")
        cmd = [ctx.guard, "scan", "--all-history", "--format", "json", "--repo", str(repo)]
        sample = run(cmd, cwd=out, stdout=out / "stdout", env=ctx.genv)
        last["guard"] = f"{json_count(out / 'stdout', 'findings')} (exit {sample.rc})"
        return sample

    def gitleaks() -> Sample:
        cmd, report = gitleaks_git(ctx, repo, "--exit-code", "0")
        sample = run(cmd, cwd=report.parent.parent, stdout=report.parent.parent / "stdout")
        last["gitleaks"] = f"{json_count(report)} (exit {sample.rc})"
        return sample

    return [("guard", guard), ("gitleaks", gitleaks)]


def w2(ctx: Context) -> list[Row]:
    repo = ctx.source
    ctx.info["w2"] = {"commits": int(workloads.git("rev-list", "--all", "--count", cwd=repo).strip())}
    last: dict[str, str] = {}
    samples = alternate(history_tasks(ctx, repo, last), ctx.reps)
    commands = {"guard": "guard scan --all-history --format json", "gitleaks": "gitleaks git --exit-code 0"}
    return [Row("W2", name, commands[name], summarize(s), last[name]) for name, s in samples.items()]


# ---- W3 -------------------------------------------------------------------------------


def w3(ctx: Context, commits: int) -> list[Row]:
    rng = workloads.pick_base(ctx.source, commits)
    times = ctx.work / "w3-hook-times.txt"
    template = workloads.bare_template(ctx.source, ctx.work / "w3-template.git", rng.base, Path(ctx.guard), times)
    warm_times = ctx.work / "w3-warm-hook-times.txt"
    sock = Path(tempfile.mkdtemp(prefix="gw", dir="/tmp")) / "guard.sock"  # a socket path must be short
    warm_template = workloads.bare_template(
        ctx.source, ctx.work / "w3-warm-template.git", rng.base, Path(ctx.guard), warm_times, warm_socket=sock
    )
    server = workloads.start_server(Path(ctx.guard), sock, ctx.genv)
    ctx.info["w3"] = {"base": rng.base, "tip": rng.tip, "commits": rng.commits}
    pushed: list[Path] = []
    hook: list[Sample] = []
    warm_hook: list[Sample] = []
    audit: list[dict[str, Any]] = []
    last: dict[str, str] = {}

    def pusher(name: str, source: Path, stamps: Path, into: list[Sample]) -> Callable[[], Sample]:
        def push() -> Sample:
            out = ctx.fresh(name)
            target = workloads.copy_repo(source, out / "repo.git")
            before = len(stamps.read_text().splitlines()) if stamps.exists() else 0
            cmd = ["git", "push", "--quiet", str(target), f"{rng.tip}:refs/heads/main"]
            sample = run(cmd, cwd=ctx.source, stdout=out / "stdout", env=ctx.genv)
            rows = stamps.read_text().splitlines()[before:]
            if len(rows) == 1:
                start, end, rc = (int(x) for x in rows[0].split())
                into.append(Sample(wall=(end - start) / 1e9, cpu=sample.cpu, maxrss_kb=sample.maxrss_kb, rc=rc))
            events = (target / "guard-audit.jsonl").read_text(encoding="utf-8").splitlines()
            if name == "push":
                audit.append(json.loads(events[-1]) if events else {})
                pushed.append(target)
            last[name] = f"exit {sample.rc}"
            return sample

        return push

    push = pusher("push", template, times, hook)
    push_warm = pusher("push-warm", warm_template, warm_times, warm_hook)

    def gitleaks() -> Sample:
        cmd, report = gitleaks_git(ctx, pushed[-1], f"--log-opts={rng.base}..{rng.tip}", "--exit-code", "0")
        sample = run(cmd, cwd=report.parent.parent, stdout=report.parent.parent / "stdout")
        last["gitleaks"] = f"{json_count(report)} (exit {sample.rc})"
        return sample

    def guard_range() -> Sample:
        out = ctx.fresh("guard-range")
        cmd = [ctx.guard, "scan", "--range", f"{rng.base}..{rng.tip}", "--format", "json", "--repo", str(pushed[-1])]
        sample = run(cmd, cwd=out, stdout=out / "stdout", env=ctx.genv)
        last["guard-range"] = f"{json_count(out / 'stdout', 'findings')} (exit {sample.rc})"
        return sample

    try:
        tasks = [("push", push), ("push-warm", push_warm), ("gitleaks", gitleaks), ("guard-range", guard_range)]
        samples = alternate(tasks, ctx.reps)
    finally:
        served = workloads.stop_server(server)
        shutil.rmtree(sock.parent, ignore_errors=True)
    ctx.info["w3"]["warm_requests"] = served
    hook, audit, warm_hook = hook[1:], audit[1:], warm_hook[1:]  # drop the warm-up pushes
    elapsed = [float(e.get("elapsed_ms", "nan")) / 1000 for e in audit]
    decisions = sorted({str(e.get("decision")) for e in audit})
    overruns = sum(len(e.get("overruns") or []) for e in audit)
    scanned = sorted({int(e.get("scanned_commits", -1)) for e in audit})
    found = sorted({len(e.get("findings") or []) for e in audit})
    ctx.info["w3"].update(
        decisions=decisions,
        overruns=overruns,
        scanned_commits=scanned,
        audit_elapsed_s=elapsed,
        deadline_s=4.5,
    )
    note = f"decision {'/'.join(decisions)}, scanned {'/'.join(map(str, scanned))}, overruns {overruns}"
    rows = []
    if len(hook) == ctx.reps:
        rows.append(
            Row("W3", "guard", "pre-receive hook (installed, wrapper-timed)", summarize(hook), "/".join(map(str, found)), note)
        )
    if len(warm_hook) == ctx.reps:
        label = "warm pre-receive hook (`guard serve`, wrapper-timed)"
        rows.append(Row("W3", "guard", label, summarize(warm_hook), last["push-warm"]))
    rows.append(Row("W3", "guard", "git push incl. hook (context)", summarize(samples["push"]), last["push"]))
    rows.append(Row("W3", "gitleaks", "gitleaks git --log-opts=BASE..TIP", summarize(samples["gitleaks"]), last["gitleaks"]))
    rows.append(
        Row("W3", "guard", "guard scan --range BASE..TIP (context)", summarize(samples["guard-range"]), last["guard-range"])
    )
    ctx.info["w3"]["prereceive_md"] = perf_setup.prereceive_script(REPO, ctx.info["bundle"], commits, ctx.reps, ctx.genv)
    return rows


# ---- W4 -------------------------------------------------------------------------------


def w4(ctx: Context, commits: int, scales: tuple[int, ...]) -> list[Row]:
    rows: list[Row] = []
    ctx.info["w4"] = {"commits_per_round": commits, "scales": {}}
    for k in scales:
        repo, count = workloads.synthetic_history(ctx.source, ctx.work / f"w4-{k}x", commits, k)
        ctx.info["w4"]["scales"][f"{k}x"] = {"commits": count}
        last: dict[str, str] = {}
        samples = alternate(history_tasks(ctx, repo, last), ctx.reps)
        for name, s in samples.items():
            rows.append(Row(f"W4 {k}x", name, f"{count} commits, all history", summarize(s), last[name]))
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=5, help="timed runs per tool (default 5)")
    p.add_argument("--only", default=",".join(WORKLOADS), help="workloads to run (default W1,W2,W3,W4)")
    p.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE, help="git bundle to clone")
    p.add_argument("--json", type=Path, help="write all results as JSON")
    p.add_argument("--markdown", type=Path, help="write the markdown section to this file")
    p.add_argument("--docs", action="store_true", help="replace the Performance section of docs/benchmarks.md")
    p.add_argument("--profile", action="store_true", help="importtime and cProfile of guard on W1 and W2 (bench/out/)")
    p.add_argument("--w3-commits", type=int, default=500, help="commits pushed in W3 (default 500)")
    p.add_argument("--w4-commits", type=int, default=1000, help="replayed commits per W4 round (default 1000)")
    p.add_argument("--guard-tree", choices=("head", "worktree"), default="head", help="guard to run (default: HEAD snapshot)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir")
    args = p.parse_args(argv)
    args.only = [w.strip().upper() for w in args.only.split(",") if w.strip()]
    unknown = [w for w in args.only if w not in WORKLOADS]
    if unknown:
        p.error(f"unknown workload(s) {', '.join(unknown)}; known: {', '.join(WORKLOADS)}")
    if args.reps < 1:
        p.error("--reps must be >= 1")
    return args


def command_line(argv: list[str] | None) -> str:
    args = sys.argv[1:] if argv is None else argv
    return " ".join(["python3", "bench/perf.py", *args])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tools = find_tools(["guard", "gitleaks", "detect-secrets"])
    if "guard" not in tools or "gitleaks" not in tools:
        print("error: guard and gitleaks are both required (bench/setup.sh)", file=sys.stderr)
        return 2
    if not args.bundle.is_file():
        print(f"error: no bundle at {args.bundle}", file=sys.stderr)
        return 2
    facts = machine_facts(GUARD_VENV / "bin" / "python")
    work = Path(tempfile.mkdtemp(prefix="guard-perf-"))
    ctx = Context(work=work, source=work / "source", tools=tools, reps=args.reps)
    ctx.info["bundle"] = args.bundle
    rows: list[Row] = []
    profiles: dict[str, str] = {}
    try:
        under_test = perf_setup.prepare(REPO, work, GUARD_VENV / "bin" / "python", args.guard_tree)
        ctx.genv, ctx.info["guard_label"] = under_test.env, under_test.label
        workloads.clone(args.bundle, ctx.source)
        for name in args.only:
            print(f"running {name} ...", file=sys.stderr, flush=True)
            if name == "W1":
                rows += w1(ctx)
            elif name == "W2":
                rows += w2(ctx)
            elif name == "W3":
                rows += w3(ctx, args.w3_commits)
            else:
                rows += w4(ctx, args.w4_commits, (1, 2, 4))
        if args.profile:
            out_dir = REPO / "bench" / "out"
            print("profiling guard on W1 and W2 ...", file=sys.stderr, flush=True)
            w1_repo, _ = prepare_w1(ctx)
            profiles = profiling.profile_all(GUARD_VENV / "bin" / "python", w1_repo, ctx.source, out_dir, ctx.genv)
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    load = os.getloadavg()
    facts = {"guard": ctx.info.pop("guard_label", "?"), **facts, "load avg at end": f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"}
    versions = {name: tool.version for name, tool in tools.items()}
    info = {k: v for k, v in ctx.info.items() if k != "bundle"}
    section = perf_report.section(command_line(argv), facts, versions, rows, info, args.reps, profiles)
    print(section)
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(section, encoding="utf-8")
    if args.docs:
        perf_report.write_docs(REPO / "docs" / "benchmarks.md", section)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "command": command_line(argv),
            "machine": facts,
            "versions": versions,
            "info": info,
            "rows": [asdict(r) for r in rows],
            "targets": [asdict(t) for t in perf_report.targets(rows, info)],
        }
        args.json.write_text(json.dumps(payload, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
