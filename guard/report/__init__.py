"""Reporters serialize a Verdict. They never decide anything and never see a raw secret."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import TextIO

from guard.model import Verdict
from guard.report import jsonfmt
from guard.report import text
from guard.rules import Rule

Reporter = Callable[[Verdict, Mapping[str, Rule], TextIO], None]

REPORTERS: dict[str, Reporter] = {
    "json": jsonfmt.write,
    "text": text.write,
}
