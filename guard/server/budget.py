"""Time and size budgets for the pre-receive hook, and what happens when one runs out.

GitHub Enterprise Server kills every pre-receive hook after 5 s (shared by all
hooks), so the default deadline is 4.5 s. A push with more new commits than
`max_commits` or more added text than `max_bytes` is scanned only in part.
Whatever the cause, an overrun is always printed and logged; the fail mode
decides what it means: `fail-closed` (the default: unscanned content may hold
a secret) rejects the push, `fail-open` accepts it. Findings in the part that
was scanned block either way.
"""

from __future__ import annotations

import enum
import math
import signal
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

from guard.model import Change

DEFAULT_DEADLINE = 4.5
DEFAULT_MAX_COMMITS = 1000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class FailMode(enum.Enum):
    OPEN = "fail-open"
    CLOSED = "fail-closed"


@dataclass(frozen=True, slots=True)
class Limits:
    deadline: float = DEFAULT_DEADLINE  # seconds from the hook's start
    max_commits: int = DEFAULT_MAX_COMMITS
    max_bytes: int = DEFAULT_MAX_BYTES  # added text, summed over every change
    on_overrun: FailMode = FailMode.CLOSED


@dataclass(frozen=True, slots=True)
class Overrun:
    kind: str  # "deadline" | "commits" | "bytes"
    detail: str


class DeadlineExceeded(Exception):
    """Raised by the alarm when the scan is still running at the deadline."""


class Budget:
    """A running clock and byte counter for one hook run (the one mutable piece)."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic, start: float | None = None) -> None:
        self.limits = limits
        self.clock = clock
        self.start = clock() if start is None else start
        self.bytes = 0
        self.overruns: list[Overrun] = []

    def elapsed(self) -> float:
        return self.clock() - self.start

    def remaining(self) -> float:
        return self.limits.deadline - self.elapsed()

    def expired(self) -> bool:
        return self.remaining() <= 0

    def record(self, kind: str, detail: str) -> None:
        if all(o.kind != kind for o in self.overruns):
            self.overruns.append(Overrun(kind, detail))

    def cap_commits(self, shas: tuple[str, ...]) -> tuple[str, ...]:
        """The newest `max_commits` of `shas` (oldest first); the overrun is recorded."""
        cap = self.limits.max_commits
        if len(shas) <= cap:
            return shas
        self.record("commits", f"{len(shas)} new commits, over the cap of {cap}: only the newest {cap} are scanned")
        return shas[len(shas) - cap :]

    def limit(self, changes: Iterable[Change]) -> Iterator[Change]:
        """Pass changes through until the deadline or the byte cap is reached."""
        for change in changes:
            if self.expired():
                self.record("deadline", f"deadline of {self.limits.deadline:g} s reached after {self.elapsed():.2f} s")
                return
            size = sum(len(t) for _, t in change.added)
            if self.bytes + size > self.limits.max_bytes:
                self.record("bytes", f"more than {self.limits.max_bytes} bytes of added text: the rest is not scanned")
                return
            self.bytes += size
            yield change

    @contextmanager
    def alarm(self) -> Iterator[None]:
        """A hard stop: raise DeadlineExceeded inside a scan that overruns the deadline.

        The cooperative check in `limit` runs between changes; this catches one
        change that takes too long. Only the main thread can take signals, so
        elsewhere this does nothing.
        """
        usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
        if not usable or math.isinf(self.limits.deadline):
            yield
            return

        def fire(signum: int, frame: FrameType | None) -> None:
            raise DeadlineExceeded()

        previous = signal.signal(signal.SIGALRM, fire)
        signal.setitimer(signal.ITIMER_REAL, max(self.remaining(), 0.001))
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def blocks(self) -> bool:
        """True when an overrun rejects the push."""
        return bool(self.overruns) and self.limits.on_overrun is FailMode.CLOSED
