"""Which files a content rule looks at: path globs, excluded globs and file kinds.

Shared by the added-regex, query, removed and imports detectors. Keys:

* `paths` -- globs; a glob without "/" matches the file name at any depth, one
  with "/" the whole path (the `path` detector's rules);
* `exclude-paths` -- globs in the same form that take a file out again;
* `kinds` -- file kinds from KINDS (by extension or name), e.g. "python".

A file is selected when it matches a glob of `paths` or a kind of `kinds` (any
file when neither is given) and no glob of `exclude-paths`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from guard import rawget
from guard.detectors.path import matches
from guard.rawget import Fail

SELECT_KEYS = frozenset(("paths", "exclude-paths", "kinds"))

# kind -> globs in the `paths` form (name-only globs match at any depth).
KINDS: dict[str, tuple[str, ...]] = {
    "python": ("*.py", "*.pyi", "*.pyw"),
    "javascript": ("*.js", "*.mjs", "*.cjs", "*.jsx"),
    "typescript": ("*.ts", "*.mts", "*.cts", "*.tsx"),
    "go": ("*.go",),
    "java": ("*.java",),
    "kotlin": ("*.kt", "*.kts"),
    "ruby": ("*.rb",),
    "php": ("*.php",),
    "csharp": ("*.cs",),
    "rust": ("*.rs",),
    "shell": ("*.sh", "*.bash", "*.zsh", "*.ksh"),
    "yaml": ("*.yml", "*.yaml"),
    "json": ("*.json", "*.jsonc"),
    "toml": ("*.toml",),
    "hcl": ("*.tf", "*.tfvars", "*.hcl"),
    "dockerfile": ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile", "Containerfile"),
    "workflow": (".github/workflows/*.yml", ".github/workflows/*.yaml", "*/.github/workflows/*.yml"),
    "sql": ("*.sql",),
}


@dataclass(frozen=True, slots=True)
class Where:
    paths: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()

    def applies(self, path: str) -> bool:
        if any(matches(g, path) for g in self.exclude):
            return False
        if not self.paths and not self.kinds:
            return True
        return any(matches(g, path) for g in self.paths) or any(is_kind(k, path) for k in self.kinds)


def is_kind(kind: str, path: str) -> bool:
    globs = KINDS[kind]
    name = path.rsplit("/", 1)[-1]
    return any(fnmatchcase(name, g) if "/" not in g else fnmatchcase(path, g) for g in globs)


def parse_where(raw: Mapping[str, Any], fail: Fail, *, default_kinds: tuple[str, ...] = ()) -> Where:
    paths = rawget.get_strs(raw, "paths", fail)
    exclude = rawget.get_strs(raw, "exclude-paths", fail)
    kinds = rawget.get_strs(raw, "kinds", fail, default_kinds)
    for key, globs in (("paths", paths), ("exclude-paths", exclude)):
        if any(not g for g in globs):
            raise fail(key, "an empty glob matches nothing")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise fail("kinds", f"unknown file kind {unknown[0]!r} (known: {', '.join(sorted(KINDS))})")
    return Where(paths, exclude, kinds)


def keywords(raw: Mapping[str, Any], fail: Fail) -> tuple[str, ...]:
    """The optional `keywords` key: lower-cased, none empty (an empty one matches everything)."""
    words = tuple(k.lower() for k in rawget.get_strs(raw, "keywords", fail))
    if any(not k for k in words):
        raise fail("keywords", "an empty keyword matches everything")
    return words
