"""`guard serve`: a warm process that runs hook commands for `guard.warmclient`.

At start it imports what the hooks use, loads the rules and runs every rule's
own examples once, so regular expressions, tree-sitter grammars and queries,
detect-secrets plugins and the Hyperscan gates are ready. It then accepts
connections on a Unix socket (mode 0600, refused to any other user, checked
with SO_PEERCRED) and forks one child per request. The child takes the
client's stdin, stdout and stderr, working directory, environment and
arguments, runs `guard.cli.main(argv)` and writes the exit code back. A child
is a fresh copy of the warmed server, so a request never sees another's state.

The server itself stays single-threaded (fork-safe) and reaps its children
between connections. SIGTERM or SIGINT closes the socket and removes it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from guard.errors import GuardError
from guard.warmclient import HEADER_SIZE
from guard.warmclient import LOST
from guard.warmclient import REFUSED
from guard.warmclient import pack_code
from guard.warmclient import read_exactly

MAX_REQUEST = 16 << 20  # bytes of arguments and environment
_PEERCRED = struct.Struct("3i")  # pid, uid, gid

Log = Callable[[str], None]


def _writer(fd: int) -> Log:
    """Lines to the server's own stderr, kept open as `fd`: a child's fd 2 is the client's."""

    def log(line: str) -> None:
        with contextlib.suppress(OSError):
            os.write(fd, (line + "\n").encode("utf-8", "backslashreplace"))

    return log


def warm() -> int:
    """Import and prepare everything a hook uses; the number of rule examples run."""
    import guard.cli  # noqa: F401  (the command line and every command module)
    from guard import rulecheck
    from guard.actors import catalog
    from guard.config import Config
    from guard.run import active_rules
    from guard.scan import Engine
    from guard.server import prereceive  # noqa: F401
    from guard.server import scanning  # noqa: F401
    from guard.server.selfconfig import split_rules
    from guard.sources import gitcli  # noqa: F401
    from guard.sources import gitlog  # noqa: F401

    rules = active_rules(Config())
    with contextlib.redirect_stdout(io.StringIO()):
        results = rulecheck.check(rules)  # every detector and pattern runs once: compiled, loaded, cached
    for group in (rules, split_rules(rules)[0]):  # the rule sets of scans and of pushes, with default config
        Engine(group).use_gates(large=True)  # keyword and gate databases kept in memory (prefilter, gates)
    catalog()
    return len(results)


def peer(conn: socket.socket) -> tuple[int, int]:
    """(pid, uid) of the process at the other end of a Unix socket."""
    pid, uid, _ = _PEERCRED.unpack(conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size))
    return int(pid), int(uid)


def bind(path: Path) -> socket.socket:
    """Listen on `path`; a stale socket is replaced, a live server is an error."""
    if path.exists() or path.is_symlink():
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(path))
        except OSError:
            if not path.is_socket():
                raise GuardError(f"{path} exists and is not a socket") from None
            path.unlink()  # left by a server that died
        else:
            raise GuardError(f"a server already listens on {path}")
        finally:
            probe.close()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)  # the socket file is created 0600
    try:
        sock.bind(str(path))
    except OSError as e:
        sock.close()
        raise GuardError(f"cannot listen on {path}: {e.strerror}") from None
    finally:
        os.umask(old)
    sock.listen(64)
    return sock


def serve(path: Path, *, ready: Callable[[], None] | None = None) -> int:
    """Warm up, then serve until SIGTERM or SIGINT (log lines on stderr); the exit code of the server."""
    log = _writer(os.dup(2))
    started = time.monotonic()
    sock = bind(path)  # first: a bad path fails at once; a client that comes early waits for the warm-up
    try:
        examples = warm()
    except BaseException:
        sock.close()
        path.unlink()
        raise
    stop = False

    def _stop(signum: int, frame: Any) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    sock.settimeout(0.5)  # wake up to reap children and to notice a stop
    log(f"guard serve: listening on {path} (warmed in {time.monotonic() - started:.1f} s, {examples} rule examples)")
    if ready is not None:
        ready()
    served = 0
    try:
        while not stop:
            _reap()
            try:
                conn, _ = sock.accept()
            except (TimeoutError, InterruptedError):
                continue
            except OSError:
                if stop:
                    break
                raise
            served += 1
            _dispatch(conn, log)
    finally:
        sock.close()
        with contextlib.suppress(OSError):
            path.unlink()
        log(f"guard serve: stopped after {served} requests")
    return 0


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass


def _dispatch(conn: socket.socket, log: Log) -> None:
    conn.settimeout(None)
    _, uid = peer(conn)
    if uid != os.getuid():
        log(f"guard serve: refused a request from uid {uid} (serving uid {os.getuid()} only)")
        with contextlib.suppress(OSError):
            conn.sendall(pack_code(REFUSED))
        conn.close()
        return
    pid = os.fork()
    if pid == 0:
        try:
            _child(conn, log)
        finally:
            os._exit(LOST)  # _child never returns; this is for an exception it did not expect
    conn.close()


def _child(conn: socket.socket, log: Log) -> None:
    """Run one request (in a forked child): never returns."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        msg, fds, _, _ = socket.recv_fds(conn, HEADER_SIZE, 3)
        size = int.from_bytes(msg, "big") if len(msg) == HEADER_SIZE else 0
        if len(fds) != 3 or not 0 < size <= MAX_REQUEST:
            raise ValueError("a malformed request")
        req = json.loads(read_exactly(conn, size))
        argv, cwd, env = req["argv"], req["cwd"], req["env"]
        for i, fd in enumerate(fds):
            os.dup2(fd, i)
            os.close(fd)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
    except (OSError, ValueError, KeyError, TypeError) as e:
        with contextlib.suppress(OSError):
            conn.sendall(pack_code(REFUSED))  # nothing ran: the client scans in its own process
        log(f"guard serve: a request could not start: {e}")
        os._exit(0)
    _streams()
    from guard import cli

    started = time.monotonic()
    command = " ".join(str(a) for a in argv[:2])  # the command only: arguments may name anything
    code = cli.main([str(a) for a in argv])
    log(f"guard serve: ran `guard {command}` for pid {peer(conn)[0]}: exit {code} in {time.monotonic() - started:.2f} s")
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
        sys.stderr.flush()
    with contextlib.suppress(OSError):
        conn.sendall(pack_code(code))
    os._exit(0)


def _streams() -> None:
    """New sys.stdin/stdout/stderr over the client's descriptors (now 0, 1 and 2)."""
    sys.stdin = io.TextIOWrapper(open(0, "rb", closefd=False), encoding="utf-8", errors="surrogateescape")  # noqa: SIM115
    sys.stdout = io.TextIOWrapper(open(1, "wb", closefd=False), encoding="utf-8", errors="surrogateescape", write_through=True)  # noqa: SIM115
    sys.stderr = io.TextIOWrapper(open(2, "wb", closefd=False), encoding="utf-8", errors="backslashreplace", write_through=True)  # noqa: SIM115
