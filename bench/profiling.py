"""Where guard's time goes on W1 (pre-commit) and W2 (full history).

For each workload: ``python -X importtime -m guard ...`` (import cost, grouped by
top-level package, and the slowest modules by self time) and ``python -m cProfile
-o FILE -m guard ...`` (functions by own time, and guard's functions by cumulative
time). Also the interpreter floor: ``python -c pass`` and ``python -c "import
guard.cli"``. The full listings go to ``bench/out/profile-W*.txt``; a short
markdown summary is returned for docs/benchmarks.md.

cProfile sees only Python frames: time spent waiting for ``git`` shows up in the
pipe reads (``read``/``readline``) of the process that feeds guard, and C
extensions (pygit2, hyperscan, re) are charged to the Python call that entered them.
"""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import tempfile
from collections import defaultdict
from pathlib import Path

from measure import run

PSTATS = r"""
import json, pstats, sys
st = pstats.Stats(sys.argv[1])
rows = [[f, ln, fn, cc, nc, tt, ct] for (f, ln, fn), (cc, nc, tt, ct, _) in st.stats.items()]
print(json.dumps({"total": st.total_tt, "rows": rows}))
"""


def _args(workload: str, repo: Path) -> list[str]:
    if workload == "W1":
        return ["hook", "pre-commit"]
    return ["scan", "--all-history", "--format", "json", "--repo", str(repo)]


def _short(path: str) -> str:
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1]
    stdlib = re.search(r"/lib/python3\.\d+/(.*)$", path)
    if stdlib:
        return stdlib.group(1)
    if "/guard/" in path:
        return "guard/" + path.rsplit("/guard/", 1)[1]
    return path


def importtime(
    py: Path, workload: str, repo: Path, env: dict[str, str]
) -> tuple[float, list[tuple[str, float]], list[tuple[str, float]]]:
    """(total seconds, [(top-level package, self seconds)], [(module, self seconds)])."""
    proc = subprocess.run(
        [str(py), "-X", "importtime", "-m", "guard", *_args(workload, repo)],
        cwd=repo,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    modules: list[tuple[str, float]] = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        parts = line[len("import time:") :].split("|")
        if len(parts) != 3:
            continue
        modules.append((parts[2].strip(), int(parts[0]) / 1e6))
    by_package: dict[str, float] = defaultdict(float)
    for name, own in modules:
        by_package[name.split(".")[0]] += own
    total = sum(own for _, own in modules)
    return (
        total,
        sorted(by_package.items(), key=lambda kv: -kv[1]),
        sorted(modules, key=lambda kv: -kv[1]),
    )


def cprofile(py: Path, workload: str, repo: Path, env: dict[str, str]) -> tuple[float, list[list[object]]]:
    with tempfile.TemporaryDirectory(prefix="guard-prof-") as tmp:
        prof = Path(tmp) / "guard.prof"
        subprocess.run(
            [str(py), "-m", "cProfile", "-o", str(prof), "-m", "guard", *_args(workload, repo)],
            cwd=repo,
            capture_output=True,
            env=env,
            check=False,
        )
        out = subprocess.run([str(py), "-c", PSTATS, str(prof)], capture_output=True, text=True, check=True)
    data = json.loads(out.stdout)
    return float(data["total"]), data["rows"]


def floor(py: Path, where: Path, env: dict[str, str], reps: int = 5) -> dict[str, float]:
    """Median wall seconds of a bare interpreter and of importing guard's CLI."""
    result = {}
    for label, code in (("python -c pass", "pass"), ("python -c 'import guard.cli'", "import guard.cli")):
        walls = [run([str(py), "-c", code], cwd=where, stdout=where / "floor.out", env=env).wall for _ in range(reps)]
        result[label] = statistics.median(walls)
    return result


def _fn(row: list[object]) -> str:
    path, line, name = str(row[0]), row[1], str(row[2])
    if path == "~":
        return name
    return f"{_short(path)}:{line}({name})"


def profile_workload(py: Path, workload: str, repo: Path, out_dir: Path, env: dict[str, str]) -> str:
    total_imp, packages, modules = importtime(py, workload, repo, env)
    total, rows = cprofile(py, workload, repo, env)
    by_own = sorted(rows, key=lambda r: -float(str(r[5])))
    ours = [r for r in rows if "/guard/" in str(r[0]) and "/site-packages/" not in str(r[0])]
    by_cum = sorted(ours, key=lambda r: -float(str(r[6])))
    full = [f"# {workload}: guard {' '.join(_args(workload, repo))}", "", f"import time total {total_imp:.3f} s"]
    full += [f"  {name:40} {own:.3f} s" for name, own in packages[:25]]
    full += ["", "slowest modules (self)"] + [f"  {name:60} {own:.4f} s" for name, own in modules[:40]]
    full += ["", f"cProfile total {total:.3f} s", "by own time (ncalls, tottime, cumtime)"]
    full += [f"  {_fn(r):90} {r[4]:>8} {float(str(r[5])):8.3f} {float(str(r[6])):8.3f}" for r in by_own[:50]]
    full += ["", "guard functions by cumulative time"]
    full += [f"  {_fn(r):90} {r[4]:>8} {float(str(r[5])):8.3f} {float(str(r[6])):8.3f}" for r in by_cum[:50]]
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / f"profile-{workload}.txt").write_text("\n".join(full) + "\n", encoding="utf-8")

    md = [f"**{workload}** (`guard {' '.join(_args(workload, repo)).replace(str(repo), 'REPO')}`): "]
    md[0] += f"cProfile total {total:.2f} s, of which imports {total_imp:.2f} s (`-X importtime`)."
    md.append("")
    md.append("- imports by package: " + ", ".join(f"{n} {s * 1000:.0f} ms" for n, s in packages[:6]))
    md.append("- slowest modules (self): " + ", ".join(f"`{n}` {s * 1000:.0f} ms" for n, s in modules[:6]))
    md.append("- own time: " + ", ".join(f"`{_fn(r)}` {float(str(r[5])):.2f} s ({r[4]} calls)" for r in by_own[:8]))
    md.append("- guard, cumulative: " + ", ".join(f"`{_fn(r)}` {float(str(r[6])):.2f} s" for r in by_cum[:8]))
    return "\n".join(md)


def profile_all(py: Path, w1_repo: Path, w2_repo: Path, out_dir: Path, env: dict[str, str]) -> dict[str, str]:
    result = {}
    with tempfile.TemporaryDirectory(prefix="guard-floor-") as tmp:
        floors = floor(py, Path(tmp), env)
    result["floor"] = "Interpreter floor (median of 5): " + ", ".join(f"`{k}` {v:.3f} s" for k, v in floors.items()) + "."
    if w1_repo.exists():
        result["W1"] = profile_workload(py, "W1", w1_repo, out_dir, env)
    result["W2"] = profile_workload(py, "W2", w2_repo, out_dir, env)
    return result
