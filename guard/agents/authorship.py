"""Decide who wrote a commit: a human, an AI coding agent or a bot.

`identify` is a pure function. It checks every signal of every agent in the
catalog against the commit (trailers, author/committer identity, message
text), plus what only the caller knows: the branch being pushed, the account
that pushed, and the commit's git-ai note. The strongest signal wins; every
signal that fired is listed as evidence.

Nothing here proves a human wrote a commit. Attribution is opt-out for most
agents and every signal can be forged, so "no agent signal" comes back as a
human at LOW confidence.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from guard.agents.catalog import Agent
from guard.agents.catalog import Catalog
from guard.agents.catalog import Signal
from guard.agents.trailers import parse_trailers
from guard.model import Actor
from guard.model import Commit
from guard.model import Confidence

MAX_EVIDENCE = 120
NAME_ONLY = " (name only)"
NO_SIGNAL = Actor("human", None, Confidence.LOW, ("no agent signal",))

_NOREPLY = re.compile(r"(\d+)\+[^@\s]+@users\.noreply\.github\.com\Z", re.IGNORECASE)
_IDENTITY = re.compile(r"(.*?)\s*<([^<>]*)>\s*\Z", re.DOTALL)
_NOTE_TOOL = re.compile(r'"tool"\s*:\s*"([^"\\]{1,80})"')


@dataclass(frozen=True, slots=True)
class _Identity:
    roles: frozenset[str]  # author, committer, trailer
    name: str
    email: str
    evidence: str


@dataclass(frozen=True, slots=True)
class _Hit:
    confidence: Confidence
    kind: str
    agent: str | None  # catalog id; None for an agent account not in the catalog
    order: int  # catalog position: earlier, more specific entries win ties
    evidence: str


def identify(
    commit: Commit,
    catalog: Catalog,
    *,
    branch: str | None = None,
    pusher: str | None = None,
    agent_accounts: frozenset[str] = frozenset(),
    note: str | None = None,
) -> Actor:
    """Who wrote `commit`, as far as the signals go.

    `branch` is the ref being pushed (server side), `pusher` the account that
    pushed it (e.g. GITHUB_USER_LOGIN), `agent_accounts` the accounts the
    operator knows to be agents, and `note` the text of the commit's git-ai
    note (refs/notes/ai), if any.
    """
    trailers = parse_trailers(commit.message)
    identities = _identities(commit, trailers, catalog.identity_trailers)
    branch_name = _short_branch(branch)
    tools = _note_tools(note) if note else ()

    plan = _plan(catalog)
    keyed = [*plan.identity_hits(commit, identities), *plan.marker_hits(commit)]
    keyed += plan.value_hits("branch", branch_name, commit)
    keyed += plan.value_hits("login", pusher, commit)
    for order, index, agent_id, signal in plan.others:  # trailers and notes
        kind = signal.type
        if (kind == "trailer" and not trailers) or (kind == "note" and not tools):
            continue  # nothing for this signal to look at
        for evidence in _matches(signal, commit, trailers, identities, branch_name, pusher, tools):
            keyed.append((order, index, _Hit(signal.confidence, signal.kind, agent_id, order, evidence)))
    keyed.sort(key=lambda k: (k[0], k[1]))  # catalog order, as if every signal were checked in turn
    hits = [h for _, _, h in keyed]

    if pusher and pusher.casefold() in {a.casefold() for a in agent_accounts}:
        named = [h for h in hits if h.kind == "agent"]
        account_agent = max(named, key=_rank).agent if named else None
        hits.append(
            _Hit(
                Confidence.HIGH,
                "agent",
                account_agent,
                len(catalog.agents),
                f"pusher {pusher} is a listed agent account",
            )
        )

    if not hits:
        return NO_SIGNAL
    best = max(hits, key=_rank)
    return Actor(
        best.kind,
        best.agent if best.agent is not None else pusher,
        best.confidence,
        _evidence(hits),
    )


_BY_IDENTITY = frozenset(("email", "name", "github_id"))
_Keyed = tuple[int, int, _Hit]  # (agent position, signal position, hit)


_BACKREF = re.compile(r"\\[1-9]|\(\?P=|\(\?\(")  # group numbers and names shift when patterns are joined


def union(patterns: list[re.Pattern[str]]) -> re.Pattern[str] | None:
    """One pattern that finds a match wherever any of `patterns` does, or None when they cannot be joined
    (different flags, back-references)."""
    if not patterns or len({p.flags for p in patterns}) != 1 or any(_BACKREF.search(p.pattern) for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), patterns[0].flags)
    except re.error:  # e.g. a global inline flag, which may only start a pattern
        return None


class _Plan:
    """The catalog split for speed: identity signals answered once per distinct set of identities
    (a history repeats its authors thousands of times), branch and login signals once per branch and
    pusher, message markers skipped together when their union finds nothing; the rest for each commit."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        signals = [(o, i, a.id, s) for o, a in enumerate(catalog.agents) for i, s in enumerate(a.signals)]
        self.identity = [x for x in signals if x[3].type in _BY_IDENTITY]
        self.markers = [x for x in signals if x[3].type == "marker"]
        self.by_value = {t: [x for x in signals if x[3].type == t] for t in ("branch", "login")}
        self.others = [x for x in signals if x[3].type in ("trailer", "note")]
        self.marker_union = union([x[3].pattern for x in self.markers if x[3].pattern is not None])
        self._memo: dict[tuple[_Identity, ...], tuple[_Keyed, ...]] = {}
        self._values: dict[tuple[str, str], tuple[_Keyed, ...]] = {}

    @staticmethod
    def _hits(
        signals: list[tuple[int, int, str, Signal]],
        commit: Commit,
        *,
        identities: tuple[_Identity, ...] = (),
        branch: str | None = None,
        pusher: str | None = None,
    ) -> tuple[_Keyed, ...]:
        return tuple(
            (order, index, _Hit(signal.confidence, signal.kind, agent_id, order, evidence))
            for order, index, agent_id, signal in signals
            for evidence in _matches(signal, commit, (), identities, branch, pusher, ())
        )

    def marker_hits(self, commit: Commit) -> tuple[_Keyed, ...]:
        if not self.markers or (self.marker_union is not None and self.marker_union.search(commit.message) is None):
            return ()
        return self._hits(self.markers, commit)

    def value_hits(self, kind: str, value: str | None, commit: Commit) -> tuple[_Keyed, ...]:
        """Branch or login signals: they read only `value`, so each value is answered once."""
        if not value:
            return ()
        got = self._values.get((kind, value))
        if got is None:
            branch, pusher = (value, None) if kind == "branch" else (None, value)
            got = self._hits(self.by_value[kind], commit, branch=branch, pusher=pusher)
            if len(self._values) < 50_000:
                self._values[(kind, value)] = got
        return got

    def identity_hits(self, commit: Commit, identities: tuple[_Identity, ...]) -> tuple[_Keyed, ...]:
        got = self._memo.get(identities)
        if got is None:
            got = self._hits(self.identity, commit, identities=identities)
            if len(self._memo) < 50_000:
                self._memo[identities] = got
        return got


