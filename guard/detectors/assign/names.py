"""Is an identifier the name of a credential? Judged on its words, not its substrings.

A name is split into lower-case words (camelCase, snake_case, kebab-case, dots,
digits), so `dbPassword`, `DB_PASS`, `x-api-key` and `secretKey` carry a
credential word while `keyboard`, `monkey`, `tokenizer`, `secretary`, `author`
and `passport` do not. The credential word must be the head of the name or be
followed only by harmless qualifiers: `passwordField`, `token_expiry`,
`max_tokens` and `password_min_length` name something about a credential, not
a credential.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Kinds: which rule reports a name.
PASSWORD = "password"
SECRET = "secret"
API_KEY = "api-key"
TOKEN = "token"
KINDS = (PASSWORD, SECRET, API_KEY, TOKEN)

# Where a credential word may start in a line: each hit is widened to the whole name around it.
ANCHORS = (
    "pass", "pw", "psw", "pssw", "pasw", "secret", "token", "key", "auth", "cred", "bearer", "priv", "jwt",
    "identified", "mysql", "mariadb", "login", "curl", "wget", "securestring", "--user", "-u ",
)  # fmt: skip

def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

# p[a]s[s]w[o][r]d and friends: passwd, pswd, psswrd, pasword, ...
_PASSWORD_SHAPE = re.compile(r"pa?s{1,2}w(?:o?r)?d|pa?s{1,2}wo?r?d?s?|pw|pwd|pword|pass|passphrase|passcode|passwort")
_GLUED_PASSWORD = ("password", "passwd", "pwd", "pswd", "pass", "passphrase")
_NOT_GLUED_PASS = frozenset(
    ("bypass", "compass", "surpass", "trespass", "overpass", "underpass", "encompass", "impass", "multipass", "firstpass")
)
_SECRET_WORDS = frozenset(("secret", "secrets", "secrete", "credential", "credentials", "cred", "creds"))
_TOKEN_WORDS = frozenset(("token", "bearer", "authorization", "authentication", "auth", "oauth", "jwt", "authtoken"))
_KEY_WORDS = frozenset(("key", "apikey"))
# A key or token is a credential when one of these words qualifies it.
_STRONG_KEY_QUALIFIERS = frozenset(
    ("api", "access", "secret", "private", "priv", "client", "master", "signing", "encryption", "hmac", "account", "auth")
)
_KEY_QUALIFIERS = _STRONG_KEY_QUALIFIERS | frozenset(
    (
        "app", "consumer", "license", "licence", "subscription", "shared", "service", "storage", "session", "admin",
        "server", "webhook", "crypt", "crypto", "enc", "aes", "mac", "sign", "jwt", "bot", "integration", "root",
        "decryption", "cipher", "rsa", "ssh", "gpg", "pgp", "personal", "security", "sas", "x",
    )
)
_STRONG_TOKEN_QUALIFIERS = _set("access auth api bearer refresh bot personal oauth secret private github gitlab slack npm")
_GLUED_KEYS = tuple(sorted((q + "key" for q in _KEY_QUALIFIERS if len(q) > 1), key=len, reverse=True))
_GLUED_TOKENS = ("authtoken", "accesstoken", "apitoken", "bearertoken", "refreshtoken", "bottoken", "oauthtoken", "secrettoken")
_GLUED_SECRETS = ("clientsecret", "appsecret", "apisecret", "consumersecret", "secretkey", "secretaccesskey", "sharedsecret")

# Words that, placed after the credential word, make the name about the credential, not the credential itself.
_AFTER = _set(
    """
    field fields input label labels placeholder hint hints prompt prompts text msg message messages error errors title
    length len size min max count limit limits num number policy policies rule rules regex regexp pattern validator
    validation validate valid invalid strength complexity expiry expire expires expiration expired ttl timeout lifetime age
    duration interval time timestamp date created updated at url uri urls endpoint endpoints host path file filename files
    dir directory folder location loc env var variable name names id ids ref refs reference arn type types kind format
    mode method scheme header headers param params parameter parameters attr attribute prop property column col
    hash hashed digest checksum sha sha1 sha256 sha512 md5 crc salt salted fingerprint bcrypt encrypted hmac signature
    provider providers manager store service client handler helper util utils factory builder generator gen parser
    reader loader getter setter callback fn func function class module component view page screen form dialog modal
    button link icon widget selector locator element elem prefix suffix separator delimiter char chars charset
    index idx position pos offset start end begin counter used usage remaining left rate fail failure failures
    attempt attempts retry retries reset reminder forgot forgotten recovery changed change update confirmation required
    enabled enable disabled disable visible visibility hidden show hide toggle flag flags option options config
    configuration setting settings spec schema template version bits level status state source origin set list map
    dict array table tables cache cached pool queue exists present missing request response result
    results lookup audience aud issuer iss scope scopes claims claim grant grants encoding
    algorithm algo alg mask masked redacted storage backend backends vault keyring keystore
    truststore ring chain pair pairs domain domains hostname server servers realm tenant region user username
    users email mail login org organization project channel event events down up press pressed code binding bindings
    mapping handler listener mgr
    """
)
# Words that, placed before it, do the same: `max_tokens`, `hashed_password`, `public_key`, `next_token`.
_BEFORE = _set(
    """
    max min num number count total no is has use enable enabled disable show hide toggle forgot reset validate
    validates verify verified check checks require requires required need needs hash hashed encrypted encrypt
    decrypt encode encoded decoded mask masked redact redacted sanitize sanitized strip invalid wrong bad missing
    empty generate generated gen random make compute create parse get fetch read load find lookup prompt ask input
    print log send store save update change sample example fake dummy mock test tests testing placeholder without
    allow allowed skip ignore non not public pub publishable
    """
)
# Before `key` only: the keys of maps, tables, indexes and keyboards.
_BEFORE_KEY = _set(
    """
    primary foreign sort partition cache row translation i18n idempotency dedupe dedup unique
    composite natural surrogate search query group node item object field column index route registry cursor map dict
    param params hotkey shortcut keyboard keypress keydown keyup bucket blob s3 file path prefix
    """
)
# Before `token` only: lexer, paging, device and anti-forgery tokens.
_BEFORE_TOKEN = _set(
    """
    next prev previous page pagination continuation cancel cancellation sync stop eos bos pad unk sep cls special start
    end eof lexer csrf xsrf device push fcm nonce magic request verification authenticity
    """
)
# Harmless trailing words: `password2`, `password_value`, `secret_prod`.
_NEUTRAL = _set(
    """
    value val str string raw plain plaintext b64 base64 hex bytes data prod production dev
    development staging stage local default qa live old new current tmp temp literal here
    """
)


@dataclass(frozen=True, slots=True)
class NameInfo:
    kind: str  # one of KINDS
    strong: bool  # a name that says "credential" on its own (password, api_key, client_secret)
    label: str  # the credential word(s), e.g. "password", "api key"


def words(name: str) -> tuple[str, ...]:
    """Lower-case words of an identifier: `dbPassword` -> ("db", "password"), `X-API-KEY` -> ("x", "api", "key")."""
    return tuple(w.lower() for w in _WORDS.findall(name))


def _root(word: str) -> tuple[str, str] | None:
    """(kind, label) when `word` alone is a credential word, else None."""
    if word in _SECRET_WORDS:
        return SECRET, "secret" if word.startswith("secret") else "credentials"
    if word in _TOKEN_WORDS:
        return TOKEN, "authorization" if word in ("authorization", "auth") else "token"
    if word in ("privkey", "privatekey"):
        return SECRET, "private key"
    if word in _KEY_WORDS:
        return API_KEY, "api key" if word == "apikey" else "key"
    if word.startswith("passw") or _PASSWORD_SHAPE.fullmatch(word):
        return PASSWORD, "password"
    return None


def _glued(word: str) -> tuple[str, str, bool] | None:
    """A credential word glued to a qualifier, e.g. `dbpassword`, `mysqlpass`, `clientsecret`, `apikey`."""
    for g in _GLUED_SECRETS:
        if word.endswith(g):
            return SECRET, "secret", True
    for g in _GLUED_TOKENS:
        if word.endswith(g):
            return TOKEN, "token", True
    for g in _GLUED_KEYS:
        if word.endswith(g):
            return API_KEY, "api key", g[:-3] in _STRONG_KEY_QUALIFIERS
    if word in _NOT_GLUED_PASS:
        return None
    for g in _GLUED_PASSWORD:
        if word.endswith(g) and len(word) > len(g):
            if word[: -len(g)] in _BEFORE:
                return None  # `getpass`, `checkpassword`: a verb, not a name
            return PASSWORD, "password", True
    if word.endswith("secret") and len(word) > 7:
        return SECRET, "secret", True
    if word.endswith("token") and len(word) > 6:
        return TOKEN, "token", False
    return None


@lru_cache(maxsize=4096)
def classify(name: str) -> NameInfo | None:
    """What kind of credential `name` names, or None when it names none."""
    ws = [w for w in words(name) if not w.isdigit()]
    while ws and ws[-1] in _NEUTRAL:
        ws.pop()
    if not ws or len(ws) > 8:
        return None
    for i in range(len(ws) - 1, -1, -1):
        found = _root(ws[i])
        glued = None if found else _glued(ws[i])
        if found is None and glued is None:
            continue
        after, before = ws[i + 1 :], ws[:i]
        if any(w in _AFTER for w in after) or len(after) > 2:
            return None
        bare = found is not None and ws[i] in ("key", "token", "auth")
        if after and bare and (not before or before[-1] not in _KEY_QUALIFIERS | _STRONG_TOKEN_QUALIFIERS):
            return None  # `key_down_event`, `token_stream`: a bare key or token followed by other words
        if any(w in _BEFORE for w in before):
            return None
        kind = found[0] if found is not None else glued[0] if glued is not None else ""
        negators = _BEFORE_KEY if kind == API_KEY else _BEFORE_TOKEN if kind == TOKEN else frozenset()
        if any(w in negators for w in before):
            return None
        if glued is not None:
            return NameInfo(glued[0], glued[2], glued[1])
        assert found is not None
        return _qualified(found[0], found[1], ws[i], before)
    return None


def _qualified(kind: str, label: str, word: str, before: list[str]) -> NameInfo | None:
    prev = before[-1] if before else None
    if kind == PASSWORD:
        return NameInfo(PASSWORD, True, label)
    if kind == SECRET:
        return NameInfo(SECRET, True, "client secret" if prev == "client" else label)
    if kind == API_KEY:
        if word != "key":
            return NameInfo(API_KEY, word == "apikey", label)
        if prev in ("secret", "private", "priv", "encryption", "signing", "master", "hmac"):
            return NameInfo(SECRET, True, f"{prev} key")
        if prev in _KEY_QUALIFIERS:
            return NameInfo(API_KEY, prev in _STRONG_KEY_QUALIFIERS, f"{prev} key")
        return NameInfo(API_KEY, False, "key")
    # token family
    if word in ("authorization", "authentication", "bearer"):
        return NameInfo(TOKEN, False, word)
    if prev in _STRONG_TOKEN_QUALIFIERS:
        return NameInfo(TOKEN, True, f"{prev} {word}")
    return NameInfo(TOKEN, False, label)
