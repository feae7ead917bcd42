"""The audit trail: every decision as one JSON line, each line chained to the one before.

An entry is the event's fields plus three of its own:

* `seq`  -- 1 for the first entry, then one more than the previous entry;
* `prev` -- the previous entry's `hash` (GENESIS for the first entry);
* `hash` -- SHA-256 of the entry without `hash`, as canonical JSON (sorted
  keys, no spaces, UTF-8).

`verify` recomputes every hash and link: an edited entry no longer matches
its own hash, a removed entry breaks the next entry's `prev` (or, for the
first one, `seq`/GENESIS), and the first bad line is reported. Removing the
*last* entries leaves a valid, shorter chain; compare `head()` with a copy
kept elsewhere (a monitoring system, a git note) to catch that too.

Appends from concurrent hooks take an exclusive `flock` on the log, read the
last entry and write the new line under that lock, so entries neither
interleave nor fork the chain. Events carry fingerprints, never secret
values: keys named in DROPPED are removed wherever they appear.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone
from pathlib import Path
from typing import Any

from guard.model import Action
from guard.model import Stage
from guard.model import Verdict

GENESIS = "0" * 64
LOG_NAME = "guard-audit.jsonl"  # default file name, inside the repository's git dir
RESERVED = ("seq", "prev", "hash")
DROPPED = frozenset(("secret", "snippet"))
_TAIL_CHUNK = 65536


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def default_path(git_dir: str | os.PathLike[str]) -> Path:
    return Path(git_dir) / LOG_NAME


def digest(entry: Mapping[str, Any]) -> str:
    """SHA-256 of an entry (without its `hash`) as canonical JSON."""
    body = {k: v for k, v in entry.items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _scrub(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _scrub(v) for k, v in value.items() if k not in DROPPED}
    if isinstance(value, (list, tuple)):
        return [_scrub(v) for v in value]
    return value


def _last_line(fd: int) -> bytes | None:
    """The last complete line of the open file (without its newline), or None for an empty file."""
    end = os.lseek(fd, 0, os.SEEK_END)
    if end == 0:
        return None
    pos, tail = end, b""
    while pos > 0:
        step = min(_TAIL_CHUNK, pos)
        pos -= step
        tail = os.pread(fd, step, pos) + tail
        body = tail.rstrip(b"\n")
        cut = body.rfind(b"\n")
        if cut != -1:
            return body[cut + 1 :]
    return tail.rstrip(b"\n")


def _link(last: bytes | None) -> tuple[int, str]:
    """(next seq, prev hash) after the entry `last`."""
    if last is None:
        return 1, GENESIS
    try:
        entry = json.loads(last)
        return int(entry["seq"]) + 1, str(entry["hash"])
    except (ValueError, KeyError, TypeError):
        return 0, hashlib.sha256(last).hexdigest()  # an unreadable last line: chain to its bytes; verify reports it


def append(path: str | os.PathLike[str], event: Mapping[str, Any]) -> dict[str, Any]:
    """Append `event` as the next entry of the chain at `path`; returns the entry. Raises OSError on failure."""
    clash = [k for k in RESERVED if k in event]
    if clash:
        raise ValueError(f"audit event may not set {', '.join(clash)}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(target, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            last = _last_line(fd)
            size = os.lseek(fd, 0, os.SEEK_END)
            seq, prev = _link(last)
            entry: dict[str, Any] = {"seq": seq, "time": event.get("time") or now()}
            entry.update(_scrub({k: v for k, v in event.items() if k != "time"}))
            entry["prev"] = prev
            entry["hash"] = digest(entry)
            line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = "\n" + line  # a torn last line stays on its own line
            data = line.encode("utf-8", "surrogatepass")
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
            os.fsync(fd)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    return entry


@dataclass(frozen=True, slots=True)
class Check:
    ok: bool
    entries: int  # entries read (up to the first bad one)
    bad_line: int | None = None  # 1-based line of the first problem
    problem: str | None = None
    head: str = GENESIS  # hash of the last good entry


def verify(path: str | os.PathLike[str]) -> Check:
    """Recompute every hash and link of the log at `path`."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return Check(True, 0)
    prev, seq = GENESIS, 0
    lines = raw.split(b"\n")
    if raw.endswith(b"\n"):
        lines.pop()
    for n, line in enumerate(lines, 1):
        try:
            entry = json.loads(line)
        except ValueError:
            return Check(False, seq, n, "not a JSON line", prev)
        if not isinstance(entry, dict) or any(k not in entry for k in RESERVED):
            return Check(False, seq, n, "not an audit entry (seq, prev, hash missing)", prev)
        if entry["hash"] != digest(entry):
            return Check(False, seq, n, "entry edited: its hash does not match its content", prev)
        if entry["prev"] != prev or entry["seq"] != seq + 1:
            what = "the start of the log" if prev == GENESIS else f"entry {seq}"
            problem = f"chain broken: this entry does not follow {what} (an entry was removed or reordered)"
            return Check(False, seq, n, problem, prev)
        prev, seq = entry["hash"], entry["seq"]
    return Check(True, seq, head=prev)


def head(path: str | os.PathLike[str]) -> str:
    """The hash of the last entry (GENESIS for an empty or missing log)."""
    return verify(path).head


def decision_event(verdict: Verdict, *, stage: Stage, **context: Any) -> dict[str, Any]:
    """An audit event for a verdict: each decision by fingerprint, each commit with its actor; never a secret."""
    decisions = [
        {
            "rule": d.finding.rule_id,
            "action": d.action.value,
            "reason": d.reason,
            "commit": d.finding.commit,
            "path": d.finding.path,
            "line": d.finding.line,
            "fingerprint": d.finding.fingerprint,
        }
        for d in verdict.decisions
    ]
    commits = []
    for c in verdict.commits:
        item: dict[str, Any] = {"sha": c.commit.sha, "decision": c.action.value}
        if c.actor is not None:
            item["actor"] = {"kind": c.actor.kind, "name": c.actor.name, "confidence": c.actor.confidence.label}
        commits.append(item)
    outcome = verdict.action.value
    kinds = {"block": "block", "warn": "warn", "allow": "pass"}
    approved = any(d.action is Action.ALLOW and d.reason.startswith("approved by ") for d in verdict.decisions)
    return {
        "kind": "approval" if approved else kinds[outcome],
        "stage": stage.value,
        "verdict": outcome,
        **context,
        "decisions": decisions,
        "commits": commits,
        "notices": list(verdict.notices),
    }
