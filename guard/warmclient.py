"""Hand a guard command to a warm server (`guard serve`), before anything heavy is imported.

A hook that starts Python, imports guard and compiles its rules pays ~0.15 s
before it reads a byte of the push. `guard serve` keeps a process that has
done all of that; for each request it forks a child that takes this process's
stdin, stdout and stderr (passed over the Unix socket as file descriptors),
its working directory, environment and arguments, runs the command and sends
back the exit code. The child is a copy of a process that never saw a
repository, so nothing leaks from one request to the next.

`GUARD_WARM_SOCKET` names the socket (`guard install --warm-socket` writes it
into the hook). If it is unset, or nothing listens there, the command runs in
this process as usual. Once a server has taken a request, a server that ends
without an exit code is an error (exit 3): a hook fails closed.

Standard library only, and only what `python -m guard` needs anyway.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import socket

ENV = "GUARD_WARM_SOCKET"
LOST = 3  # the documented exit code of an internal error
REFUSED = -1  # the server's answer when it will not run a request (another user): run it here
HEADER_SIZE = CODE_SIZE = 4  # the request's length and the exit code, big-endian
_NOT_HANDED = ("serve",)  # the server itself always runs here


def pack_code(code: int) -> bytes:
    return code.to_bytes(CODE_SIZE, "big", signed=True)


def request(argv: list[str]) -> bytes:
    """What the client sends after the header: arguments, working directory and environment."""
    import json

    body = {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}
    return json.dumps(body).encode("ascii")  # ensure_ascii: undecodable bytes (surrogates) survive as escapes


def handoff(argv: list[str]) -> int | None:
    """Run `guard ARGV` in the warm server: its exit code, or None when there is no server to ask."""
    path = os.environ.get(ENV, "").strip()
    if not path or (argv and argv[0] in _NOT_HANDED):
        return None
    import socket  # only now: a plain run of guard (a pre-commit hook) pays nothing for this module

    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
        body = request(argv)
        socket.send_fds(conn, [len(body).to_bytes(HEADER_SIZE, "big")], [0, 1, 2])
    except OSError:  # no server there (or stdio closed): scan in this process
        conn.close()
        return None
    try:
        conn.sendall(body)
        reply = read_exactly(conn, CODE_SIZE)
    except OSError:
        reply = b""
    finally:
        conn.close()
    if len(reply) != CODE_SIZE:
        sys.stderr.write(f"guard: error: the warm server at {path} ended without a result\n")
        return LOST
    code = int.from_bytes(reply, "big", signed=True)
    return None if code == REFUSED else code


def read_exactly(conn: socket.socket, n: int) -> bytes:
    """`n` bytes, or fewer if the other side closed first."""
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def main() -> None:
    """The `guard` command: a warm server runs it if there is one, else this process does."""
    code = handoff(sys.argv[1:])
    if code is not None:
        sys.stderr.flush()
        os._exit(code)
    from guard.cli import entry

    entry()
