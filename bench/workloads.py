"""Build the inputs of the performance benchmark from a clone of a real repository.

* ``stage_change`` (W1): a ~300-line staged change to 10 real files, one of which
  gains a fake GitHub token, so every tool has exactly one real thing to find.
* ``pick_base`` / ``bare_template`` (W3): a bare repository holding the history up
  to a base commit about N commits behind the tip, with guard's pre-receive hook
  installed behind a small timing wrapper.
* ``synthetic_history`` (W4): a fresh repository whose history is the replay of
  the first C non-merge commits of the clone (their text-file changes, content
  taken from the real blobs), repeated ``rounds`` times under ``r0/``, ``r1/``, ...
  Every round starts its blobs with a ``# bench round r`` line, so no blob is shared
  between rounds and no tool can get a later round for free from a cache: k rounds
  are k times the same amount of work.

Standard library only. Secrets are never printed: the token goes into one file.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

W1_FILES = 10
W1_MODIFIED = 5  # existing lines changed per file
MAX_BLOB = 1024 * 1024  # W4 skips blobs larger than this
IDENTITY = ("-c", "user.name=Bench", "-c", "user.email=bench@example.invalid")


def git(*args: str, cwd: Path, stdin: bytes | None = None) -> str:
    proc = subprocess.run(["git", *IDENTITY, *args], cwd=cwd, input=stdin, capture_output=True, check=False)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}: {err}")
    return proc.stdout.decode("utf-8", "replace")


def clone(bundle: Path, dest: Path) -> Path:
    subprocess.run(["git", "clone", "--quiet", str(bundle), str(dest)], check=True)
    return dest


def fake_github_token(guard_python: Path) -> str:
    """A fake, well-formed GitHub token from guard's own generator (never printed)."""
    code = "from guard.gen import expand; print(expand('${gen:github:ghp}', 'bench'))"
    out = subprocess.run([str(guard_python), "-c", code], capture_output=True, text=True, check=True)
    return out.stdout.strip()


# ---- W1 -------------------------------------------------------------------------------


def pick_files(repo: Path, n: int = W1_FILES) -> list[str]:
    """The n largest tracked Python files of the project's package (ties by path)."""
    tracked = [p for p in git("ls-files", "*.py", cwd=repo).splitlines() if p]
    package = [p for p in tracked if p.startswith("src/")] or tracked
    package.sort(key=lambda p: (-(repo / p).stat().st_size, p))
    if len(package) < n:
        package += [p for p in sorted(tracked) if p not in package]
    return sorted(package[:n])


def _appended(index: int, path: str, token: str | None) -> list[str]:
    """27 lines of plausible code; with a token, two of them hold it."""
    name = Path(path).stem.replace("-", "_")
    marker = [
        f'    settings["module"] = "{name}"',
        f'    settings["change"] = {index}',
    ]
    if token is not None:
        marker = [f'    github_token = "{token}"  # fake, generated for the benchmark', "    del github_token"]
    lines = [
        "",
        "",
        f"def _bench_settings_{index}(env=None):",
        f'    """Settings added by the benchmark to {name} (change {index})."""',
        "    env = env or {}",
        "    settings = {",
        f'        "base_url": env.get("BASE_URL", "https://api.example.com/v{index}"),',
        '        "timeout": float(env.get("TIMEOUT", "30")),',
        '        "retries": int(env.get("RETRIES", "3")),',
        '        "password": env.get("SERVICE_PASSWORD"),',
        '        "api_key": env.get("SERVICE_API_KEY", ""),',
        "    }",
        *marker,
        "    for key in sorted(settings):",
        "        if settings[key] is None:",
        "            settings.pop(key)",
        "    return settings",
        "",
        "",
        f"class BenchClient{index}:",
        "    def __init__(self, session, settings):",
        "        self.session = session",
        "        self.settings = settings",
        "",
        "    def get(self, path):",
        '        return self.session.get(self.settings["base_url"] + path)',
    ]
    return lines


