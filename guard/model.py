"""The values that flow through the pipeline: changes, findings, decisions.

Every value is a frozen dataclass. A raw secret never enters a `Finding`:
detectors hand the scanner a `Hit` holding the secret, and the scanner turns
it into a redacted form and a fingerprint before anything else sees it.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field


class Severity(enum.IntEnum):
    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()


class Confidence(enum.IntEnum):
    LOW = 0
    MEDIUM = 1
    HIGH = 2

    @property
    def label(self) -> str:
        return self.name.lower()


class Category(enum.Enum):
    SECRET = "secret"
    RISK = "risk"


class Action(enum.Enum):
    """What policy decided for one finding. OFF findings are not shown by default."""

    OFF = "off"
    ALLOW = "allow"
    WARN = "warn"
    BLOCK = "block"


class Stage(enum.Enum):
    PRE_COMMIT = "pre-commit"
    PRE_PUSH = "pre-push"
    PRE_RECEIVE = "pre-receive"
    CI = "ci"


class Status(enum.Enum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"
    RENAMED = "renamed"
    TYPECHANGE = "typechange"
    COPIED = "copied"


class Kind(enum.Enum):
    """What sits at a path on the new side."""

    FILE = "file"
    SYMLINK = "symlink"
    SUBMODULE = "submodule"
    BINARY = "binary"
    ABSENT = "absent"  # deleted


class Blob:
    """Lazily loaded, cached bytes (a file's content on one side of a change)."""

    __slots__ = ("_data", "_loaded", "_loader")

    def __init__(self, loader: Callable[[], bytes | None] | None = None, data: bytes | None = None) -> None:
        self._loader = loader
        self._data = data
        self._loaded = loader is None

    def __call__(self) -> bytes | None:
        if not self._loaded:
            assert self._loader is not None
            self._data = self._loader()
            self._loaded = True
            self._loader = None
        return self._data

    def __repr__(self) -> str:
        return "Blob(...)"


EMPTY = Blob()


@dataclass(frozen=True, slots=True)
class Change:
    """One path changed by a commit, the index, or a file on disk.

    `added` holds the new-side lines this change introduced, as (1-based line
    number, text without end of line). For files on disk every line counts as added.
    """

    path: str
    status: Status
    added: tuple[tuple[int, str], ...] = ()
    old_path: str | None = None
    commit: str | None = None
    kind: Kind = Kind.FILE
    content: Blob = field(default=EMPTY, compare=False, repr=False)
    old_content: Blob = field(default=EMPTY, compare=False, repr=False)
    size: int = 0
    skipped: str | None = None  # why the content was not scanned, e.g. "binary"
    # Old-side lines the change removed, when the source knows them (diff sources); None: unknown.
    removed: tuple[str, ...] | None = field(default=None, compare=False, repr=False)

    @property
    def added_lines(self) -> frozenset[int]:
        return frozenset(n for n, _ in self.added)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who wrote a commit, as far as the evidence goes. "No signal" is not "human"."""

    kind: str  # "human" | "agent" | "bot"
    name: str | None
    confidence: Confidence
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str
    author_name: str
    author_email: str
    committer_name: str
    committer_email: str
    message: str
    parents: tuple[str, ...] = ()

    @property
    def author(self) -> str:
        return f"{self.author_name} <{self.author_email}>"


@dataclass(frozen=True, slots=True)
class Snippet:
    """Source lines around a finding for display, redacted by the scanner before they leave it."""

    first_line: int  # 1-based number of lines[0]
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule matched. Holds a redacted secret and a hash, never the secret itself."""

    rule_id: str
    category: Category
    severity: Severity
    confidence: Confidence
    confidence_reason: str
    path: str
    line: int | None  # None for file-level findings
    end_line: int | None
    column: int | None
    commit: str | None
    message: str
    redacted: str
    fingerprint: str
    snippet: Snippet | None = field(default=None, compare=False, repr=False)  # a code frame, already redacted


@dataclass(frozen=True, slots=True)
class Decision:
    finding: Finding
    action: Action
    reason: str


@dataclass(frozen=True, slots=True)
class CommitVerdict:
    commit: Commit
    actor: Actor | None
    action: Action


@dataclass(frozen=True, slots=True)
class Verdict:
    decisions: tuple[Decision, ...]
    commits: tuple[CommitVerdict, ...] = ()
    notices: tuple[str, ...] = ()  # files skipped, budgets hit: always shown

    @property
    def action(self) -> Action:
        actions = {d.action for d in self.decisions} | {c.action for c in self.commits}
        for a in (Action.BLOCK, Action.WARN):
            if a in actions:
                return a
        return Action.ALLOW

    @property
    def blocked(self) -> bool:
        return self.action is Action.BLOCK

    @property
    def shown(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.action is not Action.OFF)
