"""tree-sitter plumbing for the query and imports detectors: grammars, parsing, changed-row queries.

tree_sitter and the grammar wheels are imported on first use, so loading rules
costs nothing. A file is parsed once per language and kept while detectors
look at the same Document; a query runs only over the rows a change added
(`QueryCursor.set_point_range`, one range per run of consecutive added lines).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from guard.document import Document

# language -> (module, function returning the grammar, file kind that selects it)
GRAMMARS: dict[str, tuple[str, str, str]] = {
    "python": ("tree_sitter_python", "language", "python"),
    "javascript": ("tree_sitter_javascript", "language", "javascript"),
    "typescript": ("tree_sitter_typescript", "language_typescript", "typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx", "typescript"),
    "go": ("tree_sitter_go", "language", "go"),
    "java": ("tree_sitter_java", "language", "java"),
    "yaml": ("tree_sitter_yaml", "language", "yaml"),
    "json": ("tree_sitter_json", "language", "json"),
    "toml": ("tree_sitter_toml", "language", "toml"),
    "hcl": ("tree_sitter_hcl", "language", "hcl"),
    "bash": ("tree_sitter_bash", "language", "shell"),
}

MAX_TEXT = 200  # characters of a node's text kept as the reported value


@dataclass(frozen=True, slots=True)
class Capture:
    name: str
    row: int  # 0-based
    end_row: int
    column: int  # 0-based, in bytes
    text: str


@cache
def language(name: str) -> Any:
    import tree_sitter

    module, func, _ = GRAMMARS[name]
    return tree_sitter.Language(getattr(importlib.import_module(module), func)())


@cache
def query(lang: str, source: str) -> Any:
    """A compiled query; raises ValueError with tree-sitter's message when it does not compile."""
    import tree_sitter

    try:
        return tree_sitter.Query(language(lang), source)
    except (tree_sitter.QueryError, ValueError) as e:
        raise ValueError(str(e)) from None


# The last document parsed and its trees by language (one entry: detectors see one document at a time).
_LAST: list[tuple[Document, dict[str, Any]]] = []


def tree(doc: Document, lang: str) -> Any | None:
    if not _LAST or _LAST[0][0] is not doc:
        _LAST[:] = [(doc, {})]
    trees = _LAST[0][1]
    if lang not in trees:
        text = doc.text
        if text is None:
            trees[lang] = None
        else:
            trees[lang] = parse_text(text, lang)
    return trees[lang]


def parse_text(text: str, lang: str) -> Any:
    import tree_sitter

    return tree_sitter.Parser(language(lang)).parse(text.encode("utf-8", "surrogatepass"))


def texts(text: str, lang: str, source: str, capture: str) -> frozenset[str]:
    """The text of every `capture` node of `source` anywhere in `text` (for old-side comparisons)."""
    import tree_sitter

    cursor = tree_sitter.QueryCursor(query(lang, source))
    found = cursor.captures(parse_text(text, lang).root_node).get(capture, [])
    return frozenset(_capture(capture, n).text for n in found)


def spans(doc: Document) -> Iterator[tuple[int, int]]:
    """0-based (first, last) rows of each run of consecutive added lines."""
    for region in doc.regions:
        first = region.first_line - 1
        yield first, first + len(region.starts) - 1


def run(doc: Document, lang: str, source: str) -> Iterator[dict[str, list[Capture]]]:
    """Each match of `source` that overlaps an added row, as capture name -> captures."""
    import tree_sitter

    parsed = tree(doc, lang)
    if parsed is None:
        return
    compiled = query(lang, source)
    seen: set[tuple[tuple[str, int, int], ...]] = set()
    for first, last in spans(doc):
        cursor = tree_sitter.QueryCursor(compiled)
        cursor.set_point_range((first, 0), (last + 1, 0))
        for _, captures in cursor.matches(parsed.root_node):
            key = tuple(sorted((name, n.start_byte, n.end_byte) for name, nodes in captures.items() for n in nodes))
            if key in seen:
                continue
            seen.add(key)
            yield {name: [_capture(name, n) for n in nodes] for name, nodes in captures.items()}


def _capture(name: str, node: Any) -> Capture:
    raw = node.text or b""
    text = raw[: MAX_TEXT * 4].decode("utf-8", "replace")[:MAX_TEXT]
    return Capture(name, node.start_point[0], node.end_point[0], node.start_point[1], text)
