"""A change seen as text: regions of added lines, and the whole file on demand."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property

from guard.model import Change
from guard.sources.textio import decode
from guard.sources.textio import split_lines


@dataclass(frozen=True, slots=True)
class Region:
    """A run of consecutive added lines, joined with LF."""

    first_line: int
    text: str
    starts: tuple[int, ...]  # offset of each line in `text`

    def position(self, offset: int) -> tuple[int, int]:
        """(1-based line, 1-based column) of an offset in `text`."""
        i = bisect_right(self.starts, offset) - 1
        return self.first_line + i, offset - self.starts[i] + 1


def _regions(added: tuple[tuple[int, str], ...]) -> tuple[Region, ...]:
    out: list[Region] = []
    run: list[str] = []
    first = prev = -2
    for n, text in added:
        if n != prev + 1 and run:
            out.append(_region(first, run))
            run = []
        if not run:
            first = n
        run.append(text)
        prev = n
    if run:
        out.append(_region(first, run))
    return tuple(out)


def _region(first: int, lines: list[str]) -> Region:
    starts = []
    pos = 0
    for ln in lines:
        starts.append(pos)
        pos += len(ln) + 1
    return Region(first, "\n".join(lines), tuple(starts))


class Document:
    """Lazy text views of one Change, shared by every detector that looks at it."""

    def __init__(self, change: Change) -> None:
        self.change = change
        self.path = change.path

    @cached_property
    def regions(self) -> tuple[Region, ...]:
        return _regions(self.change.added)

    def region_lower(self, index: int) -> str:
        """Region `index`, lower-cased once for every rule that looks for its keywords."""
        cache = self.__dict__.setdefault("_region_lower", {})
        got = cache.get(index)
        if got is None:
            got = cache[index] = self.regions[index].text.lower()
        return str(got)

    def keyword_lines(self, index: int, keyword: str) -> tuple[int, ...]:
        """Indexes of the lines of region `index` that hold `keyword` (lower case), found once per keyword."""
        cache = self.__dict__.setdefault("_keyword_lines", {})
        got = cache.get((index, keyword))
        if got is None:
            lowered, starts = self.region_lower(index), self.regions[index].starts
            found: list[int] = []
            pos = lowered.find(keyword)
            while pos >= 0:
                i = bisect_right(starts, pos) - 1
                found.append(i)
                after = starts[i + 1] if i + 1 < len(starts) else len(lowered)  # the next line: one entry per line
                pos = lowered.find(keyword, max(pos + 1, after))
            got = cache[(index, keyword)] = tuple(found)
        return tuple(got)

    @cached_property
    def added_text(self) -> str:
        return "\n".join(t for _, t in self.change.added)

    @cached_property
    def added_starts(self) -> tuple[int, ...]:
        """Offset in `added_text` where each added line starts."""
        out, pos = [], 0
        for _, t in self.change.added:
            out.append(pos)
            pos += len(t) + 1
        return tuple(out)

    def added_indexes(self, pattern: re.Pattern[str]) -> list[int]:
        """Indexes into `change.added` of the lines where `pattern` (compiled MULTILINE) may match.

        One search over all added text instead of one per line; a match that crosses a line
        break marks every line it touches, so the caller's exact per-line check decides.
        """
        starts = self.added_starts
        found: list[int] = []
        for m in pattern.finditer(self.added_text):
            first = bisect_right(starts, m.start()) - 1
            last = bisect_right(starts, max(m.start(), m.end() - 1)) - 1
            for i in range(first, last + 1):
                if not found or found[-1] < i:
                    found.append(i)
        return found

    def keyword_indexes(self, keywords: tuple[str, ...]) -> list[int]:
        """Indexes into `change.added` of the lines that hold one of `keywords` (lower case)."""
        cache = self.__dict__.setdefault("_keyword_indexes", {})
        got = cache.get(keywords)
        if got is None:
            lowered, starts, found = self.added_lower, self.added_starts, set()
            for k in keywords:
                pos = lowered.find(k)
                while pos >= 0:
                    found.add(bisect_right(starts, pos) - 1)
                    pos = lowered.find(k, pos + 1)
            got = cache[keywords] = sorted(found)
        return list(got)

    @cached_property
    def added_lower(self) -> str:
        return self.added_text.lower()

    @cached_property
    def line_map(self) -> dict[int, str]:
        return dict(self.change.added)

    @cached_property
    def text(self) -> str | None:
        """The whole new-side file, decoded (None when unavailable or binary)."""
        data = self.change.content()
        if data is None:
            if self.change.added and self.change.added[0][0] == 1 and self.change.added[-1][0] == len(self.change.added):
                return "\n".join(t for _, t in self.change.added)
            return None
        return decode(data)

    @cached_property
    def lines(self) -> list[str]:
        return split_lines(self.text) if self.text is not None else []

    def line(self, n: int) -> str:
        """Text of new-side line `n` (1-based), added or not."""
        got = self.line_map.get(n)
        if got is not None:
            return got
        lines = self.lines
        return lines[n - 1] if 0 < n <= len(lines) else ""

    def is_added(self, n: int) -> bool:
        return n in self.line_map
