"""Git notes: each scanned commit's findings and authorship, under refs/notes/guard.

`guard scan --range A..B --annotate` writes one note per commit: JSON with the
commit's decision, its actor (kind, name, confidence, evidence) and its
findings -- rule, action, reason, place, redacted value and fingerprint,
never a secret. Notes are replaced on a rescan (force). Share them with
`git push origin refs/notes/guard`; read them with `git notes --ref guard show <sha>`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pygit2

from guard import __version__
from guard.model import CommitVerdict
from guard.model import Verdict
from guard.report.jsonfmt import actor_dict

NOTES_REF = "refs/notes/guard"
NOTE_VERSION = 1


def note_text(cv: CommitVerdict, verdict: Verdict) -> str:
    findings: list[dict[str, Any]] = [
        {
            "rule_id": d.finding.rule_id,
            "action": d.action.value,
            "reason": d.reason,
            "path": d.finding.path,
            "line": d.finding.line,
            "secret": d.finding.redacted,
            "fingerprint": d.finding.fingerprint,
        }
        for d in verdict.decisions
        if d.finding.commit == cv.commit.sha
    ]
    doc = {
        "version": NOTE_VERSION,
        "tool": f"guard {__version__}",
        "commit": cv.commit.sha,
        "decision": cv.action.value,
        "actor": actor_dict(cv.actor) if cv.actor is not None else None,
        "findings": findings,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _signature(repo: pygit2.Repository) -> pygit2.Signature:
    try:
        return repo.default_signature
    except (KeyError, pygit2.GitError):
        return pygit2.Signature("guard", "guard@localhost")


def annotate(repo_path: Path, verdict: Verdict, ref: str = NOTES_REF) -> int:
    """Write a note for every commit of `verdict`; returns how many were written."""
    from guard.sources.gitdiff import open_repo

    repo = open_repo(repo_path)
    sig = _signature(repo)
    for cv in verdict.commits:
        repo.create_note(note_text(cv, verdict), sig, sig, cv.commit.sha, ref, True)
    return len(verdict.commits)


def read_note(repo_path: Path, sha: str, ref: str = NOTES_REF) -> dict[str, Any] | None:
    """The parsed guard note of commit `sha`, or None."""
    from guard.sources.gitdiff import open_repo

    repo = open_repo(repo_path)
    try:
        note = repo.lookup_note(sha, ref)
    except KeyError:
        return None
    data: dict[str, Any] = json.loads(note.message)
    return data
