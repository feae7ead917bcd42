"""Which tree-sitter grammar parses a path, loaded on first use and cached.

Nothing here imports tree_sitter at module import time: the hook pays for a
grammar only when a file of that language has a candidate line.
"""

from __future__ import annotations

import importlib
import posixpath
from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True, slots=True)
class Grammar:
    name: str  # shown in reasons, e.g. "python"
    module: str  # the grammar wheel's module
    function: str  # its language-returning function
    strings: tuple[str, ...]  # node kinds holding literal text
    comments: tuple[str, ...] = ("comment",)


_C_COMMENTS = ("comment", "line_comment", "block_comment")
_YAML_STRINGS = ("string_scalar", "double_quote_scalar", "single_quote_scalar", "block_scalar")

GRAMMARS: dict[str, Grammar] = {
    g.name: g
    for g in (
        Grammar("python", "tree_sitter_python", "language", ("string",)),
        Grammar("javascript", "tree_sitter_javascript", "language", ("string", "template_string")),
        Grammar("typescript", "tree_sitter_typescript", "language_typescript", ("string", "template_string")),
        Grammar("tsx", "tree_sitter_typescript", "language_tsx", ("string", "template_string")),
        Grammar("go", "tree_sitter_go", "language", ("interpreted_string_literal", "raw_string_literal")),
        Grammar("java", "tree_sitter_java", "language", ("string_literal",), _C_COMMENTS),
        Grammar("ruby", "tree_sitter_ruby", "language", ("string",)),
        Grammar("php", "tree_sitter_php", "language_php", ("encapsed_string", "string")),
        Grammar("php-only", "tree_sitter_php", "language_php_only", ("encapsed_string", "string")),
        Grammar("c#", "tree_sitter_c_sharp", "language", ("string_literal", "verbatim_string_literal", "raw_string_literal")),
        Grammar("kotlin", "tree_sitter_kotlin", "language", ("string_literal", "multiline_string_literal"), _C_COMMENTS),
        Grammar("rust", "tree_sitter_rust", "language", ("string_literal", "raw_string_literal"), _C_COMMENTS),
        Grammar("bash", "tree_sitter_bash", "language", ("string", "raw_string", "word")),
        Grammar("yaml", "tree_sitter_yaml", "language", _YAML_STRINGS),
        Grammar("json", "tree_sitter_json", "language", ("string",)),
        Grammar("toml", "tree_sitter_toml", "language", ("string",)),
        Grammar("hcl", "tree_sitter_hcl", "language", ("string_lit", "heredoc_template")),
    )
}

_EXTENSIONS = {
    ".py": "python", ".pyi": "python", ".pyw": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go",
    ".java": "java",
    ".rb": "ruby", ".rake": "ruby", ".gemspec": "ruby",
    ".php": "php", ".phtml": "php",
    ".cs": "c#",
    ".kt": "kotlin", ".kts": "kotlin",
    ".rs": "rust",
    ".sh": "bash", ".bash": "bash", ".zsh": "bash", ".ksh": "bash",
    ".yaml": "yaml", ".yml": "yaml",
    ".json": "json", ".jsonc": "json",
    ".toml": "toml",
    ".tf": "hcl", ".tfvars": "hcl", ".hcl": "hcl", ".nomad": "hcl",
}  # fmt: skip
_FILENAMES = {
    "rakefile": "ruby", "gemfile": "ruby", "vagrantfile": "ruby", "podfile": "ruby", "fastfile": "ruby",
    ".bashrc": "bash", ".zshrc": "bash", ".profile": "bash", ".bash_profile": "bash", ".bash_aliases": "bash",
    "pipfile": "toml", "cargo.lock": "toml",
}  # fmt: skip


def grammar_for(path: str) -> Grammar | None:
    """The grammar for `path` by file name, then extension; None when guard has none."""
    base = posixpath.basename(path).lower()
    name = _FILENAMES.get(base)
    if name is None:
        name = _EXTENSIONS.get(posixpath.splitext(base)[1])
    return GRAMMARS[name] if name else None


@cache
def language(name: str) -> Any:
    """The tree_sitter.Language of a grammar (imports the wheel on first use)."""
    from tree_sitter import Language

    g = GRAMMARS[name]
    try:  # the compiled module alone: the package's __init__ imports importlib.resources for its query files
        module = importlib.import_module(f"{g.module}._binding")
    except ImportError:
        module = importlib.import_module(g.module)
    return Language(getattr(module, g.function)())


@cache
def parser(name: str) -> Any:
    from tree_sitter import Parser

    return Parser(language(name))


@cache
def query(name: str) -> Any:
    """One compiled query capturing the literal strings (@s) and comments (@c) this grammar has."""
    from tree_sitter import Query

    lang = language(name)
    g = GRAMMARS[name]
    strings = [k for k in g.strings if lang.id_for_node_kind(k, True)]
    comments = [k for k in g.comments if lang.id_for_node_kind(k, True)]
    source = " ".join(f"({k}) @s" for k in strings) + " " + " ".join(f"({k}) @c" for k in comments)
    return Query(lang, source)
