"""Which guard the performance benchmark runs, and the server side's own W3 script.

The repository is shared with engineers who commit while a benchmark runs, and
guard is installed editable, so by default the benchmark runs a *snapshot* of the
committed HEAD (``git archive HEAD`` into the temp dir, put first on PYTHONPATH
for every guard process, the pre-receive hook included): every number belongs to
one commit. ``--guard-tree worktree`` runs the working tree as it is instead.
guard's rule cache goes to a fresh dir (``GUARD_CACHE_DIR``), filled by the
untimed warm-up run, as it would be after a developer's first commit.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from measure import clean_env
from measure import guard_commit


@dataclass(frozen=True)
class GuardUnderTest:
    env: dict[str, str]  # environment for every guard process
    label: str  # commit (and whether the working tree was used)
    source: Path  # directory the `guard` package is imported from


def prepare(repo: Path, work: Path, python: Path, tree: str) -> GuardUnderTest:
    extra = {"GUARD_CACHE_DIR": str(work / "guard-cache")}
    if tree == "head":
        snap = work / "guard-src"
        snap.mkdir()
        archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=repo, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(snap)], input=archive.stdout, check=True)
        subprocess.run([str(python), "-m", "compileall", "-q", str(snap / "guard")], check=True, env=clean_env())
        extra["PYTHONPATH"] = str(snap)
        head = subprocess.run(["git", "rev-parse", "--short=10", "HEAD"], cwd=repo, capture_output=True, text=True, check=True)
        label = f"{head.stdout.strip()} (snapshot of HEAD)"
    else:
        label = guard_commit(repo) + " (working tree)"
    env = clean_env(extra)
    where = subprocess.run(
        [str(python), "-c", "import guard, os; print(os.path.dirname(os.path.dirname(guard.__file__)))"],
        capture_output=True,
        text=True,
        env=env,
        cwd=work,
        check=True,
    )
    source = Path(where.stdout.strip())
    expected = work / "guard-src" if tree == "head" else repo
    if source.resolve() != expected.resolve():
        raise RuntimeError(f"guard is imported from {source}, expected {expected}")
    return GuardUnderTest(env=env, label=label, source=source)


def prereceive_script(repo: Path, bundle: Path, commits: int, runs: int, env: dict[str, str]) -> str | None:
    """The server side's own W3 benchmark (bench/prereceive.py), when present: its markdown, heading demoted."""
    script = repo / "bench" / "prereceive.py"
    if not script.exists():
        return None
    print("running bench/prereceive.py ...", file=sys.stderr, flush=True)
    cmd = [sys.executable, str(script), "--bundle", str(bundle), "--commits", str(commits), "--runs", str(runs)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return f"`bench/prereceive.py` failed (exit {proc.returncode}): " + " / ".join(tail)
    lines = proc.stdout.strip().splitlines()
    return "\n".join("#" + line if line.startswith("## ") else line for line in lines)
