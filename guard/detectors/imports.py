"""The imports detector: a new Python import that breaks an architecture contract.

Keys: `sources` (repository files holding import-linter contracts, read with
guard/detectors/repofiles.py; default .importlinter, setup.cfg,
pyproject.toml -- the first that has contracts wins), `contracts` (inline
import-linter INI text, used instead of `sources`: for a guard-native layer
map), `keywords` and the selection keys of select.py (default: Python files).

Import statements on added rows are found with tree-sitter; each edge
(importing module -> imported module, relative imports resolved) is checked
against every contract (guard/detectors/contracts.py). A file's module name
starts at the first path component that is a contract root package
(`src/shop/api/views.py` -> `shop.api.views`); files outside every root
package are not checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from guard import rawget
from guard.detectors import contracts as ct
from guard.detectors import repofiles
from guard.detectors import select
from guard.detectors import tsquery
from guard.detectors.base import Hit
from guard.document import Document
from guard.errors import RuleError

KEYS = frozenset(("sources", "contracts", "keywords")) | select.SELECT_KEYS
DEFAULT_SOURCES = (".importlinter", "setup.cfg", "pyproject.toml")

QUERY = """
(import_statement name: (dotted_name) @mod)
(import_statement name: (aliased_import name: (dotted_name) @mod))
(import_from_statement module_name: (_) @from name: (dotted_name) @name)
(import_from_statement module_name: (_) @from name: (aliased_import name: (dotted_name) @name))
(import_from_statement module_name: (_) @from (wildcard_import))
"""


@dataclass(frozen=True, slots=True)
class Prepared:
    sources: tuple[str, ...]
    inline: ct.Contracts | None
    keywords: tuple[str, ...]
    where: select.Where


def prepare(raw: Mapping[str, Any], where: str, rule_id: str) -> Prepared:
    def fail(key: str, msg: str) -> RuleError:
        return RuleError(where, rule_id, key, msg)

    inline = None
    text = raw.get("contracts")
    if text is not None:
        if not isinstance(text, str):
            raise fail("contracts", "expected import-linter INI text")
        inline = ct.from_ini(text)
        if inline is None or not inline.contracts:
            raise fail("contracts", "no [importlinter] section with a layers, forbidden or independence contract")
    sources = rawget.get_strs(raw, "sources", fail, DEFAULT_SOURCES)
    return Prepared(
        sources=sources,
        inline=inline,
        keywords=select.keywords(raw, fail) if "keywords" in raw else ("import",),
        where=select.parse_where(raw, fail, default_kinds=("python",)),
    )


def selects(prepared: Prepared, path: str) -> bool:
    """False when this rule never looks at a file at `path` (guard/scan.py caches the answer per path)."""
    return prepared.where.applies(path)


def keywords(prepared: Prepared) -> tuple[str, ...]:
    return prepared.keywords


@lru_cache(maxsize=16)
def _parse(toml: bool, text: str) -> ct.Contracts | None:
    """Parsed once per file content: a history scan asks for every changed Python file."""
    return ct.from_pyproject(text) if toml else ct.from_ini(text)


def load(sources: tuple[str, ...]) -> ct.Contracts | None:
    for name in sources:
        text = repofiles.read(name)
        if not text:
            continue
        found = _parse(name.endswith(".toml"), text)
        if found is not None and found.contracts:
            return found
    return None


def module_of(path: str, roots: tuple[str, ...]) -> tuple[str, bool] | None:
    """(dotted module, is a package __init__) for a .py path under a root package."""
    if not path.endswith(".py"):
        return None
    parts = path[:-3].split("/")
    tops = {r.split(".")[0] for r in roots}
    start = next((i for i, p in enumerate(parts) if p in tops), None)
    if start is None:
        return None
    mod = parts[start:]
    if mod[-1] == "__init__":
        return ".".join(mod[:-1]), True
    return ".".join(mod), False


def resolve(importer: str, is_package: bool, target: str) -> str | None:
    """An absolute module name for `target` as written in `importer` (relative imports resolved)."""
    if not target.startswith("."):
        return target
    dots = len(target) - len(target.lstrip("."))
    package = importer.split(".") if is_package else importer.split(".")[:-1]
    if dots - 1 > len(package) - 1:
        return None
    base = package[: len(package) - (dots - 1)]
    rest = target[dots:]
    return ".".join([*base, rest] if rest else base)


def _edges(doc: Document, importer: str, is_package: bool) -> Iterator[tuple[int, int, str]]:
    """(1-based line, column, imported module) for each import on an added row."""
    for match in tsquery.run(doc, "python", QUERY):
        if "mod" in match:
            cap = match["mod"][0]
            names = [cap.text]
        else:
            cap = match["from"][0]
            base = resolve(importer, is_package, cap.text)
            if base is None:
                continue
            if "name" in match:
                cap = match["name"][0]
                names = [f"{base}.{cap.text}" if base else cap.text]
            else:
                names = [base]
        if doc.is_added(cap.row + 1):
            for name in names:
                yield cap.row + 1, cap.column + 1, name


def _implied_roots(found: ct.Contracts) -> tuple[str, ...]:
    """Top-level packages the contracts name, when the config names no root package."""
    names: set[str] = set()
    for c in found.contracts:
        named = (*c.containers, *c.sources, *c.modules) if c.containers or c.type != "layers" else ()
        names.update(m.split(".")[0] for m in named)
        if not c.containers:
            names.update(m.split(".")[0] for lv in c.layers for m in lv.modules)
    return tuple(sorted(names))


def detect(p: Prepared, doc: Document) -> Iterator[Hit]:
    if not p.where.applies(doc.path):
        return
    found = p.inline or load(p.sources)
    if found is None:
        return
    roots = found.roots or _implied_roots(found)
    where = module_of(doc.path, roots)
    if where is None:
        return
    importer, is_package = where
    for line, column, imported in _edges(doc, importer, is_package):
        for contract in found.contracts:
            why = ct.violation(contract, importer, imported)
            if why:
                yield Hit(line, line, column, f"{importer} -> {imported}", reason=why)
                break
