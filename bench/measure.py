"""Run a command as a child process and measure it: wall time, CPU time, peak RSS.

The child is started with ``subprocess.Popen`` and reaped with ``os.wait4``, which
returns the child's own ``rusage``. On Linux that rusage is taken with
``RUSAGE_BOTH``-like semantics: CPU times include the descendants the child waited
for (e.g. the ``git log -p`` process both guard and gitleaks start), and
``ru_maxrss`` is the *largest single process* in that tree, not the sum. Wall time
is measured around the whole process (fork, exec, interpreter start-up, exit).

Standard library only.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

# Environment variables that would silently change a tool's configuration.
SCRUB_ENV = ("GITLEAKS_CONFIG", "GITLEAKS_CONFIG_TOML", "KF_RULE_CACHE_DIR", "GUARD_DEBUG", "GUARD_SERVER_CONFIG")


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds
    cpu: float  # user + system seconds, child and its waited-for descendants
    maxrss_kb: int  # peak resident set of the largest process in the tree
    rc: int  # exit code, or -signal


@dataclass(frozen=True)
class Stats:
    n: int
    wall: float  # median
    wall_min: float
    wall_max: float
    cpu: float  # median
    maxrss_kb: int  # maximum over the runs
    rcs: tuple[int, ...]


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The caller's environment without tool configuration, GIT_* and PYTHON* variables.

    PYTHON* matters: a session with PYTHONDONTWRITEBYTECODE=1 makes every Python
    tool recompile its modules on every run, and PYTHONUNBUFFERED=1 turns each
    small write into a system call; neither is what a developer's hook sees.
    """
    env = {k: v for k, v in os.environ.items() if k not in SCRUB_ENV and not k.startswith("GIT_") and not k.startswith("PYTHON")}
    env["LC_ALL"] = "C.UTF-8"
    env.update(extra or {})
    return env


def run(
    cmd: Sequence[str],
    *,
    cwd: Path,
    stdout: Path,
    stdin: bytes | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 600.0,
) -> Sample:
    """Run ``cmd`` once; stdout goes to the file ``stdout``, stderr to ``stdout`` + ``.err``."""
    err_path = stdout.with_name(stdout.name + ".err")
    with open(stdout, "wb") as out, open(err_path, "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            list(cmd),
            cwd=cwd,
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=dict(env) if env is not None else clean_env(),
        )
        killer = threading.Timer(timeout, proc.kill)
        killer.start()
        try:
            if stdin is not None and proc.stdin is not None:
                try:
                    proc.stdin.write(stdin)
                    proc.stdin.close()
                except BrokenPipeError:
                    pass
            _, status, usage = os.wait4(proc.pid, 0)
            t1 = time.perf_counter()
        finally:
            killer.cancel()
    rc = os.waitstatus_to_exitcode(status)
    proc.returncode = rc  # reaped by wait4; tell Popen so it does not wait again
    return Sample(wall=t1 - t0, cpu=usage.ru_utime + usage.ru_stime, maxrss_kb=int(usage.ru_maxrss), rc=rc)


def summarize(samples: Sequence[Sample]) -> Stats:
    walls = [s.wall for s in samples]
    return Stats(
        n=len(samples),
        wall=statistics.median(walls),
        wall_min=min(walls),
        wall_max=max(walls),
        cpu=statistics.median(s.cpu for s in samples),
        maxrss_kb=max(s.maxrss_kb for s in samples),
        rcs=tuple(sorted({s.rc for s in samples})),
    )


def _git_version() -> str:
    try:
        out = subprocess.run(["git", "--version"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return "unknown"
    return out.strip().removeprefix("git version ")


def guard_commit(repo: Path) -> str:
    """HEAD of guard's repository, and whether its code or rules had uncommitted changes."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False).stdout.strip()

    head = git("rev-parse", "--short=10", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "guard", "rules")
    return head + (" + uncommitted changes in guard/ or rules/" if dirty else "")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                kb = int(line.split()[1])
                return f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return "unknown"


def machine_facts(guard_python: Path | None = None) -> dict[str, str]:
    facts = {
        "nproc": str(os.cpu_count() or 0),
        "cpu": _cpu_model(),
        "memory": _mem_total(),
        "os": f"{platform.system()} {platform.release()}",
        "bench python": sys.version.split()[0],
        "git": _git_version(),
    }
    if guard_python is not None and guard_python.exists():
        out = subprocess.run(
            [str(guard_python), "-c", "import sys; print(sys.version.split()[0])"], capture_output=True, text=True, check=False
        )
        facts["guard python"] = out.stdout.strip() or "unknown"
    try:
        load = os.getloadavg()
        facts["load avg at start"] = f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    except OSError:
        pass
    return facts
