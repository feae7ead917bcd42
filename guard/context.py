"""Where a file lives says something about a finding: test fixtures, docs and examples."""

from __future__ import annotations

import re

_DIRS = re.compile(
    r"(?:^|/)(?:tests?|specs?|__tests__|__mocks__|fixtures?|testdata|test_data|mocks?|examples?|samples?|docs?|demo)/",
    re.IGNORECASE,
)
_FILES = re.compile(
    r"(?:^|/)(?:test_[^/]*|[^/]*_test\.\w+|[^/]*\.(?:test|spec)\.\w+|[^/]*\.(?:md|rst|adoc)"
    r"|[^/]*(?:example|sample|template|dummy|fake)[^/]*|[^/]*\.dist)$",
    re.IGNORECASE,
)


def lowered_confidence(path: str) -> str | None:
    """Why a finding in `path` deserves one level less confidence, or None."""
    if _DIRS.search(path):
        return "test, example or docs directory"
    if _FILES.search(path):
        return "test, example or docs file"
    return None
