"""The detector registry: a rule names one of these kinds."""

from __future__ import annotations

from guard.detectors import added_regex
from guard.detectors import assign
from guard.detectors import dsecrets
from guard.detectors import imports
from guard.detectors import owners
from guard.detectors import path
from guard.detectors import pem
from guard.detectors import push
from guard.detectors import query
from guard.detectors import regex
from guard.detectors import removed
from guard.detectors.base import Detector

DETECTORS: dict[str, Detector] = {
    "added-regex": added_regex,
    "assignment": assign,
    "codeowners": owners,
    "detect-secrets": dsecrets,
    "imports": imports,
    "path": path,
    "pem-block": pem,
    "push": push,
    "query": query,
    "regex": regex,
    "removed": removed,
}
