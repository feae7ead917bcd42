"""The contract between rules and detector code."""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from typing import Any
from typing import NamedTuple
from typing import Protocol

from guard.document import Document
from guard.model import Confidence


class Hit(NamedTuple):
    """A detector's raw result. `secret` is the matched value; it never leaves scan.py unredacted."""

    line: int | None  # None: the whole file
    end_line: int | None
    column: int | None
    secret: str
    confidence: Confidence | None = None  # None: the rule's own confidence
    reason: str | None = None


class Detector(Protocol):
    KEYS: frozenset[str]

    def prepare(self, raw: Mapping[str, Any], where: str, rule_id: str) -> Any: ...

    def keywords(self, prepared: Any) -> tuple[str, ...]: ...

    def detect(self, prepared: Any, doc: Document) -> Iterator[Hit]: ...