_PLANS: dict[int, _Plan] = {}


def _plan(catalog: Catalog) -> _Plan:
    got = _PLANS.get(id(catalog))
    if got is None or got.catalog is not catalog:
        got = _PLANS[id(catalog)] = _Plan(catalog)
    return got


def _rank(hit: _Hit) -> tuple[int, int, int]:
    return (int(hit.confidence), hit.agent is not None, -hit.order)


def _evidence(hits: list[_Hit]) -> tuple[str, ...]:
    """Each observation once, strongest first; a name-only match of an
    identity that already matched a stronger signal adds nothing."""
    ordered = sorted(hits, key=lambda h: -int(h.confidence))  # stable: keeps find order
    seen: set[str] = set()
    out: list[str] = []
    for hit in ordered:
        if hit.evidence.removesuffix(NAME_ONLY) in seen:
            continue
        seen.add(hit.evidence)
        out.append(_clip(hit.evidence))
    return tuple(out)


def _clip(text: str) -> str:
    """One printable line of at most MAX_EVIDENCE characters.

    Commit text is attacker-controlled: control characters (terminal escapes,
    newlines) are replaced before the string reaches a report.
    """
    clean = "".join(c if c.isprintable() else "?" for c in text.strip())
    if len(clean) > MAX_EVIDENCE:
        clean = clean[: MAX_EVIDENCE - 3] + "..."
    return clean


def _short_branch(branch: str | None) -> str | None:
    if not branch:
        return None
    return branch.removeprefix("refs/heads/")


