"""import-linter contracts read from a repository's config, and the check of one import edge.

Sources, as import-linter reads them: `.importlinter` and `setup.cfg`
(`[importlinter]` with `root_package`/`root_packages`, one
`[importlinter:contract:<id>]` section per contract) and `pyproject.toml`
(`[tool.importlinter]` with `[[tool.importlinter.contracts]]`).

Contract types checked: `layers` (`layers`, top layer first, optional
`containers`; `a | b` are independent siblings, `a : b` siblings that may
import each other, `(a)` an optional layer), `forbidden` (`source_modules`,
`forbidden_modules`) and `independence` (`modules`). Other types are ignored.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SECTION = "importlinter"
CONTRACT_PREFIX = "importlinter:contract:"


@dataclass(frozen=True, slots=True)
class Level:
    modules: tuple[str, ...]
    independent: bool  # siblings separated by "|" may not import each other


@dataclass(frozen=True, slots=True)
class Contract:
    name: str
    type: str
    layers: tuple[Level, ...] = ()
    containers: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Contracts:
    roots: tuple[str, ...]
    contracts: tuple[Contract, ...]


def _list(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        items: Iterable[Any] = value.splitlines()
    elif isinstance(value, list):
        items = value
    else:
        return ()
    return tuple(s for s in (str(v).strip() for v in items) if s and not s.startswith("#"))


def _level(text: str) -> Level:
    independent = "|" in text
    parts = text.replace("|", ":").split(":")
    return Level(tuple(p.strip().strip("()").strip() for p in parts if p.strip().strip("()").strip()), independent)


def _contract(cid: str, table: Mapping[str, Any]) -> Contract | None:
    kind = str(table.get("type", "")).strip()
    name = str(table.get("name", cid)).strip() or cid
    if kind == "layers":
        layers = tuple(_level(s) for s in _list(table.get("layers")))
        return Contract(name, kind, layers=layers, containers=_list(table.get("containers")))
    if kind == "forbidden":
        return Contract(name, kind, sources=_list(table.get("source_modules")), forbidden=_list(table.get("forbidden_modules")))
    if kind == "independence":
        return Contract(name, kind, modules=_list(table.get("modules")))
    return None


def from_ini(text: str) -> Contracts | None:
    import configparser  # only when a repository has an INI-style contract file

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    if not parser.has_section(SECTION):
        return None
    top = parser[SECTION]
    roots = _list(top.get("root_packages", "")) or _list(top.get("root_package", ""))
    found = (_contract(s[len(CONTRACT_PREFIX) :], parser[s]) for s in parser.sections() if s.startswith(CONTRACT_PREFIX))
    return Contracts(roots, tuple(c for c in found if c is not None))


def from_pyproject(text: str) -> Contracts | None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    tool = data.get("tool")
    table = tool.get("importlinter") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        return None
    roots = _list(table.get("root_packages")) or _list(table.get("root_package"))
    raws = table.get("contracts", [])
    found = (
        _contract(str(r.get("id", i)), r) for i, r in enumerate(raws if isinstance(raws, list) else []) if isinstance(r, dict)
    )
    return Contracts(roots, tuple(c for c in found if c is not None))


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _level_of(layers: tuple[Level, ...], container: str, module: str) -> tuple[int, str] | None:
    for i, level in enumerate(layers):
        for name in level.modules:
            full = f"{container}.{name}" if container else name
            if within(module, full):
                return i, full
    return None


def violation(c: Contract, importer: str, imported: str) -> str | None:
    """Why `importer` importing `imported` breaks contract `c`, or None."""
    if within(imported, importer) or within(importer, imported):
        return None
    if c.type == "forbidden":
        src = next((s for s in c.sources if within(importer, s)), None)
        bad = next((f for f in c.forbidden if within(imported, f)), None)
        if src and bad:
            return f"contract {c.name!r}: {src} may not import {bad}"
    elif c.type == "independence":
        a = next((m for m in c.modules if within(importer, m)), None)
        b = next((m for m in c.modules if within(imported, m)), None)
        if a and b and a != b:
            return f"contract {c.name!r}: {a} and {b} must stay independent"
    elif c.type == "layers":
        for container in c.containers or ("",):
            low = _level_of(c.layers, container, importer)
            high = _level_of(c.layers, container, imported)
            if low is None or high is None:
                continue
            if high[0] < low[0]:
                return f"contract {c.name!r}: lower layer {low[1]} may not import higher layer {high[1]}"
            if high[0] == low[0] and high[1] != low[1] and c.layers[low[0]].independent:
                return f"contract {c.name!r}: independent layers {low[1]} and {high[1]} may not import each other"
    return None
