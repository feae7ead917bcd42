"""Tree-sitter binding: which name does a string literal on an added line belong to?

One query per grammar captures string literals and comments inside the added
rows only. For each literal the tree is climbed to what binds it: an
assignment or declaration, a keyword argument, a dict/object/hash key, a struct
or field initialiser, a YAML/JSON/TOML key, an HCL attribute, a comparison
(`password == "x"`), a fallback (`env.X || "x"`), a setter call
(`setPassword("x")`) or a two-argument call naming it (`put("password", "x")`,
`getenv("TOKEN", "x")`). Text inside literals and comments is read with the
line scanner too, for connection strings, flags and commented-out settings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from collections.abc import Sequence
from typing import Any

from guard.detectors.assign import lines
from guard.detectors.assign.languages import GRAMMARS
from guard.detectors.assign.languages import Grammar
from guard.detectors.assign.languages import parser
from guard.detectors.assign.languages import query
from guard.detectors.assign.names import classify
from guard.detectors.assign.names import words
from guard.detectors.assign.pair import Pair

MAX_BYTES = 1_000_000  # larger files are read line by line
MAX_LINE = 4096  # so are files whose candidate lines are this long (minified, generated)
MAX_NODES = 3000  # literals and comments read per file: enough to flag a generated file, bounded time

_BIND_OPS = frozenset(("=", ":=", ":", "=>", "==", "===", "!=", "!==", "||", "??", "or", "?:"))
_COMPARE_OPS = frozenset(("==", "===", "!=", "!==", "eq", "ne"))
_CONDITIONALS = frozenset(("ternary_expression", "conditional_expression", "conditional"))
_TRANSPARENT = frozenset(
    ("parenthesized_expression", "expression", "literal_value", "flow_node", "plain_scalar", "literal_element", "argument",
     "as_expression", "non_null_expression", "type_assertion", "cast_expression", "satisfies_expression")
)  # fmt: skip
_MAPPINGS = frozenset(("flow_mapping", "block_mapping", "object", "dictionary", "hash", "inline_table", "table"))
_MEMBERS = frozenset(
    ("attribute", "member_expression", "field_expression", "selector_expression", "navigation_expression",
     "member_access_expression", "scoped_identifier")
)  # fmt: skip
_ARGUMENT_LISTS = frozenset(("argument_list", "arguments", "value_arguments"))
_CALLS = frozenset(
    ("call", "call_expression", "method_invocation", "invocation_expression", "function_call_expression",
     "member_call_expression", "scoped_call_expression", "object_creation_expression", "method_call")
)  # fmt: skip
_EQUALS = frozenset(("equals", "equalsignorecase", "eq", "equal"))
_CALL_WRAPPERS = frozenset(
    ("from", "new", "string", "str", "bytes", "bytearray", "some", "ok", "secret", "secretstring", "securestring", "box",
     "cstring", "tobytes", "utf8", "to_owned", "from_str")
)  # fmt: skip
_RECEIVER_WRAPPERS = frozenset(
    ("to_string", "to_owned", "into", "encode", "getbytes", "tochararray", "as_bytes", "as_str", "freeze", "trim", "strip",
     "to_vec", "tostring", "to_s", "dup", "b", "bytes")
)  # fmt: skip
_ENV_GETTERS = frozenset(("getenv", "get", "fetch", "getordefault", "getenvironmentvariable", "env", "environ"))
_MEMBER_FIELDS = ("property", "attribute", "field", "name", "key", "index", "subscript", "method")
_SKIP_BEFORE = frozenset(("modifiers", "modifier", "accessibility_modifier", "accessor_list", "visibility_modifier", "comment"))
_DYNAMIC = ("interpolation", "substitution", "expansion", "template_directive")
_STRING_KINDS = frozenset(k for g in GRAMMARS.values() for k in g.strings)
_OPEN = re.compile(rb"""^(?:(?:[A-Za-z]{1,2}|@\$?|\$@?)(?=#*["'`]))?(#*)("{3}|'{3}|"|'|`)?""")


def pairs(
    text: str, grammar: Grammar, runs: Sequence[tuple[int, int]], added: frozenset[int], tree: Any | None = None
) -> tuple[list[Pair], bool]:
    """Pairs on the added rows (0-based; `runs` are inclusive ranges of them) and whether the parse had errors.

    `tree`: `text` already parsed with this grammar (shared with the query detector), or None.
    """
    from tree_sitter import QueryCursor

    data = text.encode("utf-8", "surrogatepass")
    root = (tree if tree is not None else parser(grammar.name).parse(data)).root_node
    rows = data.split(b"\n")
    cursor = QueryCursor(query(grammar.name))
    seen: set[tuple[int, int]] = set()
    out: list[Pair] = []
    for first, last in runs:
        if len(seen) >= MAX_NODES:
            break
        cursor.set_point_range((first, 0), (last + 1, 0))
        for kind, nodes in cursor.captures(root).items():
            for node in nodes:
                key = (node.start_byte, node.end_byte)
                if key in seen or len(seen) >= MAX_NODES:
                    continue
                seen.add(key)
                if kind == "s":
                    out.extend(_string_pairs(node, grammar, rows, added))
                elif grammar.name != "bash":
                    out.extend(_embedded(node, grammar, rows, added, "a comment"))
    if grammar.name == "bash":
        for r in sorted({r for first, last in runs for r in range(first, last + 1)} & added):
            if r < len(rows):
                out.extend(lines.scan_text(_decode(rows[r]), r + 1, 1, where="a shell script", directive_ok=True))
    return out, root.has_error


def _decode(b: bytes) -> str:
    return b.decode("utf-8", "replace").rstrip("\r")


def _column(rows: list[bytes], row: int, byte_col: int) -> int:
    return len(rows[row][:byte_col].decode("utf-8", "replace")) + 1 if row < len(rows) else byte_col + 1


def _string_pairs(node: Any, grammar: Grammar, rows: list[bytes], added: frozenset[int]) -> Iterator[Pair]:
    got = _content(node)
    if got is None:
        return
    value, (row, col) = got
    end_row = node.end_point[0]
    if not any(r in added for r in range(row, end_row + 1)):
        return
    name = _bind(node)
    embedded = list(_embedded(node, grammar, rows, added, "a string")) if grammar.name != "bash" else []
    if not name and not embedded:
        return
    marks = _marks(node)
    if name and "encrypted" not in marks:
        where = f"a string literal in {grammar.name}"
        yield Pair(name, value, row + 1, _column(rows, row, col), end_row + 1, True, where, "example" in marks)
    prose = _docstring(node)
    for pair in embedded:
        yield pair._replace(example="example" in marks, prose=prose)


def _docstring(node: Any) -> bool:
    """A string that is a statement of its own (a docstring): documentation, not a value in use."""
    parent = node.parent
    return parent is not None and parent.type == "expression_statement" and parent.named_child_count == 1


_ENCRYPTED = frozenset(("encrypted", "sealed", "ciphertext"))
_EXAMPLES = frozenset(
    ("example", "examples", "sample", "samples", "fixture", "fixtures", "mock", "mocks", "fake", "dummy", "cases", "misses")
)


def _marks(node: Any) -> frozenset[str]:
    """What enclosing keys say about a literal: under `encryptedData:` (a SealedSecret), or in a list of examples."""
    found: set[str] = set()
    n = node.parent
    for _ in range(16):
        if n is None:
            break
        key = n.child_by_field_name("key")
        if key is None and n.type in ("pair", "table", "table_array_element", "attribute") and n.named_child_count:
            key = n.named_children[0]  # TOML `key = ...`, [header], [[header]]; HCL attributes
        if key is not None and key != node:
            ws = set(words(_name_of(key) or ""))
            if ws & _ENCRYPTED:
                found.add("encrypted")
            if ws & _EXAMPLES:
                found.add("example")
        n = n.parent
    return frozenset(found)


def _embedded(node: Any, grammar: Grammar, rows: list[bytes], added: frozenset[int], what: str) -> Iterator[Pair]:
    """The line scanner over the added rows of a literal or comment, limited to the node's own text."""
    (r0, c0), (r1, c1) = node.start_point, node.end_point
    for r in range(r0, r1 + 1):
        if r not in added or r >= len(rows):
            continue
        start = c0 if r == r0 else 0
        raw = rows[r][start : c1 if r == r1 else len(rows[r])]
        yield from lines.scan_text(_decode(raw), r + 1, _column(rows, r, start), where=f"{what} in {grammar.name}")


def _content(node: Any) -> tuple[str, tuple[int, int]] | None:
    """The literal's text without quotes and where it starts, or None when it interpolates."""
    kids = node.named_children
    if any(any(d in k.type for d in _DYNAMIC) for k in kids):
        return None
    raw: bytes = node.text or b""
    base = node.start_byte
    inner = [k for k in kids if "content" in k.type or "fragment" in k.type or k.type in ("template_literal", "escape_sequence")]
    if inner:
        return raw[inner[0].start_byte - base : inner[-1].end_byte - base].decode("utf-8", "replace"), inner[0].start_point
    row, col = node.start_point
    if raw[:1] in (b"|", b">"):  # a YAML block scalar: the lines after the header
        body = raw.split(b"\n")[1:]
        text = "\n".join(ln.decode("utf-8", "replace").strip() for ln in body).strip()
        indent = len(body[0]) - len(body[0].lstrip()) if body else 0
        return text, (row + 1, indent)
    m = _OPEN.match(raw)
    assert m is not None
    start, end = m.end(), len(raw)
    if m.group(2):
        close = m.group(2) + m.group(1)
        if raw.endswith(close) and end - len(close) >= start:
            end -= len(close)
    return raw[start:end].decode("utf-8", "replace"), (row, col + start)


def _literal(node: Any) -> str | None:
    """The text of a string literal, looking through single-child wrappers (argument, flow_node...)."""
    for _ in range(5):
        if node is None:
            return None
        if node.type in _STRING_KINDS:
            got = _content(node)
            return got[0] if got else None
        if node.named_child_count != 1:
            return None
        node = node.named_children[0]
    return None


def _name_of(node: Any, depth: int = 0) -> str | None:
    """The identifier a name-side node stands for: `this.password` -> password, `cfg["token"]` -> token."""
    if node is None or depth > 6:
        return None
    if node.type in _CALLS:
        args = node.child_by_field_name("arguments") or next((c for c in node.named_children if c.type in _ARGUMENT_LISTS), None)
        if args is not None and args.named_child_count:
            return _literal(args.named_children[0])
        return _name_of(_callee(node), depth + 1)
    for f in _MEMBER_FIELDS:
        c = node.child_by_field_name(f)
        if c is not None and c != node:
            return _name_of(c, depth + 1)
    if node.type in _STRING_KINDS:
        return _literal(node)
    kids = [k for k in node.named_children if "type" not in k.type and k.type != "comment"]
    if not kids:
        return (node.text or b"").decode("utf-8", "replace")
    return _name_of(kids[-1], depth + 1)


def _callee(call: Any) -> Any:
    for f in ("function", "name", "method", "constructor", "type"):
        c = call.child_by_field_name(f)
        if c is not None:
            return c
    kids = call.named_children
    return kids[0] if kids else None


def _receiver(call: Any) -> Any:
    """`x` in `x.equals(...)`."""
    for holder in (call, _callee(call)):
        if holder is None:
            continue
        for f in ("object", "receiver", "operand", "expression", "value"):
            c = holder.child_by_field_name(f)
            if c is not None:
                return c
    return None


def _name_before(op: Any) -> str | None:
    """The name on the left of a binding operator, skipping type annotations and modifiers."""
    n = op.prev_sibling
    while n is not None and (not n.is_named or "type" in n.type or n.type in _SKIP_BEFORE):
        n = n.prev_sibling
    return _name_of(n)


def _value_sibling(pair: Any) -> str | None:
    """`{name: DB_PASSWORD, value: x}` (Kubernetes env, key/value lists): the name the sibling entry gives."""
    holder = pair.parent
    if holder is None:
        return None
    for sib in holder.named_children:
        if sib.type != pair.type or sib == pair:
            continue
        key = sib.child_by_field_name("key") or (sib.named_children[0] if sib.named_child_count else None)
        if (_name_of(key) or "").lower() in ("name", "key"):
            value = sib.child_by_field_name("value") or sib.named_children[-1]
            return _literal(value)
    return None


def _call_binding(node: Any, args: Any) -> tuple[str | None, Any]:
    """(name, None) when the call binds the literal, (None, call) when the call just wraps it, (None, None) otherwise."""
    call = args.parent
    if call is None:
        return None, None
    named = [c for c in args.named_children if c.type != "comment"]
    if node not in named:
        return None, None
    i = named.index(node)
    callee = (_name_of(_callee(call)) or "").lower()
    if callee in _EQUALS:
        return _name_of(_receiver(call)), None
    if i == 1 and len(named) == 2:
        key = _literal(named[0])
        if callee in _ENV_GETTERS and (key is None or classify(key) is None):
            return None, call  # `secret = getenv("X", "default")`: the default belongs to what the call is bound to
        return key, None
    if i == 0 and len(named) == 1:
        if callee.rsplit(":", 1)[-1] in _CALL_WRAPPERS:
            return None, call
        return callee or None, None
    return None, None


def _bind(node: Any) -> str | None:
    """The name a string literal is bound to, or None."""
    for _ in range(8):
        parent = node.parent
        if parent is None:
            return None
        prev = node.prev_sibling
        if prev is not None and not prev.is_named and prev.type in _BIND_OPS:
            if parent.type in _CONDITIONALS:
                node = parent
                continue
            name = _name_before(prev)
            if name is not None and words(name) in (("value",), ("default",), ("default", "value")):
                return _value_sibling(parent)
            return name
        nxt = node.next_sibling
        if nxt is not None and not nxt.is_named and nxt.type in _COMPARE_OPS:
            return _name_of(nxt.next_named_sibling)
        if parent.type in ("expression_list", "pattern_list") and parent.named_child_count > 1:
            return _list_binding(node, parent)
        if parent.type in _ARGUMENT_LISTS:
            name, wrapper = _call_binding(node, parent)
            if wrapper is None:
                return name
            node = wrapper
            continue
        if parent.type in _MEMBERS and node == parent.named_children[0]:
            member = (_name_of(parent) or "").lower()
            if member in _RECEIVER_WRAPPERS:  # "x".to_string(), "x".getBytes()
                node = parent.parent if parent.parent is not None and parent.parent.type in _CALLS else parent
                continue
        if parent.type in _CALLS and node == _receiver(parent) and (_name_of(_callee(parent)) or "").lower() in _EQUALS:
            args = parent.child_by_field_name("arguments")
            return _name_of(args.named_children[0]) if args is not None and args.named_child_count else None
        wrapped = parent.type in _CALLS and node == _receiver(parent)
        if wrapped and (_name_of(_callee(parent)) or "").lower() in _RECEIVER_WRAPPERS:
            node = parent
            continue
        if parent.type in _MAPPINGS:
            return None  # `key: {{ x }}`, `key: {a: b}`: a literal inside a mapping is not the key's value
        if parent.named_child_count == 1 or parent.type in _TRANSPARENT:
            node = parent
            continue
        return None
    return None


def _list_binding(node: Any, values: Any) -> str | None:
    """`a, secret := 1, "s"`: the name at the same position on the left."""
    op = values.prev_sibling
    if op is None or op.is_named or op.type not in _BIND_OPS:
        return None
    left = op.prev_sibling
    while left is not None and not left.is_named:
        left = left.prev_sibling
    if left is None or left.type not in ("expression_list", "pattern_list", "identifier_list"):
        return None
    i = values.named_children.index(node)
    names = left.named_children
    return _name_of(names[i]) if i < len(names) else None
