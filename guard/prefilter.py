"""Which keywords occur in a text: one pass over it, however many rules there are.

Hyperscan (the `hyperscan` wheel) does it in C when installed; the fallback is
a single regular expression built as a trie, which gives the same answers.
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections.abc import Iterable
from collections.abc import Sequence
from typing import Any


def _trie_regex(words: Iterable[str]) -> str:
    trie: dict[str, Any] = {}
    for w in words:
        node = trie
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict[str, Any]) -> str:
        ends = "" in node
        branches = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if ends else body

    return build(trie)


class KeywordIndex:
    """Finds the subset of `keywords` (lower case) present in a lower-cased text."""

    def __init__(self, keywords: Iterable[str], *, use_hyperscan: bool = True) -> None:
        self.keywords = tuple(sorted(set(keywords)))
        self._implied: dict[str, frozenset[str]] = {}
        self._db: Any = None
        self._regex: re.Pattern[str] | None = None
        if not self.keywords:
            return
        if use_hyperscan:
            self._db = _hyperscan_db(self.keywords)
        if self._db is None:
            self._regex = re.compile(_trie_regex(self.keywords))
            # A keyword found implies every keyword contained in it was found too.
            self._implied = {k: frozenset(o for o in self.keywords if o in k) for k in self.keywords}

    @property
    def engine(self) -> str:
        return "hyperscan" if self._db is not None else "regex"

    def found(self, text: str) -> frozenset[str]:
        if not self.keywords or not text:
            return frozenset()
        if self._db is not None:
            hits: set[int] = set()

            def on_match(ident: int, _from: int, _to: int, _flags: int, _ctx: object) -> None:
                hits.add(ident)

            self._db.scan(text.encode("utf-8", "surrogatepass"), match_event_handler=on_match)
            return frozenset(self.keywords[i] for i in hits)
        assert self._regex is not None
        out: set[str] = set()
        pos = 0
        search = self._regex.search
        while True:
            m = search(text, pos)
            if m is None:
                break
            word = m.group()
            if word in self._implied:
                out |= self._implied[word]
            else:  # matched a prefix path only; find the longest keyword ending here
                out |= {k for k in self.keywords if text.startswith(k, m.start())}
            pos = m.start() + 1
        return frozenset(out)


_FOLDS_TO_ASCII = ("\u0130", "\u0131", "\u017f", "\u212a")
_NEWLINE = re.compile(b"\n")


class LineFinder:
    """The lines of a text that hold one of `words` (case-insensitive literals), found in one pass.

    Hyperscan reports every occurrence's end in the UTF-8 bytes, which are mapped back to lines.
    `re` also matches four non-ASCII characters to ASCII letters without regard to case (U+0130,
    U+0131, U+017F, U+212A); lines holding one are checked with `re` as well, so the answer is
    the one `re` gives. Without Hyperscan the answer is None and the caller uses `re`.
    """

    def __init__(self, words: Iterable[str]) -> None:
        self.words = tuple(sorted({w.lower() for w in words}))
        self._db: Any = None
        self._tried = False
        self._regex = re.compile("(?i)" + "|".join(re.escape(w) for w in self.words))

    def indexes(self, text: str, starts: Sequence[int]) -> list[int] | None:
        """Indexes of the lines (starting at the offsets `starts`) holding a word, or None (not answered)."""
        if not self._tried:
            self._tried = True
            self._db = _hyperscan_db(self.words, single=False)
        if self._db is None:
            return None
        ends: list[int] = []
        if text.isascii():
            self._db.scan(text.encode("ascii"), match_event_handler=lambda _i, _f, to, _fl, _c: ends.append(to))
            return sorted({bisect_right(starts, to - 1) - 1 for to in ends})
        data = text.encode("utf-8", "surrogatepass")
        self._db.scan(data, match_event_handler=lambda _i, _f, to, _fl, _c: ends.append(to))
        breaks = [m.start() for m in _NEWLINE.finditer(data)] if ends else []  # line i starts after breaks[i - 1]
        found = {bisect_right(breaks, to - 1) for to in ends}
        for c in _FOLDS_TO_ASCII:
            pos = text.find(c)
            while pos >= 0:
                i = bisect_right(starts, pos) - 1
                end = starts[i + 1] - 1 if i + 1 < len(starts) else len(text)
                if i not in found and self._regex.search(text, starts[i], end):
                    found.add(i)
                pos = text.find(c, pos + 1)
        return sorted(found)


_LOADED: dict[str, Any] = {}  # databases this process has, by key


def _hyperscan_db(keywords: tuple[str, ...], *, single: bool = True) -> Any:
    try:
        import hyperscan
    except ImportError:
        return None
    from guard.rulecache import cache_dir
    from guard.rulecache import store

    # Compiling the database costs ~40 ms; loading a serialized one costs ~1 ms.
    directory = cache_dir()
    stamp = "\0".join(keywords) + "\0" + getattr(hyperscan, "__version__", "") + ("" if single else "\0all")
    key = hashlib.sha256(stamp.encode()).hexdigest()[:40]
    if key in _LOADED:  # a warm server (guard serve) loaded it before it forked
        return _LOADED[key]
    target = directory / f"keywords-{key}.hsdb" if directory is not None else None
    if target is not None:
        try:
            loaded = hyperscan.loadb(target.read_bytes(), hyperscan.HS_MODE_BLOCK)
            loaded.scratch = hyperscan.Scratch(loaded)  # a loaded database has no scratch space yet
            _LOADED[key] = loaded
            return loaded
        except Exception:  # missing, unreadable or from another build: compile anew
            pass
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    exprs = [re.escape(k).encode("utf-8") for k in keywords]
    # Keywords: is it there at all (one report each); lines: every occurrence, found without regard to case.
    flags = [hyperscan.HS_FLAG_SINGLEMATCH if single else hyperscan.HS_FLAG_CASELESS] * len(keywords)
    try:
        db.compile(expressions=exprs, ids=list(range(len(keywords))), elements=len(keywords), flags=flags)
    except Exception:  # any compile failure: use the regex fallback
        return None
    if target is not None:
        store(target, hyperscan.dumpb(db))
    _LOADED[key] = db
    return db
