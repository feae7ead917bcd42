"""Typed reads from raw TOML tables, with errors that name where and which key."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping
from typing import Any
from typing import TypeVar

T = TypeVar("T")

Fail = Callable[[str, str], Exception]  # (key, message) -> exception to raise


def get(raw: Mapping[str, Any], key: str, type_: type[T], fail: Fail, default: T | None = None) -> T:
    if key not in raw:
        if default is None:
            raise fail(key, "is required")
        return default
    value = raw[key]
    if type_ is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, type_) or (type_ is int and isinstance(value, bool)):
        raise fail(key, f"expected {_name(type_)}, got {_name(type(value))}")
    return value


def get_strs(raw: Mapping[str, Any], key: str, fail: Fail, default: tuple[str, ...] = ()) -> tuple[str, ...]:
    if key not in raw:
        return default
    value = raw[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise fail(key, "expected a list of strings")
    return tuple(value)


def choice(raw: Mapping[str, Any], key: str, options: Mapping[str, T], fail: Fail, default: T | None = None) -> T:
    if key not in raw and default is not None:
        return default
    value = get(raw, key, str, fail)
    if value not in options:
        raise fail(key, f"expected one of {'|'.join(options)}, got {value!r}")
    return options[value]


def _name(t: type) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "a boolean", list: "a list", dict: "a table"}.get(
        t, t.__name__
    )