def _identities(commit: Commit, trailers: tuple[tuple[str, str], ...], identity_keys: frozenset[str]) -> tuple[_Identity, ...]:
    author = (commit.author_name, commit.author_email)
    committer = (commit.committer_name, commit.committer_email)
    if author == committer:  # the usual case: one identity, one line of evidence
        out = [_Identity(frozenset(("author", "committer")), *author, f"author {author[0]} <{author[1]}>")]
    else:
        out = [
            _Identity(frozenset(("author",)), *author, f"author {author[0]} <{author[1]}>"),
            _Identity(frozenset(("committer",)), *committer, f"committer {committer[0]} <{committer[1]}>"),
        ]
    for key, value in trailers:
        if key not in identity_keys:
            continue
        m = _IDENTITY.match(value)
        name, email = (m.group(1), m.group(2)) if m else (value, "")
        out.append(_Identity(frozenset(("trailer",)), name.strip(), email.strip(), f"trailer {key}: {value}"))
    return tuple(out)


def _github_id(email: str) -> int | None:
    m = _NOREPLY.match(email.strip())
    return int(m.group(1)) if m else None


def _matches(
    signal: Signal,
    commit: Commit,
    trailers: tuple[tuple[str, str], ...],
    identities: tuple[_Identity, ...],
    branch: str | None,
    pusher: str | None,
    tools: tuple[tuple[str, str], ...],
) -> list[str]:
    """Evidence strings for every place `signal` matches (empty: no match)."""
    pattern = signal.pattern
    found: list[str] = []
    if signal.type == "trailer":
        assert pattern is not None
        found = [f"trailer {k}: {v}" for k, v in trailers if k == signal.key and pattern.search(v)]
    elif signal.type in ("email", "name", "github_id"):
        for ident in identities:
            if not ident.roles & signal.roles:
                continue
            if signal.type == "github_id":
                ok = _github_id(ident.email) == signal.github_id
            else:
                assert pattern is not None
                field = ident.email if signal.type == "email" else ident.name
                ok = bool(field) and pattern.search(field) is not None
            if ok:
                suffix = NAME_ONLY if signal.type == "name" else ""
                found.append(ident.evidence + suffix)
    elif signal.type == "marker":
        assert pattern is not None
        m = pattern.search(commit.message)
        if m:
            found = [f"message: {_line_at(commit.message, m.start())}"]
    elif signal.type == "branch":
        assert pattern is not None
        if branch and pattern.search(branch):
            found = [f"branch {branch}"]
    elif signal.type == "note":
        assert pattern is not None
        found = [
            f"git-ai note: tool {tool}" + (f", model {model}" if model else "") for tool, model in tools if pattern.search(tool)
        ]
    elif signal.type == "login":
        assert pattern is not None
        if pusher and pattern.search(pusher):
            found = [f"pusher {pusher}"]
    return found


def _line_at(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : end if end != -1 else len(text)]


def _note_tools(note: str) -> tuple[tuple[str, str], ...]:
    """(tool, model) pairs named by a git-ai authorship note, in order, once each.

    The note is an attestation section, a `---` line, then JSON whose
    `prompts` map holds `agent_id: {tool, model}`. If the JSON does not parse
    (truncated, older schema), `"tool": "..."` strings are picked out instead.
    """
    found: list[tuple[str, str]] = []
    lines = note.replace("\r\n", "\n").split("\n")
    metadata = note if note.lstrip().startswith("{") else ""
    if "---" in lines:
        metadata = "\n".join(lines[lines.index("---") + 1 :])
    try:
        data = json.loads(metadata) if metadata else None
    except ValueError:
        data = None
    prompts = data.get("prompts") if isinstance(data, dict) else None
    if isinstance(prompts, dict):
        for record in prompts.values():
            agent_id = record.get("agent_id") if isinstance(record, dict) else None
            if not isinstance(agent_id, dict):
                continue
            tool, model = agent_id.get("tool"), agent_id.get("model")
            if isinstance(tool, str) and tool:
                found.append((tool, model if isinstance(model, str) else ""))
    else:
        found = [(m.group(1), "") for m in _NOTE_TOOL.finditer(note)]
    unique: list[tuple[str, str]] = []
    for item in found:
        if item not in unique:
            unique.append(item)
    return tuple(unique)


def describe(actor: Actor, catalog: Catalog) -> str:
    """A short human label, e.g. 'agent Claude Code (high)'."""
    name = actor.name
    if name is not None:
        try:
            agent: Agent | None = catalog.get(name)
        except KeyError:
            agent = None
        if agent is not None:
            name = agent.name
    label = f"{actor.kind} {name}" if name else actor.kind
    return f"{label} ({actor.confidence.label})"
