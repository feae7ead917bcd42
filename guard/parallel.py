"""Both cores for history: run parts of a job in forked worker processes.

A history or range scan splits its commits into contiguous parts; the first
part runs in this process and the others in forked children, which inherit the
loaded rules (nothing is re-read) and send their result back pickled. Fork is
used where the platform has it; elsewhere, or with GUARD_JOBS=1, everything runs
here. Children never write to stdout or stderr.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
from collections.abc import Callable
from collections.abc import Sequence
from typing import Any
from typing import TypeVar

from guard.errors import GitError
from guard.errors import GuardError

T = TypeVar("T")
R = TypeVar("R")

MIN_PER_JOB = 64  # below this many items a fork costs more than it saves


def jobs(items: int) -> int:
    """How many processes to use for `items` work items."""
    env = os.environ.get("GUARD_JOBS", "").strip()
    wanted = int(env) if env.isdigit() and int(env) > 0 else (os.cpu_count() or 1)
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(wanted, items // MIN_PER_JOB))


def split(items: Sequence[T], parts: int) -> list[Sequence[T]]:
    """Contiguous, nearly equal slices, in order."""
    size, extra = divmod(len(items), parts)
    out, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        out.append(items[start:end])
        start = end
    return out


def map_chunks(fn: Callable[[Sequence[T]], R], chunks: list[Sequence[T]], workers: int) -> list[R]:
    """[fn(c) for c in chunks], with `workers` processes (this one included) taking chunks in turn.

    A worker takes the next chunk when it is done with its last, so a part of history that costs
    more than its share of commits does not leave the other core idle. Results come back in
    chunk order.
    """
    if workers <= 1 or len(chunks) <= 1:
        return [fn(c) for c in chunks]
    ctx = multiprocessing.get_context("fork")
    following = ctx.Value("i", 0)  # the index of the next chunk nobody has taken

    def work(_: Sequence[T]) -> list[tuple[int, R]]:
        done: list[tuple[int, R]] = []
        while True:
            with following.get_lock():
                index = following.value
                following.value = index + 1
            if index >= len(chunks):
                return done
            done.append((index, fn(chunks[index])))

    gathered = map_parts(work, [()] * min(workers, len(chunks)))
    return [r for _, r in sorted((pair for got in gathered for pair in got), key=lambda pair: pair[0])]


def _child(conn: Any, fn: Callable[[Sequence[T]], R], part: Sequence[T]) -> None:
    try:
        payload: tuple[str, Any] = ("ok", fn(part))
    except GuardError as e:
        payload = ("guard", (type(e) is GitError, str(e)))
    except BaseException as e:  # reported by the parent as one line
        payload = ("crash", f"{type(e).__name__}: {e}")
    try:
        conn.send_bytes(pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        conn.close()


def map_parts(fn: Callable[[Sequence[T]], R], parts: list[Sequence[T]]) -> list[R]:
    """[fn(p) for p in parts], the first here and the rest in forked children."""
    if len(parts) <= 1:
        return [fn(p) for p in parts]
    ctx = multiprocessing.get_context("fork")
    children = []
    for part in parts[1:]:
        recv, send = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(send, fn, part), daemon=True)
        proc.start()
        send.close()
        children.append((proc, recv))
    try:
        results = [fn(parts[0])]
        for proc, recv in children:
            try:
                kind, value = pickle.loads(recv.recv_bytes())
            except EOFError:
                raise GitError(f"a worker process ended without a result (exit {proc.exitcode})") from None
            if kind == "guard":
                is_git, message = value
                raise (GitError if is_git else GuardError)(message)
            if kind == "crash":
                raise RuntimeError(f"in a worker process: {value}")
            results.append(value)
        return results
    finally:
        for proc, recv in children:
            recv.close()
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