def _modify(lines: list[str], index: int) -> list[str]:
    """Change W1_MODIFIED existing lines spread over the file (append a comment)."""
    candidates = [i for i, line in enumerate(lines) if line.strip() and not line.rstrip().endswith("\\")]
    if not candidates:
        return lines
    step = max(1, len(candidates) // W1_MODIFIED)
    out = list(lines)
    for k, i in enumerate(candidates[::step][:W1_MODIFIED]):
        out[i] = out[i].rstrip("\n") + f"  # bench {index}.{k}"
    return out


def stage_change(repo: Path, token: str) -> list[str]:
    """Modify and stage 10 real files (~30 changed lines each); the first gets the token."""
    files = pick_files(repo)
    for index, path in enumerate(files):
        target = repo / path
        text = target.read_text(encoding="utf-8")
        lines = _modify(text.splitlines(), index)
        lines += _appended(index, path, token if index == 0 else None)
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    git("add", "--", *files, cwd=repo)
    return files


def staged_line_count(repo: Path) -> int:
    stat_out = git("diff", "--cached", "--numstat", cwd=repo)
    return sum(int(row.split("\t")[0]) for row in stat_out.splitlines() if row and row[0].isdigit())


# ---- W3 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Range:
    base: str
    tip: str
    commits: int  # git rev-list --count base..tip


def pick_base(repo: Path, commits: int, tip: str = "HEAD") -> Range:
    """The first-parent ancestor of tip whose range base..tip holds the fewest commits >= `commits`."""
    tip_sha = git("rev-parse", tip, cwd=repo).strip()
    depth = int(git("rev-list", "--count", "--first-parent", tip_sha, cwd=repo).strip()) - 1

    def count(k: int) -> int:
        return int(git("rev-list", "--count", f"{tip_sha}~{k}..{tip_sha}", cwd=repo).strip())

    lo, hi = 1, depth
    while lo < hi:
        mid = (lo + hi) // 2
        if count(mid) >= commits:
            hi = mid
        else:
            lo = mid + 1
    base = git("rev-parse", f"{tip_sha}~{lo}", cwd=repo).strip()
    return Range(base=base, tip=tip_sha, commits=count(lo))


WRAPPER = """#!/bin/sh
# Benchmark wrapper: time guard's installed pre-receive hook (whole process).
start=$(date +%s%N)
"$(dirname "$0")/pre-receive.guard"
rc=$?
end=$(date +%s%N)
echo "$start $end $rc" >> {times}
exit $rc
"""


def bare_template(source: Path, dest: Path, base: str, guard: Path, times: Path, warm_socket: Path | None = None) -> Path:
    """A bare repo holding `base` as main, with guard's pre-receive hook wrapped in a timer
    (handing pushes to the `guard serve` at `warm_socket` when given)."""
    git("init", "--quiet", "--bare", str(dest), cwd=source)
    git("push", "--quiet", str(dest), f"{base}:refs/heads/main", cwd=source)
    warm = ["--warm-socket", str(warm_socket)] if warm_socket is not None else []
    subprocess.run(
        [str(guard), "install", "--hook", "pre-receive", "--repo", str(dest), *warm],
        check=True,
        capture_output=True,
    )
    hook = dest / "hooks" / "pre-receive"
    hook.rename(hook.with_name("pre-receive.guard"))
    hook.write_text(WRAPPER.replace("{times}", str(times)), encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return dest


def start_server(guard: Path, sock: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """`guard serve --socket SOCK`, returned once it listens (its first log line)."""
    proc = subprocess.Popen([str(guard), "serve", "--socket", str(sock)], stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    first = proc.stderr.readline()
    if not first.startswith("guard serve: listening"):
        proc.kill()
        raise SystemExit(f"guard serve did not start: {first.strip()}")
    return proc


def stop_server(proc: subprocess.Popen[str]) -> int:
    """Stop it (SIGTERM); the number of requests it ran."""
    proc.terminate()
    proc.wait(timeout=30)
    assert proc.stderr is not None
    log = proc.stderr.read()
    proc.stderr.close()
    return sum(1 for line in log.splitlines() if line.startswith("guard serve: ran "))


def copy_repo(template: Path, dest: Path) -> Path:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(template, dest, symlinks=True)
    return dest


# ---- W4 -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Op:
    status: str  # "A", "M" or "D"
    mode: str
    blob: str
    path: str


def replay_ops(repo: Path, commits: int) -> list[list[Op]]:
    """The file changes of the first `commits` non-merge commits (oldest first) that touch a file."""
    out = git("log", "--reverse", "--no-merges", "--raw", "--no-renames", "--no-abbrev", "--format=%x01", "HEAD", cwd=repo)
    result: list[list[Op]] = []
    for chunk in out.split("\x01"):
        ops: list[Op] = []
        for row in chunk.splitlines():
            if not row.startswith(":"):
                continue
            meta, _, path = row.partition("\t")
            _, new_mode, _, new_blob, status = meta[1:].split(" ")
            status = status[:1]
            if status == "D":
                ops.append(Op("D", "", "", path))
            elif status in "AM" and new_mode in ("100644", "100755"):
                ops.append(Op(status, new_mode, new_blob, path))
        if ops:
            result.append(ops)
        if len(result) == commits:
            break
    return result


def read_blobs(repo: Path, shas: set[str]) -> dict[str, bytes]:
    """Text blobs no larger than MAX_BLOB, read with one `git cat-file --batch`."""
    ordered = sorted(shas)
    proc = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        input="".join(s + "\n" for s in ordered).encode(),
        capture_output=True,
        check=True,
    )
    data, pos, blobs = proc.stdout, 0, {}
    for _ in ordered:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] != b"blob":
            continue
        size = int(header[2])
        body = data[pos : pos + size]
        pos += size + 1
        if size <= MAX_BLOB and b"\0" not in body[:8000]:
            blobs[header[0].decode()] = body
    return blobs


def _stream(history: list[list[Op]], blobs: dict[str, bytes], rounds: int) -> Iterator[bytes]:
    when = 1_600_000_000
    for r in range(rounds):
        header = f"# bench round {r}\n".encode()
        for i, ops in enumerate(history):
            body = [op for op in ops if op.status == "D" or op.blob in blobs]
            if not body:
                continue
            when += 60
            msg = f"bench round {r} commit {i}\n".encode()
            yield b"commit refs/heads/main\n"
            yield f"committer Bench <bench@example.invalid> {when} +0000\n".encode()
            yield b"data %d\n%s" % (len(msg), msg)
            for op in body:
                path = f"r{r}/{op.path}".encode()
                if op.status == "D":
                    yield b'D "%s"\n' % _quote(path)
                    continue
                content = header + blobs[op.blob]
                yield b'M %s inline "%s"\ndata %d\n' % (op.mode.encode(), _quote(path), len(content))
                yield content + b"\n"
            yield b"\n"


def _quote(path: bytes) -> bytes:
    return path.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\n", b"\\n")


def synthetic_history(source: Path, dest: Path, commits: int, rounds: int) -> tuple[Path, int]:
    """Build dest (a fresh repo) with `rounds` replays of the first `commits` commits; returns (dest, commit count)."""
    history = replay_ops(source, commits)
    blobs = read_blobs(source, {op.blob for ops in history for op in ops if op.blob})
    git("init", "--quiet", str(dest), cwd=source)
    git("symbolic-ref", "HEAD", "refs/heads/main", cwd=dest)
    proc = subprocess.Popen(["git", "fast-import", "--quiet", "--done"], cwd=dest, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None
    for piece in _stream(history, blobs, rounds):
        proc.stdin.write(piece)
    proc.stdin.write(b"done\n")
    proc.stdin.close()
    err = proc.stderr.read() if proc.stderr else b""
    if proc.wait() != 0:
        raise RuntimeError(f"git fast-import failed: {err.decode('utf-8', 'replace')}")
    count = int(git("rev-list", "--count", "refs/heads/main", cwd=dest).strip())
    return dest, count
