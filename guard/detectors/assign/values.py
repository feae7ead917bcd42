"""Is a value bound to a credential name a credential? A pure judgement with a reason.

The judgement rejects what is clearly not a secret (placeholders, templates,
references to the environment or to other variables, expressions, paths, URLs,
hosts, e-mail addresses, hashes, versions, booleans, prose, typed sequences like
`abcd1234`) and grades the rest: a strong name (password, secret, api_key) with
a plausible value is high confidence, a weak name (token, key, auth) needs a
value that looks machine-made, and short or word-like values are low.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from guard.detectors.assign.names import NameInfo
from guard.detectors.assign.names import classify
from guard.detectors.assign.names import words
from guard.detectors.checks import shannon
from guard.model import Confidence


class Verdict(NamedTuple):
    confidence: Confidence | None  # None: not a secret
    reason: str


def _no(reason: str) -> Verdict:
    return Verdict(None, reason)


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SCHEME = re.compile(r"(?i)^(?:bearer|basic|token|digest|bot|api-?key|api-?token|sso-key|ntlm|negotiate)\s+(?=\S)")
_TEMPLATE = re.compile(
    r"\$\{[A-Za-z_][\w.:\-]*(?::?[-=?+][^}]*)?(?:\}|$)|\{\{-?\s*[\w.\-|\"' ()$,:\[\]]+\s*-?\}\}|\{%.*?%\}|#\{[^}]*\}|<%.*?%>"
    r"|%\(\w+\)[sdr]|%[sd]\b|\{\d*\}|^\{[\w.\-]+\}$|\$[A-Z][A-Z0-9_]{2,}(?![a-z])|^\\?\$[A-Za-z_{(]|^%[A-Za-z_]\w*%$|^@[A-Za-z_]\w*@$|^__[A-Z0-9_]+__$"
    r"|^<[^<>]*>$|^\[[A-Za-z _-]+\]$|^ENC\[|^vault:|^ref\+|^!\w+\s|^arn:aws:|\$ANSIBLE_VAULT|^\{\{|^\$\$|^\$\{|^#\{"
)
_REFERENCE = re.compile(
    r"(?i)os\.environ|process\.env|getenv|environ\.get|System\.getenv|Environment\.GetEnvironmentVariable|\bENV\[|"
    r"\benv\(|\bsecrets\.[A-Z_]|\bconfig\[|\bsettings\.[A-Z_]"
)
_PLACEHOLDER = re.compile(
    r"(?i)change[_\-\s]?(?:me|it)|replace[_\-\s]?me|your[_\-]?(?:own[_\-]?)?(?:pass|secret|token|key|api|access|app|client|auth|user|db)|"
    r"^your|example|placeholder|redacted|dummy|fake|sample|x{4,}|^x{3}|(?<![a-z])xxx(?![a-z])|\*\*\*|•|\.\.\.|not_?a_?real|notreal|not_?set|lorem|"
    r"^(?:test|todo|fixme|tbd|insert|enter|put|fill|paste|add)(?:[_\-\s]|$)|foobar|^none$|^n/?a$|([^\w\s])\1{3}"
)
_WORDS_DENY = _set(
    """
    password passwd pass pwd secret secrets token key apikey api test testing none null nil undefined true false yes no
    on off empty blank default string str value text required optional hidden masked unset unknown bearer basic auth
    oauth oauth2 jwt abc abcd foo bar baz qux hello world sample secretkey accesskey privatekey client user username
    admin1 public private env environment variable config configuration changeme guest anonymous na tbd todo local
    """
)
# Formats that provider rules own: a value with one of these prefixes is theirs to report or to reject as malformed.
_PROVIDER_PREFIX = re.compile(
    r"^(?:xox[abposr]-|xapp-|gh[pousr]_|github_pat_|glpat-|hv[sbr]\.|[sr]k_(?:live|test)_|npm_|pypi-|SG\.|AKIA|ASIA|AIza|"
    r"sq[pua]_|dapi|shp(?:at|ss|ca|pa)_|sk-ant-|sk-proj-|sq0(?:atp|csp)-|dop_v1_|doo_v1_|glc_|glsa_)"
)
_ENCRYPTED_VALUE = re.compile(r"^\{[A-Za-z0-9+/]{12,}={0,2}\}$")
# Keys that vendors publish for local emulators (Azurite, Cosmos DB emulator): shared by everyone, not secret.
_PUBLIC_DEV_KEYS = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsu", "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDu")
_HASH = re.compile(
    r"^(?:\$(?:2[abxy]?|1|5|6|y|7|argon2(?:id|i|d)|pbkdf2(?:-sha\d+)?|scrypt|sha\d+|md5)\$"
    r"|\{(?:SSHA|SHA|SSHA256|SSHA512|MD5|SMD5|CRYPT|bcrypt|pbkdf2)[^}]*\}"
    r"|(?:pbkdf2_sha\d+|bcrypt_sha256|argon2|sha\d+|md5)\$|sha\d+:|md5:)",
    re.IGNORECASE,
)
_VERSION = re.compile(r"^v?\d+(?:\.\d+){1,3}(?:[-+.~][\w.]+)?$")
_NUMBERISH = re.compile(r"^(?:[\d\s.,:/+\-_]+|0x[0-9a-fA-F]+|\d+(?:\.\d+)?[eE][-+]?\d+)$")
_URL = re.compile(r"^[a-zA-Z][\w+.-]*://")
_EMAIL = re.compile(r"^[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+$")
# Anonymous FTP's password is by convention an e-mail address or a bare `name@` (RFC 1635): `guest@`, `busybox@`.
_ANONYMOUS_MAIL = re.compile(r"^[A-Za-z]+@$")
_HOST = re.compile(
    r"(?i)^(?:[a-z0-9-]+\.)+(?:com|net|org|io|dev|app|cloud|local|internal|co|us|eu|de|uk|ru|cn|jp|gov|edu|info|biz|xyz|ai|"
    r"localhost|lan|svc|cluster)(?::\d+)?$"
)
_PATHLIKE = re.compile(r"^(?:~?/|\.{1,2}/|[A-Za-z]:\\|\\\\|file:)")
_FILE_EXT = re.compile(
    r"(?i)\.(?:pem|key|crt|cer|der|p12|pfx|jks|keystore|json|ya?ml|txt|env|gpg|asc|pub|conf|cfg|ini|properties|xml|sh|py|js|ts|rb|"
    r"html?|php|toml|lock|log|csv|db|sqlite|png|jpe?g|svg|gif|md)$"
)
_VARNAME = re.compile(r"[A-Za-z_][A-Za-z_]*")
_DOTTED = re.compile(r"[A-Za-z_$@][A-Za-z_$]*(?:(?:\.|::|->|\?\.)[A-Za-z_$][A-Za-z_$]*)+(?:\(\))?")
_CALL = re.compile(r"^[\w$.:\->]+\s*[(\[].*[)\]]$")
_CONCAT = re.compile(r"\s\+\s|[\"']\s*\+|\+\s*[\"']|\s\.\s[\"'$]")
_REGEX = re.compile(r"\(\?[:=!<P]|\\[dwsbDWSB][*+?{]?|\[\^|\.\*|[)\]][*+?]|\|\w+\|")
_MARKUP = re.compile(r"<[A-Za-z/!?]")
_ENV_NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_REPEAT = re.compile(r"(.{1,16}?)\1{2,}")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+|(?:[A-Z][a-z]+)+|[a-z]+(?:[A-Z][a-z]+)+")
_SPLIT = re.compile(r"[_\-\s.:/]+")


def _classes(v: str) -> int:
    return sum(
        (any(c.islower() for c in v), any(c.isupper() for c in v), any(c.isdigit() for c in v), any(not c.isalnum() for c in v))
    )


def _ascending(s: str, stride: int) -> tuple[int, int]:
    """(pairs `stride` apart that step by one, longest run of them), up or down: 1234, abcd, a1b2c3, d4c3b2a1."""
    best_ups = best_run = 0
    for direction in (1, -1):
        ups = run = 0
        for a, b in zip(s, s[stride:], strict=False):
            if ord(b) - ord(a) == direction or (a, b) in (("9", "0"), ("0", "9")):
                ups += 1
                run += 1
                best_run = max(best_run, run)
            else:
                run = 0
        best_ups = max(best_ups, ups)
    return best_ups, best_run


def _patterned(v: str) -> bool:
    """Typed rather than generated: one character, a keyboard or alphabet run, a repeated block."""
    low = v.lower()
    n = len(low)
    squeezed = "".join(c for c in low if c.isalnum())
    if len(set(low)) <= 2 or max(low.count(c) for c in set(low)) / n >= 0.6:
        return True
    if "qwerty" in low or "asdfgh" in low:
        return True
    for text in {low, squeezed}:
        for stride in (1, 2):
            ups, best = _ascending(text, stride)
            if len(text) >= 6 and (ups >= 0.5 * (len(text) - stride) or best >= 7):
                return True
    covered = sum(len(m.group(0)) for m in _REPEAT.finditer(low))
    return n >= 8 and covered >= 0.6 * n


def _wordlike(v: str) -> bool:
    """Letters only, read as one or a few words: `hunter`, `SuperSecret`, `correct horse`."""
    parts = [p for p in _SPLIT.split(v) if p]
    return bool(parts) and all(len(p) <= 24 and _WORD.fullmatch(p) for p in parts)


def _identifierish(v: str) -> bool:
    """snake_case or camelCase made of words without digits: how a name, not a password, looks."""
    if not _VARNAME.fullmatch(v):
        return False
    ws = words(v)
    return len(ws) >= 2 and all(len(w) >= 2 for w in ws) and ("_" in v or v != v.lower())


def _structured(v: str) -> bool:
    """Mostly words joined by separators: `jetbrains.mps.v8_elimination`, `SalesResults-1.2`."""
    parts = [p for p in _SPLIT.split(v) if p]
    if len(parts) < 2:
        return False
    wordy = sum(len(p) for p in parts if len(p) >= 2 and _WORD.fullmatch(p.rstrip("0123456789") or "0"))
    return wordy >= 0.7 * sum(len(p) for p in parts)


def _names_itself(v: str) -> bool:
    """The value is (a spelling of) a credential name: `password: PASSWORD`, `#add-password`, `api_key: "my-api-key"`.

    One lower-case word such as `rootpasswd` or `thisismypassword` is a (weak) password, not a name.
    """
    v = v.lstrip("#.$@:").rstrip(":")
    if not re.fullmatch(r"[A-Za-z][\w.\-]*", v) or any(c.isdigit() for c in v):
        return False
    if v.lower() in _WORDS_DENY:
        return True
    return classify(v) is not None and (v != v.lower() or any(c in v for c in "_-."))


def _unwrap(v: str) -> str:
    while len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        v = v[1:-1]
    return v.strip()


def judge(value: str, name: NameInfo, *, literal: bool = True, called: str = "") -> Verdict:
    """Grade `value` as the value of a credential called `name`.

    `literal`: the value is known to be literal text (a string literal, a quoted
    value, a config file value). Bare words from free text may be identifiers,
    expressions or prose and are judged more strictly. `called`: the name as
    written, to reject a value that repeats it (`htpasswd: htpasswd`).
    """
    v = _unwrap(value)
    if literal and "\n" in v and not any(" " in ln.strip() for ln in v.splitlines()):
        v = "".join(ln.strip() for ln in v.splitlines())  # a literal continued over lines: one value
    if name.kind == "token":
        v = _SCHEME.sub("", v, count=1)
    if called and re.sub(r"[^a-z0-9]", "", v.lower()) == re.sub(r"[^a-z0-9]", "", called.lower()):
        return _no("repeats its own name")
    if _PROVIDER_PREFIX.match(v):
        return _no("a provider token format: left to that provider's rule")
    rejected = _reject(v, literal)
    if rejected is not None:
        return _no(rejected)
    return _grade(v, name, literal)


def _reject(v: str, literal: bool) -> str | None:
    if len(v) < 4:
        return "too short"
    if "\n" in v and not literal:
        return "spans lines"
    if _HASH.match(v):
        return "a password hash, not the password"
    if _TEMPLATE.search(v):
        return "a template or variable placeholder"
    if _REFERENCE.search(v):
        return "a reference to the environment or configuration"
    if _PLACEHOLDER.search(v):
        return "a placeholder"
    if sum(c.isalnum() for c in v) < max(3, len(v) // 3):
        return "punctuation, not a credential"
    if v.lower() in ("true", "false", "null", "none", "nil", "undefined", "yes", "no"):
        return "a boolean or null"
    if _ENCRYPTED_VALUE.match(v):
        return "an encrypted value (Maven/Jenkins {...})"
    if v.startswith(_PUBLIC_DEV_KEYS):
        return "a published emulator or documentation key"
    if _URL.match(v):
        return "a URL"
    if _EMAIL.match(v) or _HOST.match(v) or _ANONYMOUS_MAIL.match(v):
        return "an e-mail address or host name"
    if (_PATHLIKE.match(v) or _FILE_EXT.search(v)) and not _random_path(v):
        return "a file path"
    if _VERSION.match(v) or (_NUMBERISH.match(v) and not v.isdigit()):
        return "a version, number or date"
    if _CALL.match(v) or _DOTTED.fullmatch(v) or _CONCAT.search(v):
        return "an expression, not a literal"
    if (not literal and (v[0] in "{[(" or "(" in v or "[" in v)) or (v[0] in "{[(" and v[-1] not in "}])"):
        return "an expression or structure, not a literal"
    if re.match(r"--?[a-z][\w-]*$", v):
        return "a command-line flag"
    if _MARKUP.search(v):
        return "markup"
    if _REGEX.search(v):
        return "a regular expression"
    if any(c.isspace() for c in v) and (_wordlike(v) or len(v.split()) > 3 or _names_itself(v.split()[0])):
        return "prose"
    if _names_itself(v) or _identifierish(v):
        return "names a credential or variable rather than holding one"
    if _ENV_NAME.match(v):
        return "an environment variable name"
    if _patterned(v):
        return "a repeated or sequential pattern"
    return None


def _random_path(v: str) -> bool:
    """Base64 can start with / or contain it: a path-looking value whose parts look machine-made is not a path."""
    parts = [p for p in re.split(r"[/\\]", v) if p]
    return any(len(p) >= 16 and _classes(p) >= 3 and shannon(p) >= 3.5 for p in parts) and not _FILE_EXT.search(v)


def _grade(v: str, name: NameInfo, literal: bool) -> Verdict:
    n, classes, entropy = len(v), _classes(v), shannon(v)
    wordlike = _wordlike(v)
    structured = _structured(v)
    spaced = any(c.isspace() for c in v)
    named = classify(v) is not None or re.sub(r"[^a-z]", "", v.lower()) in _WORDS_DENY
    machine = not wordlike and not structured and not spaced and not named
    machine = machine and (
        (n >= 16 and entropy >= 3.3 and (classes >= 2 or bool(_HEX.match(v))))
        or (n >= 12 and classes >= 3 and entropy >= 3.2)
        or (n >= 32 and entropy >= 3.0)
    )
    if _UUID.match(v):
        machine = True
    what = name.label
    if machine:
        shape = f"machine-like value ({n} chars)"
    elif wordlike or structured:
        shape = "word-like value"
    elif v.isdigit():
        shape = "digits-only value"
    else:
        shape = f"{n}-char value with {classes} character classes"
    if not name.strong:
        if _UUID.match(v) and name.label == "key":
            return _no("a UUID under a bare key name: an identifier")
        if machine:
            return Verdict(Confidence.MEDIUM, f"{what} with a {shape}")
        return _no(f"weak name ({what}) without a machine-like value")
    if machine:
        return Verdict(Confidence.HIGH, f"{what} with a {shape}")
    if not literal and (wordlike or structured):
        return _no("a bare word, likely an identifier")
    common = re.sub(r"[^a-z]", "", v.lower()) in _WORDS_DENY
    if classify(v) is not None:
        shape = "word-like value"
    if wordlike or structured or spaced or v.isdigit() or n < 6 or common or classify(v) is not None:
        if (v.isdigit() and n < 6) or (wordlike and n < 6):
            return _no(f"{what} with a short {shape}")
        if name.kind != "password":
            return _no(f"{what} with a {shape}")
        return Verdict(Confidence.LOW, f"{what} with a {'common word and digits' if common else shape}")
    if (n >= 8 and classes >= 2) or (n >= 6 and classes >= 3):
        return Verdict(Confidence.HIGH if classes >= 3 or entropy >= 3.0 else Confidence.MEDIUM, f"{what} with a {shape}")
    if name.kind != "password":
        return _no(f"{what} with a {shape}")
    return Verdict(Confidence.MEDIUM, f"{what} with a {shape}")
