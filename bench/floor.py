"""The floor under W2 and W3: what the stages every guard scan must run cost on their own.

    python3 bench/floor.py [--bundle PATH] [--reps 5] [--w3-commits 500] [--markdown OUT] [--docs]

guard's flow is fixed by its design: git's diff of each commit -> changes with
their added lines -> tree-sitter parses of the files whose added lines survive
the keyword prefilter -> detectors -> policy -> report. This script times the
first stages alone, so the issue's targets can be set against what is left for
the rest:

* ``git log``: the exact ``git log -p`` guard runs (guard/sources/gitlog.py),
  commits split into the chunks guard uses and read on both cores, output
  dropped. What git costs.
* ``changes``: the same, parsed into Change objects by guard's own parser:
  git plus reading the diff, nothing scanned.
* ``tree-sitter``: the parse calls of a real scan, timed one by one (their
  sum over the run, CPU seconds, one process so nothing overlaps).
* ``guard``: the whole scan (``guard scan --all-history``, or the W3 range),
  and ``gitleaks`` on the same commits, alternating.

The stages run in this interpreter after guard's imports and rule loading, as
in a warm ``guard serve`` child: start-up is timed separately
(``python -c "import guard.cli"`` is in bench/profiling.py). CPU is user +
system of this process and the children it waited for (``git``, forked
workers), from ``getrusage``. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import perf_report
import tools
import workloads
from measure import clean_env
from measure import run

DEFAULT_BUNDLE = tools.REPO.parent / "shared" / "repos" / "requests.bundle"
HEADING = "## The floor under W2 and W3"


@dataclass(frozen=True)
class Timed:
    wall: float
    cpu: float


def _cpu() -> float:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], Any]) -> Timed:
    w, c = time.perf_counter(), _cpu()
    fn()
    return Timed(time.perf_counter() - w, _cpu() - c)


def _chunks(shas: Sequence[str]) -> tuple[list[Sequence[str]], int]:
    from guard import parallel
    from guard.run import CHUNKS_PER_WORKER

    workers = parallel.jobs(len(shas))
    return parallel.split(shas, workers * CHUNKS_PER_WORKER if workers > 1 else 1), workers


def git_only(repo: Path, shas: Sequence[str]) -> None:
    from guard import parallel
    from guard.sources.gitlog import log_command

    def one(chunk: Sequence[str]) -> int:
        proc = subprocess.run(
            log_command((), stdin=True),
            input="".join(f"{s}\n" for s in chunk).encode(),
            stdout=subprocess.PIPE,
            env={**os.environ, "GIT_DIR": str(repo / ".git"), "LC_ALL": "C"},
            check=True,
        )
        return len(proc.stdout)

    chunks, workers = _chunks(shas)
    parallel.map_chunks(one, chunks, workers)


def changes_only(repo: Path, shas: Sequence[str]) -> None:
    import pygit2

    from guard import parallel
    from guard.sources.gitlog import log_changes

    def one(chunk: Sequence[str]) -> int:
        n = 0
        for _, found in log_changes(pygit2.Repository(str(repo)), (), stdin_revs=chunk):
            n += sum(len(c.added) for c in found)
        return n

    chunks, workers = _chunks(shas)
    parallel.map_chunks(one, chunks, workers)


def parse_seconds(repo: Path, rev_range: str | None) -> tuple[float, int, float]:
    """(seconds inside tree-sitter's parse calls, how many, whole scan CPU) for one single-process scan."""
    import tree_sitter

    from guard.config import Config
    from guard.run import Request
    from guard.run import execute

    real = tree_sitter.Parser
    spent = [0.0, 0]

    class Timing:
        def __init__(self, language: Any) -> None:
            self._p = real(language)

        def parse(self, data: bytes, *args: Any) -> Any:
            t = time.process_time()
            try:
                return self._p.parse(data, *args)
            finally:
                spent[0] += time.process_time() - t
                spent[1] += 1

    os.environ["GUARD_JOBS"] = "1"
    tree_sitter.Parser = Timing  # type: ignore[misc]
    try:
        mode = "range" if rev_range else "history"
        cpu = timed(lambda: execute(Request(mode=mode, rev_range=rev_range, repo=repo, config=Config()))).cpu
    finally:
        tree_sitter.Parser = real  # type: ignore[misc]
        del os.environ["GUARD_JOBS"]
    return spent[0], int(spent[1]), cpu


def warm_up() -> None:
    """What a scan does before it reads history: imports, rules, keyword index and gates (as _WARM)."""
    from guard.config import Config
    from guard.run import active_rules
    from guard.scan import Engine

    Engine(active_rules(Config())).use_gates(large=True)


def _median(xs: list[Timed]) -> Timed:
    return Timed(statistics.median(t.wall for t in xs), statistics.median(t.cpu for t in xs))


def external(cmd: list[str], cwd: Path, env: dict[str, str]) -> Timed:
    out = Path(tempfile.mkdtemp(prefix="run-", dir=cwd.parent))
    s = run(cmd, cwd=cwd, stdout=out / "stdout", env=env)
    return Timed(s.wall, s.cpu)


def workload(repo: Path, shas: list[str], rev_range: str | None, reps: int, gitleaks: str | None) -> dict[str, Any]:
    guard_cmd = [str(tools.GUARD_VENV / "bin" / "guard"), "scan", "--format", "json", "--repo", str(repo)]
    guard_cmd += ["--range", rev_range] if rev_range else ["--all-history"]
    stages: dict[str, list[Timed]] = {"git log": [], "changes": [], "guard": [], "gitleaks": []}
    genv = clean_env()
    for i in range(reps + 1):  # the first round warms the page cache and is dropped
        got = {
            "git log": timed(lambda: git_only(repo, shas)),
            "changes": timed(lambda: changes_only(repo, shas)),
            "guard": external(guard_cmd, repo, genv),
        }
        if gitleaks:
            report = Path(tempfile.mkdtemp(prefix="gitleaks-", dir=repo.parent)) / "gl.json"  # never /dev/null
            log_opts = [f"--log-opts={rev_range}"] if rev_range else []
            cmd = [gitleaks, "git", *log_opts, "--exit-code", "0", "--no-banner", "--log-level", "error"]
            got["gitleaks"] = external(
                [*cmd, "--redact", "--report-format", "json", "--report-path", str(report), str(repo)], repo, genv
            )
        if i:
            for k, v in got.items():
                stages[k].append(v)
    parse, parses, scan_cpu = parse_seconds(repo, rev_range)
    return {
        "commits": len(shas),
        "stages": {k: _median(v) for k, v in stages.items() if v},
        "parse": parse,
        "parses": parses,
        "scan_cpu_one_process": scan_cpu,
    }


def markdown(results: dict[str, dict[str, Any]], startup: Timed, command: str) -> str:
    lines = [
        HEADING,
        "",
        f"`{command}`: stages timed alone in one warm interpreter (imports and rules loaded, as in a `guard serve`"
        " child), medians; CPU is user + system including git and forked workers. Interpreter start-up"
        f" with guard's imports and rules: {startup.wall:.3f} s wall, {startup.cpu:.3f} s CPU (`guard` runs pay it, a"
        " warm server's do not).",
        "",
        "| workload | stage | wall s | CPU s |",
        "|---|---|---|---|",
    ]
    for name, r in results.items():
        st = r["stages"]
        for stage in ("git log", "changes", "guard", "gitleaks"):
            if stage in st:
                what = {
                    "git log": "`git log -p` as guard runs it, both cores, output dropped",
                    "changes": "the same, parsed into changes (nothing scanned)",
                    "guard": "whole guard scan (own process)",
                    "gitleaks": "gitleaks on the same commits",
                }[stage]
                lines.append(f"| {name} ({r['commits']} commits) | {what} | {st[stage].wall:.3f} | {st[stage].cpu:.3f} |")
        lines.append(f"| {name} | tree-sitter parse calls of a one-process scan ({r['parses']} parses) | – | {r['parse']:.3f} |")
        lines.append(f"| {name} | that one-process scan, whole | – | {r['scan_cpu_one_process']:.3f} |")
    lines.append("")
    for name, r in results.items():
        st = r["stages"]
        if "gitleaks" not in st:
            continue
        factor = 0.7 if name == "W2" else 0.5
        target = factor * st["gitleaks"].wall
        cpu_budget = 2 * target
        fixed = st["changes"].cpu + r["parse"] + (startup.cpu if name == "W2" else 0.0)
        rest_now = max(0.0, r["scan_cpu_one_process"] - (st["changes"].cpu + r["parse"]))
        left = cpu_budget - fixed
        lines.append(
            f"* {name}: target {factor}x gitleaks = {target:.3f} s wall, at most {cpu_budget:.2f} CPU-s on 2 cores."
            f" git + reading the diff + tree-sitter{' + start-up' if name == 'W2' else ' (no start-up: a warm server)'}"
            f" take {fixed:.2f};"
            f" {left:.2f} CPU-s would be left for the keyword prefilter, every detector, authorship, policy and the"
            f" report, which take {rest_now:.2f} now"
            + (
                " (nothing is left)."
                if left <= 0
                else f" ({rest_now / left:.1f}x too much)."
                if rest_now > left
                else f": it fits on CPU alone, with {left - rest_now:.2f} CPU-s to spare for the client, forks and imbalance."
            )
        )
    r2 = results.get("W2", {})
    w2 = r2.get("stages", {})
    if "gitleaks" in w2:
        target_cpu = 2 * 0.7 * w2["gitleaks"].wall
        reader = w2["changes"].cpu - w2["git log"].cpu
        free = target_cpu - (w2["git log"].cpu + r2["parse"] + startup.cpu)
        rest = max(0.0, r2["scan_cpu_one_process"] - (w2["changes"].cpu + r2["parse"]))
        lines += [
            "",
            f"W2's target allows at most {target_cpu:.2f} CPU-s on two cores, less than gitleaks' own"
            f" {w2['gitleaks'].cpu:.2f}, and guard's mandated stages alone nearly fill it before a single rule runs."
            f" Even a diff reader costing nothing (it takes {reader:.2f} CPU-s) would leave {free:.2f} CPU-s for"
            f" the {rest:.2f} the rest takes now ({rest / free:.1f}x).",
        ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    python = tools.GUARD_VENV / "bin" / "python"
    try:
        import guard  # noqa: F401
    except ImportError:  # the stages run guard's own code in this interpreter
        if not python.exists():
            print(f"floor: no guard environment at {tools.GUARD_VENV} (make test creates it)", file=sys.stderr)
            return 2
        os.execv(str(python), [str(python), __file__, *(sys.argv[1:] if argv is None else argv)])
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--w3-commits", type=int, default=500)
    p.add_argument("--markdown", type=Path, help="also write the section here")
    p.add_argument("--docs", action="store_true", help="replace this section of docs/benchmarks.md")
    args = p.parse_args(argv)
    if not args.bundle.is_file():
        print(f"floor: no bundle at {args.bundle}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="guard-floor-"))
    try:
        text = _measure(args, workloads.clone(args.bundle, work / "requests"), python)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")
    if args.docs:
        perf_report.write_docs(tools.REPO / "docs" / "benchmarks.md", text, HEADING)
    return 0


def _measure(args: argparse.Namespace, repo: Path, python: Path) -> str:
    gl = tools.find_gitleaks()
    startup = _median(
        [external([str(python), "-c", "import guard.cli, guard.run; " + _WARM], repo, clean_env()) for _ in range(args.reps)]
    )
    t = timed(warm_up)
    print(f"warm-up in this process: {t.wall:.3f} s", file=sys.stderr)
    shas_all = workloads.git("rev-list", "--reverse", "--topo-order", "--all", "--", cwd=repo).split()
    rng = workloads.pick_base(repo, args.w3_commits)
    span = f"{rng.base}..{rng.tip}"
    shas_w3 = workloads.git("rev-list", "--reverse", "--topo-order", span, "--", cwd=repo).split()
    results = {
        "W2": workload(repo, shas_all, None, args.reps, gl.exe if gl else None),
        "W3": workload(repo, shas_w3, span, args.reps, gl.exe if gl else None),
    }
    command = f"python3 bench/floor.py --reps {args.reps} --w3-commits {args.w3_commits}" + (" --docs" if args.docs else "")
    return markdown(results, startup, command)


_WARM = (
    "from guard.config import Config; from guard.run import active_rules; from guard.scan import Engine; "
    "Engine(active_rules(Config())).use_gates(large=True)"
)

if __name__ == "__main__":
    sys.exit(main())
