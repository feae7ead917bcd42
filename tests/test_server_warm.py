"""`guard serve` and the hand-off to it (guard/server/warm.py, guard/warmclient.py).

A real server process on a real Unix socket; a real `git push` through a hook installed with
`--warm-socket`; fake servers (threads on a socket) for the client's failure paths.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Repo
from conftest import guard_subprocess
from conftest import token
from test_server_helpers import clear_forge_env
from test_server_helpers import make_server

from guard import warmclient
from guard.errors import GuardError
from guard.server import warm


@pytest.fixture(autouse=True)
def _no_forge_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_forge_env(monkeypatch)
    monkeypatch.delenv(warmclient.ENV, raising=False)


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """A Unix socket path must stay under ~100 bytes: pytest's tmp_path can be longer."""
    d = Path(tempfile.mkdtemp(prefix="gw", dir="/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


@dataclass
class Served:
    socket: Path
    proc: subprocess.Popen[str]
    lines: list[str]

    def stop(self) -> list[str]:
        """Stop the server; every line it logged."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        assert self.proc.wait(timeout=30) == 0
        assert self.proc.stderr is not None
        self.lines += self.proc.stderr.read().splitlines()
        return self.lines


@pytest.fixture
def served(short_dir: Path) -> Iterator[Served]:
    sock = short_dir / "guard.sock"
    proc = subprocess.Popen([sys.executable, "-m", "guard", "serve", "--socket", str(sock)], stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    first = proc.stderr.readline()  # the server logs this line once it listens
    assert first.startswith(f"guard serve: listening on {sock} (warmed in "), first
    server = Served(sock, proc, [first.rstrip("\n")])
    yield server
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    proc.stderr.close()


def leaky(repo: Repo) -> str:
    repo.write("app.py", f'TOKEN = "{token()}"\n')
    return repo.commit("add app")


def test_a_warm_scan_prints_and_exits_as_a_cold_one(repo: Repo, served: Served) -> None:
    leaky(repo)
    cold = guard_subprocess("scan", "--all-history", "--format", "json", cwd=repo.path)
    hot = guard_subprocess("scan", "--all-history", "--format", "json", cwd=repo.path, env={warmclient.ENV: str(served.socket)})
    assert (hot.returncode, hot.stdout, hot.stderr) == (cold.returncode, cold.stdout, cold.stderr)
    assert cold.returncode == 1
    log = served.stop()
    ran = [ln for ln in log if ln.startswith("guard serve: ran")]
    assert len(ran) == 1 and ran[0].startswith("guard serve: ran `guard scan --all-history` for pid "), ran
    assert ": exit 1 in " in ran[0]
    assert log[-1] == "guard serve: stopped after 1 requests"
    assert not served.socket.exists()


def test_the_server_takes_the_working_directory_and_environment_of_the_client(repo: Repo, served: Served) -> None:
    sha = leaky(repo)
    env = {warmclient.ENV: str(served.socket), "SOURCE_DATE_EPOCH": "86400"}
    hot = guard_subprocess("scan", "--range", sha, "--format", "gitlab", cwd=repo.path, env=env)
    assert hot.returncode == 1, hot.stderr
    assert '"start_time": "1970-01-02T00:00:00"' in hot.stdout  # the client's SOURCE_DATE_EPOCH
    assert '"file": "app.py"' in hot.stdout  # the client's repository
    assert "guard serve: ran `guard scan --range` for pid " in "\n".join(served.stop())


def test_a_push_through_a_warm_hook_is_judged_as_a_cold_one(repo: Repo, served: Served, tmp_path: Path) -> None:
    cold_srv = make_server(tmp_path / "cold")
    warm_srv = make_server(tmp_path / "warm")
    args = ("install", "--hook", "pre-receive", "--force", "--repo", str(warm_srv.bare), "--warm-socket", str(served.socket))
    proc = guard_subprocess(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert f"guard: the hook hands each push to `guard serve --socket {served.socket}` when it runs" in proc.stdout
    repo.write("README.md", "# app\n")
    repo.commit("initial")
    leaky(repo)
    cold, hot = cold_srv.push(repo, "main"), warm_srv.push(repo, "main")
    assert (hot.code, cold.code) == (1, 1)

    def stable(lines: list[str]) -> list[str]:
        return [ln.split(" in ", 1)[0] if "scanned in" in ln else ln for ln in lines]

    assert stable(hot.remote()) == stable(cold.remote())
    assert warm_srv.ref("refs/heads/main") is None
    assert (warm_srv.last()["decision"], warm_srv.last()["scanned_commits"]) == ("reject", 2)
    log = served.stop()
    assert any(ln.startswith("guard serve: ran `guard hook pre-receive` for pid ") and ": exit 1 in " in ln for ln in log), log


def test_a_hook_whose_server_is_gone_scans_in_its_own_process(repo: Repo, short_dir: Path, tmp_path: Path) -> None:
    srv = make_server(tmp_path / "srv")
    gone = short_dir / "nobody.sock"
    args = ("install", "--hook", "pre-receive", "--force", "--repo", str(srv.bare), "--warm-socket", str(gone))
    proc = guard_subprocess(*args, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    leaky(repo)
    pushed = srv.push(repo, "main")
    assert pushed.code == 1
    assert any(ln.startswith("guard: BLOCK secret.github-pat") for ln in pushed.remote()), pushed.out


def test_the_installed_hook_quotes_the_socket_and_yields_to_the_callers_setting(repo: Repo, tmp_path: Path) -> None:
    from guard.install import script

    text = script("pre-receive", python="/usr/bin/python3", warm_socket="/run/my guard/s'ock")
    line = """[ -n "${GUARD_WARM_SOCKET:-}" ] || GUARD_WARM_SOCKET='/run/my guard/s'"'"'ock'; export GUARD_WARM_SOCKET"""
    assert line in text.splitlines()
    probe = text.split("if [ -x", 1)[0] + 'printf "%s" "$GUARD_WARM_SOCKET"\n'
    env = {k: v for k, v in os.environ.items() if k != warmclient.ENV}
    assert subprocess.run(["sh", "-c", probe], capture_output=True, text=True, env=env).stdout == "/run/my guard/s'ock"
    env[warmclient.ENV] = "/elsewhere"
    assert subprocess.run(["sh", "-c", probe], capture_output=True, text=True, env=env).stdout == "/elsewhere"
    assert "GUARD_WARM_SOCKET" not in script("pre-receive", python="/usr/bin/python3")


def _fake_server(path: Path, reply: bytes | None) -> threading.Thread:
    """Accept one connection, read the request, answer `reply` (None: hang up without an answer)."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(1)

    def run() -> None:
        conn, _ = listener.accept()
        _, fds, _, _ = socket.recv_fds(conn, 4, 3)
        for fd in fds:
            os.close(fd)
        conn.recv(1 << 20)
        if reply is not None:
            conn.sendall(reply)
        conn.close()
        listener.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_server_that_hangs_up_fails_the_command_closed(repo: Repo, short_dir: Path) -> None:
    sock = short_dir / "fake.sock"
    thread = _fake_server(sock, None)
    proc = guard_subprocess("scan", "--all-history", cwd=repo.path, env={warmclient.ENV: str(sock)})
    thread.join(10)
    lost = f"guard: error: the warm server at {sock} ended without a result\n"
    assert (proc.returncode, proc.stdout, proc.stderr) == (3, "", lost)


def test_a_refusing_server_leaves_the_command_to_this_process(repo: Repo, short_dir: Path) -> None:
    sock = short_dir / "fake.sock"
    leaky(repo)
    thread = _fake_server(sock, warmclient.pack_code(warmclient.REFUSED))
    proc = guard_subprocess("scan", "--all-history", "--format", "json", cwd=repo.path, env={warmclient.ENV: str(sock)})
    thread.join(10)
    assert proc.returncode == 1
    assert '"rule_id": "secret.github-pat"' in proc.stdout


def test_a_server_refuses_another_user(monkeypatch: pytest.MonkeyPatch) -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    logged: list[str] = []
    monkeypatch.setattr(warm.os, "getuid", lambda: os.geteuid() + 4242)
    warm._dispatch(ours, logged.append)
    assert theirs.recv(16) == warmclient.pack_code(warmclient.REFUSED)
    assert logged == [f"guard serve: refused a request from uid {os.geteuid()} (serving uid {os.geteuid() + 4242} only)"]
    theirs.close()


def test_bind_replaces_a_stale_socket_and_refuses_a_file_or_a_live_server(short_dir: Path) -> None:
    stale = short_dir / "stale.sock"
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(stale))
    dead.close()  # the file stays, nobody listens
    live = warm.bind(stale)
    assert oct(stale.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(GuardError, match=f"a server already listens on {stale}"):
        warm.bind(stale)
    live.close()
    plain = short_dir / "plain"
    plain.write_text("x")
    with pytest.raises(GuardError, match=f"{plain} exists and is not a socket"):
        warm.bind(plain)
    assert plain.read_text() == "x"


def test_serve_on_a_bad_path_is_one_line_and_exit_2(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.write_text("x")
    proc = guard_subprocess("serve", "--socket", str(plain), cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (2, f"guard: error: {plain} exists and is not a socket\n")
