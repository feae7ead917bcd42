"""Benchmark guard's pre-receive hook on a real push of ~500 commits, next to gitleaks on the same range.

    .venv/bin/python bench/prereceive.py [--bundle PATH] [--commits 500] [--runs 3]

Setup: clone the bundle (default /work/shared/repos/requests.bundle) into a
temporary directory, pick the range P..Q where Q is the bundle's main branch
and P the first-parent ancestor with at least N commits in P..Q. For each run,
a fresh bare repository is seeded with P (no hook), then Q is pushed:

* push without any hook (what git itself costs);
* push with guard's pre-receive hook (`guard install --hook pre-receive`), with
  budgets wide enough to scan every commit; guard logs its own elapsed time in
  the audit log (`elapsed_ms`, from the hook command's start: it excludes the
  interpreter's start-up, which the push-time difference includes);
* the same with guard's default budgets (4.5 s deadline, fail-closed), to show
  whether such a push fits GitHub Enterprise's 5 s limit;
* `gitleaks git --log-opts="P..Q"` on the clone (reports to a temp dir).

The medians are printed as a Markdown section for docs/benchmarks.md. This
is a benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tools

DEFAULT_BUNDLE = Path("/work/shared/repos/requests.bundle")
GUARD = tools.GUARD_VENV / "bin" / "guard"
ENV = {
    **os.environ,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "HOME": tempfile.mkdtemp(prefix="guard-bench-home-"),
}


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=ENV)
    if proc.returncode != 0:
        raise SystemExit(f"git {' '.join(args)} failed: {proc.stderr.strip()}")
    return proc.stdout.strip()


def pick_range(work: Path, wanted: int) -> tuple[str, str, int]:
    """(P, Q, count) with Q = main and P the nearest first-parent ancestor giving >= wanted commits."""
    tip = git(work, "rev-parse", "main")
    firsts = git(work, "rev-list", "--first-parent", "main").splitlines()
    lo, hi = 1, len(firsts) - 1
    while lo < hi:  # the count grows with the first-parent distance
        mid = (lo + hi) // 2
        if int(git(work, "rev-list", "--count", f"{firsts[mid]}..{tip}")) >= wanted:
            hi = mid
        else:
            lo = mid + 1
    base = firsts[lo]
    return base, tip, int(git(work, "rev-list", "--count", f"{base}..{tip}"))


def seeded(root: Path, work: Path, base: str, name: str) -> Path:
    bare = root / name
    if bare.exists():
        shutil.rmtree(bare)
    git(root, "init", "-q", "--bare", str(bare))
    git(work, "push", "-q", str(bare), f"{base}:refs/heads/main")
    return bare


def timed_push(work: Path, bare: Path, tip: str) -> tuple[float, int, str]:
    start = time.perf_counter()
    proc = subprocess.run(["git", "push", str(bare), f"{tip}:refs/heads/main"], cwd=work, capture_output=True, text=True, env=ENV)
    return time.perf_counter() - start, proc.returncode, proc.stderr


def install_guard(bare: Path, config: Path) -> None:
    proc = subprocess.run(
        [str(GUARD), "install", "--hook", "pre-receive", "--repo", str(bare), "--server-config", str(config)],
        capture_output=True,
        text=True,
        env=ENV,
    )
    if proc.returncode != 0:
        raise SystemExit(f"guard install failed: {proc.stderr.strip()}")


def last_event(bare: Path) -> dict[str, object]:
    lines = (bare / "guard-audit.jsonl").read_text(encoding="utf-8").splitlines()
    event: dict[str, object] = json.loads(lines[-1])
    return event


def run_gitleaks(exe: str, work: Path, base: str, tip: str, reports: Path, n: int) -> tuple[float, int]:
    report = reports / f"gitleaks-{n}.json"
    cmd = [exe, "git", f"--log-opts={base}..{tip}", "--no-banner", "--exit-code", "0", "-f", "json", "-r", str(report), str(work)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"gitleaks failed ({proc.returncode}): {proc.stderr.strip()[-500:]}")
    return elapsed, len(json.loads(report.read_text() or "[]"))


def _rule_count() -> int:
    proc = subprocess.run([str(GUARD), "rules", "list", "--format", "json"], capture_output=True, text=True, env=ENV)
    return len(json.loads(proc.stdout)) if proc.returncode == 0 else 0


def _summary(findings: object) -> str:
    assert isinstance(findings, list)
    secrets = [f for f in findings if f["rule"].startswith("secret.")]
    risks = [f for f in findings if not f["rule"].startswith("secret.")]
    blocking = sum(1 for f in secrets if f["action"] == "block")
    return f"{len(secrets)} secret findings ({blocking} blocking), {len(risks)} risk findings (warnings)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    ap.add_argument("--commits", type=int, default=500)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    gitleaks = tools.find_gitleaks()
    root = Path(tempfile.mkdtemp(prefix="guard-bench-prereceive-"))
    try:
        work = root / "work"
        git(root, "clone", "-q", str(args.bundle), str(work))
        git(work, "branch", "-f", "main", "origin/main") if git(work, "branch", "--show-current") != "main" else None
        base, tip, count = pick_range(work, args.commits)
        wide = root / "wide.toml"
        wide.write_text(f'[server]\ndeadline = 600\nmax-commits = 100000\non-overrun = "fail-open"\nlog = "{root}/wide.jsonl"\n')
        default = root / "default.toml"
        default.write_text(f'[server]\nlog = "{root}/default.jsonl"\n')
        reports = root / "reports"
        reports.mkdir()
        plain, hooked, internal, gl = [], [], [], []
        findings: object = []
        gl_findings = 0
        default_result = ""
        for n in range(args.runs):
            bare = seeded(root, work, base, "plain.git")
            t, code, err = timed_push(work, bare, tip)
            assert code == 0, err
            plain.append(t)
            bare = seeded(root, work, base, "guarded.git")
            install_guard(bare, wide)
            t, code, err = timed_push(work, bare, tip)
            hooked.append(t)
            event = json.loads((root / "wide.jsonl").read_text().splitlines()[-1])
            if "error" in event:
                raise SystemExit(f"guard's hook failed: {event['error']}")
            internal.append(float(event["elapsed_ms"]) / 1000)  # type: ignore[arg-type]
            findings = event["findings"]
            scanned = event["scanned_commits"]
            if gitleaks is not None:
                t, gl_findings = run_gitleaks(gitleaks.exe, work, base, tip, reports, n)
                gl.append(t)
        bare = seeded(root, work, base, "defaults.git")
        install_guard(bare, default)
        t, code, _ = timed_push(work, bare, tip)
        event = json.loads((root / "default.jsonl").read_text().splitlines()[-1])
        if "error" in event:
            raise SystemExit(f"guard's hook failed: {event['error']}")
        verdict = "accepted" if code == 0 else "rejected"
        overruns = ", ".join(o["kind"] for o in event["overruns"]) or "none"  # type: ignore[attr-defined]
        default_result = (
            f"{verdict} in {t:.2f} s, {event['scanned_commits']} of {event['new_commits']} commits scanned, overruns: {overruns}"
        )

        def med(xs: list[float]) -> str:
            return f"{statistics.median(xs):.2f} s" if xs else "n/a"

        head = git(tools.REPO, "rev-parse", "--short=10", "HEAD")
        print(f"## Pre-receive hook: a {count}-commit push (guard vs gitleaks)\n")
        print(f"Range: requests `{base[:10]}..{tip[:10]}` ({count} commits, {scanned} scanned by guard), pushed into")
        print(f"a fresh bare repository seeded with `{base[:10]}`. Median of {args.runs} runs on {platform.machine()},")
        print(f"{os.cpu_count()} cores, Python {platform.python_version()}, {git(root, '--version')}, guard at")
        print(f"commit `{head}` with {_rule_count()} rules. Produced by `bench/prereceive.py`.\n")
        print("| measurement | time |")
        print("|---|---|")
        print(f"| `git push`, no hook | {med(plain)} |")
        print(f"| `git push` with guard's pre-receive hook (every commit scanned) | {med(hooked)} |")
        print(f"| guard's hook alone (extra push time) | {statistics.median(hooked) - statistics.median(plain):.2f} s |")
        print(f"| guard's own elapsed time (audit log `elapsed_ms`, excludes interpreter start) | {med(internal)} |")
        version = gitleaks.version if gitleaks else "missing"
        print(f'| `gitleaks git --log-opts="P..Q"` {version} on the clone | {med(gl)} |\n')
        print(f"Findings in the range: guard {_summary(findings)}; gitleaks {gl_findings}.")
        print(f"With guard's default budgets (4.5 s deadline, fail-closed): {default_result}.")
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(ENV["HOME"], ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
