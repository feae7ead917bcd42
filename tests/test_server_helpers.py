"""Shared helpers for the server tests: a bare repository with guard's pre-receive hook, reached by a
real `git push` over a local path, over `git daemon` on loopback, or over `git http-backend` behind a
small HTTP server on loopback (basic auth -> REMOTE_USER, as a web server would set it).

Imported by the other tests/test_server_*.py files; the tests at the end check the helpers themselves.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from conftest import Repo
from conftest import guard_subprocess

TRANSPORTS = ("path", "daemon", "http")
PLATFORM = {"path": "local", "daemon": "local", "http": "http"}


def clear_forge_env(monkeypatch: Any) -> None:
    """No pusher identity or push options leak in from the environment the tests run in."""
    from guard.server.identity import SOURCES

    for var, _ in SOURCES:
        monkeypatch.delenv(var, raising=False)
    for var in ("GIT_PUSH_OPTION_COUNT", "GUARD_SERVER_CONFIG"):
        monkeypatch.delenv(var, raising=False)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, proc: subprocess.Popen[bytes] | None = None, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"server exited early with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listens on 127.0.0.1:{port}")


class _Backend(BaseHTTPRequestHandler):
    """CGI glue for `git http-backend`: the smart HTTP protocol, with basic auth as REMOTE_USER."""

    root: Path
    extra_env: dict[str, str]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._cgi()

    def do_POST(self) -> None:
        self._cgi()

    def _user(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return None
        user, _, _ = base64.b64decode(auth[6:]).decode().partition(":")
        return user or None

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(parts)
                parts.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _cgi(self) -> None:
        user = self._user()
        if user is None:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="guard-test"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        body = self._body()
        env = {
            **os.environ,
            **self.extra_env,
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REQUEST_METHOD": self.command,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": user,
            "REMOTE_ADDR": "127.0.0.1",
        }
        for header, var in (("Content-Encoding", "HTTP_CONTENT_ENCODING"), ("Git-Protocol", "GIT_PROTOCOL")):
            if self.headers.get(header):
                env[var] = self.headers[header]
        proc = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, timeout=120)
        head, sep, payload = proc.stdout.partition(b"\r\n\r\n")
        if not sep:
            head, _, payload = proc.stdout.partition(b"\n\n")
        status = 200
        headers = []
        for raw in head.decode("latin-1").splitlines():
            name, _, value = raw.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@dataclass
class Server:
    bare: Path
    config: Path
    transport: str = "path"
    _daemon: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    _daemon_user: str | None = None
    _port: int = 0
    _http: ThreadingHTTPServer | None = field(default=None, repr=False)
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def log(self) -> Path:
        return self.bare / "guard-audit.jsonl"

    @property
    def platform(self) -> str:
        return PLATFORM[self.transport]

    def events(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()]

    def last(self) -> dict[str, Any]:
        return self.events()[-1]

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(["git", *args], cwd=self.bare, capture_output=True, text=True)
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc

    def ref(self, name: str) -> str | None:
        proc = self.git("rev-parse", "--verify", "-q", name, check=False)
        return proc.stdout.strip() or None

    def has_object(self, oid: str) -> bool:
        return self.git("cat-file", "-e", oid, check=False).returncode == 0

    def configure(self, text: str) -> None:
        self.config.write_text(text, encoding="utf-8")

    # --- transports -------------------------------------------------------------

    def _server_env(self, user: str) -> dict[str, str]:
        return {**os.environ, "GUARD_SERVER_CONFIG": str(self.config), "USER": user}

    def _ensure_daemon(self, user: str) -> None:
        if self._daemon is not None and self._daemon_user == user:
            return
        self._stop_daemon()
        self._port = free_port()
        logfile = self.bare.parent / "daemon.log"
        with logfile.open("ab") as log:
            self._daemon = subprocess.Popen(
                [
                    "git",
                    "daemon",
                    "--enable=receive-pack",
                    "--export-all",
                    "--reuseaddr",
                    "--informative-errors",
                    f"--base-path={self.bare.parent}",
                    f"--port={self._port}",
                    "--listen=127.0.0.1",
                ],
                env=self._server_env(user),
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        self._daemon_user = user
        wait_for_port(self._port, self._daemon)

    def _stop_daemon(self) -> None:
        if self._daemon is not None:
            self._daemon.terminate()
            self._daemon.wait(timeout=30)
            self._daemon = None

    def _ensure_http(self) -> None:
        if self._http is not None:
            return
        handler = type("Backend", (_Backend,), {"root": self.bare.parent, "extra_env": {"GUARD_SERVER_CONFIG": str(self.config)}})
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._port = self._http.server_address[1]
        self._thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop_daemon()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            assert self._thread is not None
            self._thread.join(timeout=30)
            self._http = None

    def push(
        self, repo: Repo, *refspecs: str, user: str = "ada", options: tuple[str, ...] = (), env: dict[str, str] | None = None
    ) -> Pushed:
        """`git push` to this server as `user` (USER on the server, or the HTTP login)."""
        if self.transport == "path":
            url = str(self.bare)
            push_env = {"GUARD_SERVER_CONFIG": str(self.config), "USER": user, **(env or {})}
        else:
            assert not env, "only a local push can pass environment variables to the hook"
            push_env = {}
            if self.transport == "daemon":
                self._ensure_daemon(user)
                url = f"git://127.0.0.1:{self._port}/{self.bare.name}"
            else:
                self._ensure_http()
                url = f"http://{user}:pw@127.0.0.1:{self._port}/{self.bare.name}"
        return push(repo, url, *refspecs, env=push_env, options=options)


def make_server(root: Path, config: str = "", transport: str = "path") -> Server:
    """A bare repository with guard's pre-receive hook installed by `guard install`."""
    assert transport in TRANSPORTS
    root.mkdir(parents=True, exist_ok=True)
    bare = root / "server.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    proc = guard_subprocess("install", "--hook", "pre-receive", "--repo", str(bare), cwd=root)
    assert proc.returncode == 0, proc.stderr
    subprocess.run(["git", "config", "receive.advertisePushOptions", "true"], cwd=bare, check=True)
    server = Server(bare, root / "guard-server.toml", transport)
    server.configure(config)
    return server


@dataclass
class Pushed:
    code: int
    out: str  # stdout + stderr of `git push`: the hook's lines come back prefixed `remote: `

    def remote(self) -> list[str]:
        """The hook's lines, without git's `remote: ` prefix and sideband padding."""
        return [ln[len("remote: ") :].rstrip() for ln in self.out.splitlines() if ln.startswith("remote: ")]


def push(repo: Repo, url: str, *refspecs: str, env: dict[str, str] | None = None, options: tuple[str, ...] = ()) -> Pushed:
    args = ["git", "push", "--porcelain"]
    for o in options:
        args += ["-o", o]
    proc = subprocess.run(
        [*args, url, *refspecs], cwd=repo.path, capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=120
    )
    return Pushed(proc.returncode, proc.stdout + proc.stderr)


def test_make_server_installs_the_hook_and_advertises_push_options(tmp_path: Path) -> None:
    server = make_server(tmp_path / "srv")
    hook = server.bare / "hooks" / "pre-receive"
    assert "-m guard hook pre-receive" in hook.read_text()
    assert os.access(hook, os.X_OK)
    assert server.git("config", "receive.advertisePushOptions").stdout.strip() == "true"
