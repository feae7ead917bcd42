"""Turning bytes into text: binary detection, UTF-16, invalid UTF-8, odd paths."""

from __future__ import annotations

import codecs
import os

_SNIFF = 8000
DEFAULT_MAX_BYTES = 2 * 1024 * 1024  # a larger file is skipped with a notice (config: max-file-size)


def display_path(raw: bytes | str) -> str:
    """A path safe to print and to put in JSON: undecodable bytes become \\xNN."""
    if isinstance(raw, str):
        raw = os.fsencode(raw)
    return raw.decode("utf-8", errors="backslashreplace")


def decode(data: bytes) -> str | None:
    """Decode file content to text, or None when it is binary.

    UTF-16 and UTF-32 with a byte order mark are text; any other content with a
    NUL byte in its first 8000 bytes is binary (git's own test). Invalid UTF-8
    is decoded with replacement characters so the valid parts are still scanned.
    """
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                return None
    if b"\0" in data[:_SNIFF]:
        return None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    return data.decode("utf-8", errors="replace")


def split_lines(text: str) -> list[str]:
    """Lines as git numbers them: split on LF only, a trailing CR dropped."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def decode_line(raw: bytes) -> str:
    """One diff line: drop the end of line, keep invalid bytes as U+FFFD."""
    return raw.rstrip(b"\r\n").decode("utf-8", errors="replace")


def text_added(old: bytes | None, new: bytes) -> tuple[tuple[int, str], ...] | None:
    """Added lines of content git called binary but that decodes as text (UTF-16)."""
    import difflib

    new_text = decode(new)
    if new_text is None:
        return None
    new_lines = split_lines(new_text)
    old_text = decode(old) if old else ""
    old_lines = split_lines(old_text or "")
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    added: list[tuple[int, str]] = []
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag in ("insert", "replace"):
            added.extend((j + 1, new_lines[j]) for j in range(j1, j2))
    return tuple(added)
