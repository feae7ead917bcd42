"""Line-based binding: .env, .properties, INI, XML, Dockerfile and any other text.

Every line is read on its own. Format parsers read whole-line `name = value`
forms; the generic scanner finds a credential word, widens it to the name it is
part of and reads what is bound to it: `name = "value"`, `name: value`,
`name=value`, `"name": "value"`, `<name>value</name>`, `--name value`,
`#define NAME "value"`, `ENV NAME value`, `IDENTIFIED BY 'value'`. It also reads
string literals and comments inside code that tree-sitter parsed.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from collections.abc import Iterator

from guard.detectors.assign.names import ANCHORS
from guard.detectors.assign.names import classify
from guard.detectors.assign.pair import Pair

# Where a credential word may start: each hit is widened to the whole name around it.
ANCHOR = re.compile("(?i)" + "|".join(re.escape(a) for a in ANCHORS))
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_QUOTED = r"""\\"(?:[^"\\]|\\[^"])*\\"|"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|`[^`\n]*`|&quot;[^&\n]*&quot;"""
_BARE = r"""[^\s'"`,;)}\]&<\\]+"""
_ANNOTATION = r"""(?:\s*:?\s*[A-Za-z_][\w.<>\[\]?*]*(?=\s*(?::{1,3}|[?.])?=[^=>]))?"""
_BIND_TAIL = (
    r"""(?P<sp>[ \t]*)"""
    r"""(?P<sep>:{1,3}=|\?=|\.=|\|\|=|=>|===|!==|==|!=|=|:(?!:)|->|,|\)?\s*(?:\|\||\?\?|\bor\b)|\bis\b)?[ \t]*"""
    rf"""@?(?P<v>{_QUOTED}|{_BARE})"""
)
_BIND = re.compile(r"""(?P<q>\\?["'])?(?:\]|\[\d*\])?""" + _ANNOTATION + _BIND_TAIL)
# The same without a type annotation: `token: abc123= more` is a value with base64 padding, not `name: Type = value`.
_BIND_UNTYPED = re.compile(r"""(?P<q>\\?["'])?(?:\]|\[\d*\])?""" + _BIND_TAIL)
_DIRECTIVE = re.compile(r"(?i)^\s*(?:#\s*define|%define|%global|set|setx|setenv|env|arg|export|declare|readonly|local|label)\s")
_SQL = re.compile(
    r"(?i)\b(?:identified\s+(?:with\s+\S+\s+)?by|(?:login|with|encrypted|unencrypted|role)\s+password\s*=?)\s+"
    rf"""(?P<v>{_QUOTED}|[^\s'";]+)"""
)
_SQL_STATEMENT = re.compile(r"(?i)\b(?:create|alter|grant)\s+(?:user|role|login)\b")
_XML_ELEMENT = re.compile(r"<(?P<tag>[\w.:-]+)(?:\s[^<>]*)?>(?P<v>[^<>]+)</(?P=tag)>")
_XML_KEYED = re.compile(r"""\b(?:key|name)\s*=\s*["'](?P<name>[^"']+)["'][^<>]*?\bvalue\s*=\s*(?P<v>"[^"]*"|'[^']*')""")
_XML_KEYED_TEXT = re.compile(
    r"""<(?P<tag>[\w.:-]+)\s[^<>]*?\b(?:key|name)\s*=\s*["'](?P<name>[^"']+)["'][^<>]*>(?P<v>[^<>]+)</(?P=tag)>"""
)
_MYSQL_P = re.compile(r"(?:^|[\s\"'`(;&|])(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\s(?:.*\s)?-p(?P<v>[^\s'\"-]\S*)")
_SHORT_P = re.compile(
    r"""(?:^|[\s"'`(;&|])(?:sshpass|(?:docker|podman|buildah|skopeo|helm\s+registry|oras)\s+login)\s(?:.*\s)?"""
    r"""-p\s+(?P<v>"[^"]*"|'[^']*'|\S+)"""
)
_USER_PASS = re.compile(
    r"""(?:^|\s)(?:-u|--user|--proxy-user)\s+(?P<q>["']?)(?P<u>[^\s:'"<>{}]*):"""
    r"""(?P<qv>["']?)(?P<v>[^\s'"<>]*)(?P=qv)(?P=q)(?=\s|$)"""
)

_VERBS = frozenset(("pass", "key", "token", "auth", "secret", "secrets", "credentials", "cred", "creds", "bearer"))
_CONSTANT = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_SCHEME_VALUE = re.compile(
    r"(?i)(?:bearer|basic|token|ntlm|negotiate|digest|api-?token|api-?key|sso-key|bot)\s+[A-Za-z0-9+/=._~-]{8,}"
)
_SECURE_STRING = re.compile(r"""(?i)ConvertTo-SecureString\s+(?:-\w+\s+)*?(?P<v>"[^"]+"|'[^']+'|[^\s-][^\s]*)""")
_REVERSED = re.compile(r"""(?P<v>"[^"\n]+"|'[^'\n]+')\s*[!=]==?\s*(?P<name>[A-Za-z_$][\w.$]*)""")
MAX_NAMES_PER_LINE = 64
_ENV_STYLE = re.compile(r"^\s*#?\s*(?:export\s+)?[A-Z][A-Z0-9_]*=[^=\s]")
_NETRC = re.compile(r"(?i)\b(?:machine\s+\S+|default)\s+(?:login\s+\S+\s+)?password\s+(?P<v>[^\s\\]+)")
_CREDENTIAL_CALL = re.compile(
    r"""(?i)(?:credentials?|basicauth|passwordauthentication|usernamepassword\w*)\s*\(\s*(?:"[^"\n]*"|'[^'\n]*')\s*,\s*"""
    r"""(?P<v>"[^"\n]+"|'[^'\n]+')"""
)
_NOT_BEFORE_NAME = frozenset("])}>^`%*+=|\\!~")
_FLAG_NAME = re.compile(r"[A-Za-z][a-z]*(?:[-_]?[A-Za-z][a-z]*)*")

_ENV_LINE = re.compile(r"^\s*(?:export\s+)?(?P<name>[A-Za-z_][\w.-]*)\s*=(?!=)\s*(?P<v>.*)$")
_PROPERTIES_LINE = re.compile(r"^\s*(?P<name>[\w.$@/-]+)\s*(?:[=:](?![=:])|\s)\s*(?P<v>.*)$")
_INI_LINE = re.compile(r"^\s*(?P<name>[\w.$@/-][\w.$@/ -]*?)\s*[=:](?![=:])\s*(?P<v>.*)$")

_CHAR_QUOTES = frozenset(
    (".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".m", ".mm", ".cs", ".java", ".go", ".rs", ".kt", ".kts", ".swift")
)
_FORMATS = {".env": "env", ".properties": "properties", ".ini": "ini", ".cfg": "ini", ".conf": "ini", ".cnf": "ini"}
_FORMAT_NAMES = {"Dockerfile": "dockerfile", "Containerfile": "dockerfile", ".npmrc": "ini", ".pypirc": "ini", ".netrc": "netrc"}
_WHERE = {"env": "an .env file", "properties": "a .properties file", "ini": "an INI file", "dockerfile": "a Dockerfile"}


def format_of(path: str) -> str | None:
    """The line format of `path` ("env", "properties", "ini", "dockerfile"), or None for generic text."""
    base = posixpath.basename(path)
    if base in _FORMAT_NAMES:
        return _FORMAT_NAMES[base]
    low = base.lower()
    if low.startswith(".env") or low.endswith(".env") or low == "env":
        return "env"
    if low.startswith(("dockerfile", "containerfile")) or low.endswith(".dockerfile"):
        return "dockerfile"
    return _FORMATS.get(posixpath.splitext(low)[1])


def _unquote(v: str) -> tuple[str, int, bool]:
    """(inner text, offset of it in v, was quoted)."""
    if v.startswith('\\"') and v.endswith('\\"') and len(v) >= 4:
        return v[2:-2], 2, True
    if v.startswith("&quot;") and v.endswith("&quot;") and len(v) >= 12:
        return v[6:-6], 6, True
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'`":
        return v[1:-1], 1, True
    return v, 0, False


def _whole_value(raw: str) -> tuple[str, int, bool]:
    """A config value running to the end of the line: quotes removed, or a trailing ` # comment` dropped."""
    s = raw.rstrip()
    if s[:1] in ("'", '"'):
        close = s.find(s[0], 1)
        if close > 0:
            return s[1:close], 1, True
    for marker in (" #", "\t#", " ;"):
        cut = s.find(marker)
        if cut >= 0:
            s = s[:cut].rstrip()
    return s, 0, True


def line_pairs(path: str, added: Iterable[tuple[int, str]]) -> Iterator[Pair]:
    """Pairs on the given lines of a file guard has no grammar for (or could not parse)."""
    fmt = format_of(path)
    chars = posixpath.splitext(path)[1].lower() in _CHAR_QUOTES
    for n, text in added:
        if fmt in ("env", "properties", "ini"):
            got = _config_line(fmt, text, n)
            if got is not None:
                yield from got
                continue
        yield from scan_text(text, n, 1, where=_WHERE.get(fmt or "", "text"), directive_ok=True, char_quotes=chars)


def _config_line(fmt: str, text: str, n: int) -> list[Pair] | None:
    """Pairs of one `name = value` config line, or None when the line is not of that form."""
    stripped = text.lstrip()
    if not stripped or stripped[0] in "#;!" or stripped.startswith("//"):
        return None
    rx = {"env": _ENV_LINE, "properties": _PROPERTIES_LINE, "ini": _INI_LINE}[fmt]
    m = rx.match(text)
    if m is None:
        return None
    name = m.group("name").strip()
    if classify(name) is None:
        return []
    value, off, _ = _whole_value(m.group("v"))
    if not value:
        return []
    col = m.start("v") + off + 1
    return [Pair(name, value, n, col, n, True, _WHERE[fmt])]


def scan_text(
    text: str, line: int, column: int, *, where: str, directive_ok: bool = False, char_quotes: bool = False
) -> Iterator[Pair]:
    """Pairs found anywhere in one line of text; `column` is where `text` starts on the line (1-based).

    `char_quotes`: the language quotes characters, not strings, with `'` (C, C#, Java, Go, Rust...).
    """
    if not ANCHOR.search(text):
        return
    done = 0  # text before this offset was read already (a name, or a value bound to one)
    directive = directive_ok and bool(_DIRECTIVE.match(text))
    names = 0
    for m in ANCHOR.finditer(text):
        start, end = m.start(), m.end()
        if start < done:
            continue
        while start > 0 and text[start - 1] in _NAME_CHARS:
            start -= 1
        while end < len(text) and text[end] in _NAME_CHARS:
            end += 1
        done = end
        if start > 0 and text[start - 1] in _NOT_BEFORE_NAME and not text.endswith("->", 0, start):
            continue  # `a > pass`, `x]password`; but `$mail->Password = ...` is a member
        raw_name = text[start:end]
        name = raw_name.strip(".-")
        if not name or classify(name) is None:
            continue
        names += 1
        if names > MAX_NAMES_PER_LINE:
            break  # a minified or generated line: enough
        b = _bind(text, end)
        if b is None:
            continue
        pair = _bound(b, raw_name, name, text, start, line, column, where, directive)
        if pair is not None and not (char_quotes and b.group("v").startswith("'")):
            yield pair
    yield from _special(text, line, column, where)


def _bind(text: str, end: int) -> re.Match[str] | None:
    """What follows a name: a separator and a value. A typed reading that leaves no separator is retried untyped."""
    b = _BIND.match(text, end)
    if b is not None and b.group("sep") is None and b.start("sp") > end:
        untyped = _BIND_UNTYPED.match(text, end)
        if untyped is not None and untyped.group("sep") is not None:
            return untyped
    return b


def _bound(
    b: re.Match[str], raw_name: str, name: str, text: str, start: int, line: int, column: int, where: str, directive: bool
) -> Pair | None:
    v, sep = b.group("v"), b.group("sep")
    flag = raw_name.startswith("-") and (start == 0 or text[start - 1] in " \t'\"") and bool(_FLAG_NAME.fullmatch(name))
    if sep is None:
        # Whitespace alone binds only flags (`--password x`), directives (`ENV TOKEN x`) and quoted values.
        if not b.group("sp") or not (flag or directive or v[0] in "\"'`\\"):
            return None
        if not (flag or directive) and name.lower() in _VERBS:
            return None  # `pass "x" to f`, `the key "x"`: prose, not a binding
    elif flag and sep not in ("=", ":"):
        return None
    if sep in ("==", "!=", "===", "!==", ",") and v[0] not in "\"'`":
        return None
    opened = text[:start].rstrip()[-2:]
    if sep == "," and not ((b.group("q") and opened.endswith(('("', "('"))) or _CONSTANT.fullmatch(name)):
        return None  # `put("password", "x")`, `setopt(c, CURLOPT_PASSWORD, "x")`; not `f(password, "x")`
    if sep is not None and sep.endswith(("||", "??", "or")) and not b.group("q"):
        return None  # `getenv("PASSWORD") or "x"`: only a quoted name looked up with a fallback
    scheme = _SCHEME_VALUE.match(text, b.start("v"))
    if scheme is not None and v[0] not in "\"'`":
        v = scheme.group(0)
    if v[0] in "\"'`" and text.count(v[0], 0, b.start("v")) % 2:
        return None  # the quote closes the string the name sits in: `"Password: " + x`
    if v[0] == "`" and any(c.isspace() for c in v):
        return None  # shell command substitution
    if sep == "=" and name.lower() == "key" and "value=" in text[b.end() :].lower():
        return None  # `<add key="..." value="..."/>`: the key names the setting, read by _XML_KEYED
    value, off, quoted = _unquote(v)
    if not quoted and not value.endswith("..."):
        value = value.rstrip(".:")
    if not value:
        return None
    literal = quoted or directive or (sep == "=" and bool(_ENV_STYLE.match(text)))
    return Pair(name, value, line, column + b.start("v") + off, line, literal, f"{where} ({_how(sep, flag, directive)})")


def _how(sep: str | None, flag: bool, directive: bool) -> str:
    if flag:
        return "a command-line flag"
    if sep:
        return f"`{sep}`"
    return "a directive" if directive else "a quoted value"


def _special(text: str, line: int, column: int, where: str) -> Iterator[Pair]:
    low = text.lower()
    if "identified" in low or "password" in low:
        for m in _SQL.finditer(text):
            if m.group("v")[0] in "\"'" or _SQL_STATEMENT.search(text):
                yield _found("password", m, text, line, column, f"{where} (SQL)")
    if "</" in text or "value=" in low:
        for rx in (_XML_KEYED, _XML_KEYED_TEXT):
            for m in rx.finditer(text):
                if classify(m.group("name")) is not None:
                    yield _found(m.group("name"), m, text, line, column, f"{where} (XML key and value)")
        for m in _XML_ELEMENT.finditer(text):
            if classify(m.group("tag")) is not None:
                yield _found(m.group("tag"), m, text, line, column, f"{where} (XML element)")
    if "-p" in text:
        for rx in (_MYSQL_P, _SHORT_P):
            for m in rx.finditer(text):
                yield _found("password", m, text, line, column, f"{where} (a command-line flag)")
    if "securestring" in low:
        for m in _SECURE_STRING.finditer(text):
            yield _found("password", m, text, line, column, f"{where} (ConvertTo-SecureString)")
    if "password" in low:
        for m in _NETRC.finditer(text):
            yield _found("password", m, text, line, column, f"{where} (netrc)")
    if "cred" in low or "auth" in low:
        for m in _CREDENTIAL_CALL.finditer(text):
            yield _found("password", m, text, line, column, f"{where} (credential constructor)")
    if "==" in text or "!=" in text:
        for m in _REVERSED.finditer(text):
            if classify(m.group("name")) is not None:
                yield _found(m.group("name"), m, text, line, column, f"{where} (comparison)")
    if "-u" in text:
        for m in _USER_PASS.finditer(text):
            if m.group("v"):
                yield _found("password", m, text, line, column, f"{where} (user:password argument)")
            elif m.group("u"):  # `-u KEY:`: an API key passed as the user name
                user = m.group("u")
                yield Pair("password", user, line, column + m.start("u"), line, True, f"{where} (key: argument)")


def _found(name: str, m: re.Match[str], text: str, line: int, column: int, where: str) -> Pair:
    value, off, _ = _unquote(m.group("v"))
    return Pair(name, value.strip(), line, column + m.start("v") + off, line, True, where)
