"""The detector registry: a rule names one of these kinds."""

from __future__ import annotations

from guard.detectors import dsecrets
from guard.detectors import path
from guard.detectors import regex
from guard.detectors.base import Detector

DETECTORS: dict[str, Detector] = {
    "detect-secrets": dsecrets,
    "path": path,
    "regex": regex,
}
