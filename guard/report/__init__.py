"""Reporters serialize a Verdict. They never decide anything and never see a raw secret."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import TextIO

from guard.model import Verdict
from guard.report import github
from guard.report import gitlab
from guard.report import jsonfmt
from guard.report import junit
from guard.report import sarif
from guard.report import text
from guard.rules import Rule

Reporter = Callable[[Verdict, Mapping[str, Rule], TextIO], None]

REPORTERS: dict[str, Reporter] = {
    "text": text.write,
    "json": jsonfmt.write,
    "sarif": sarif.write,
    "github": github.write,
    "gitlab": gitlab.write,
    "gitlab-codequality": gitlab.write_code_quality,
    "junit": junit.write,
}
