from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import Repo
from conftest import git
from conftest import token

from guard.model import Kind
from guard.model import Status
from guard.sources.files import files
from guard.sources.gitdiff import open_repo
from guard.sources.history import all_tips
from guard.sources.history import commit_changes
from guard.sources.history import commit_meta
from guard.sources.history import parse_range
from guard.sources.history import walk
from guard.sources.staged import staged


def staged_of(repo: Repo) -> dict[str, tuple[Status, Kind, tuple[tuple[int, str], ...], str | None, str | None]]:
    return {c.path: (c.status, c.kind, c.added, c.old_path, c.skipped) for c in staged(repo.path)}


def test_staged_in_unborn_repository(repo: Repo) -> None:
    repo.write("a.txt", "one\ntwo\n")
    repo.git("add", "a.txt")
    assert staged_of(repo) == {"a.txt": (Status.ADDED, Kind.FILE, ((1, "one"), (2, "two")), None, None)}


def test_staged_modification_reports_only_added_lines(repo: Repo) -> None:
    repo.write("a.txt", "one\ntwo\nthree\n")
    repo.commit()
    repo.write("a.txt", "one\nTWO\nthree\nfour\n")
    repo.git("add", "a.txt")
    assert staged_of(repo) == {"a.txt": (Status.MODIFIED, Kind.FILE, ((2, "TWO"), (4, "four")), None, None)}


def test_staged_delete_and_rename(repo: Repo) -> None:
    body = "".join(f"line {i}\n" for i in range(20))
    repo.write("old.txt", body)
    repo.write("gone.txt", "x\n")
    repo.commit()
    repo.git("mv", "old.txt", "new.txt")
    repo.git("rm", "-q", "gone.txt")
    assert staged_of(repo) == {
        "new.txt": (Status.RENAMED, Kind.FILE, (), "old.txt", None),
        "gone.txt": (Status.DELETED, Kind.ABSENT, (), None, None),
    }


def test_staged_crlf_and_invalid_utf8(repo: Repo) -> None:
    repo.write("crlf.txt", b"a\r\nb\r\n")
    repo.write("bad.txt", b"ok \xff\xfe here\n")
    repo.git("add", ".")
    got = staged_of(repo)
    assert got["crlf.txt"][2] == ((1, "a"), (2, "b"))
    assert got["bad.txt"][2] == ((1, "ok \ufffd\ufffd here"),)


def test_staged_binary_and_utf16(repo: Repo) -> None:
    repo.write("blob.bin", b"\x00\x01\x02binary")
    repo.write("wide.txt", "first\nsecond\n".encode("utf-16"))
    repo.git("add", ".")
    got = staged_of(repo)
    assert got["blob.bin"] == (Status.ADDED, Kind.BINARY, (), None, "binary")
    assert got["wide.txt"] == (Status.ADDED, Kind.FILE, ((1, "first"), (2, "second")), None, None)


def test_staged_size_cap(repo: Repo) -> None:
    repo.write("big.txt", "x" * 100 + "\n")
    repo.git("add", ".")
    (change,) = staged(repo.path, max_bytes=50)
    assert change.skipped == "adds more than 50 bytes (101)"


def test_staged_symlink_and_odd_name(repo: Repo) -> None:
    os.symlink("target", repo.path / "link")
    odd = os.fsdecode(b"caf\xe9 \n.txt")
    (repo.path / odd).write_text("hello\n")
    repo.git("add", ".")
    got = staged_of(repo)
    assert got["link"][1] is Kind.SYMLINK
    assert got["caf\\xe9 \n.txt"] == (Status.ADDED, Kind.FILE, ((1, "hello"),), None, None)


def test_staged_submodule_entry(repo: Repo, tmp_path: Path) -> None:
    sub = Repo(tmp_path / "sub")
    sub.path.mkdir()
    sub.git("init", "-q")
    sub.write("f", "x\n")
    sub.commit()
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.path), "vendor/sub")
    got = staged_of(repo)
    assert got["vendor/sub"][1] is Kind.SUBMODULE
    assert got["vendor/sub"][2] == ()


def test_range_walks_commits_oldest_first(repo: Repo) -> None:
    repo.write("a.txt", "1\n")
    base = repo.commit("base")
    repo.write("a.txt", "1\n2\n")
    c1 = repo.commit("c1")
    repo.write("b.txt", "b\n")
    c2 = repo.commit("c2")
    r = open_repo(repo.path)
    tips, hide = parse_range(r, f"{base}..HEAD")
    commits = [str(c.id) for c in walk(r, tips, hide)]
    assert commits == [c1, c2]
    changes = [(ch.path, ch.added, ch.commit) for c in walk(r, tips, hide) for ch in commit_changes(r, c)]
    assert changes == [("a.txt", ((2, "2"),), c1), ("b.txt", ((1, "b"),), c2)]


def test_single_revision_is_one_commit(repo: Repo) -> None:
    repo.write("a.txt", "1\n")
    repo.commit()
    repo.write("a.txt", "1\n2\n")
    head = repo.commit()
    r = open_repo(repo.path)
    tips, hide = parse_range(r, "HEAD")
    assert [str(c.id) for c in walk(r, tips, hide)] == [head]


def evil_merge(repo: Repo, path: str, text: str) -> None:
    """A side branch and a main commit, merged with an extra edit of `path` in the merge itself."""
    repo.git("checkout", "-q", "-b", "side")
    repo.write("side.txt", "side\n")
    repo.commit("side")
    repo.git("checkout", "-q", "main")
    repo.write("main.txt", "main\n")
    repo.commit("main")
    repo.git("merge", "-q", "--no-ff", "--no-commit", "side")
    repo.write(path, text)
    repo.git("add", path)
    repo.git("commit", "-q", "-m", "merge")


def test_merge_reports_only_lines_new_to_both_parents(repo: Repo) -> None:
    repo.write("a.txt", "base\n")
    repo.commit("base")
    evil_merge(repo, "a.txt", "base\nevil\n")
    r = open_repo(repo.path)
    head = r.revparse_single("HEAD")
    assert [(c.path, c.added) for c in commit_changes(r, head)] == [("a.txt", ((2, "evil"),))]


def test_all_history_in_shallow_clone(repo: Repo, tmp_path: Path) -> None:
    for i in range(3):
        repo.write("a.txt", "".join(f"{j}\n" for j in range(i + 1)))
        repo.commit(f"c{i}")
    clone = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo.path}", str(clone))
    r = open_repo(clone)
    commits = list(walk(r, all_tips(r)))
    assert len(commits) == 1
    assert [(c.path, c.added) for c in commit_changes(r, commits[0])] == [("a.txt", ((1, "0"), (2, "1"), (3, "2")))]


def test_files_source(tmp_path: Path) -> None:
    (tmp_path / "d" / ".git").mkdir(parents=True)
    (tmp_path / "d" / ".git" / "config").write_text("secret\n")
    (tmp_path / "d" / "a.txt").write_text("x\ny\n")
    (tmp_path / "d" / "b.bin").write_bytes(b"\0\0")
    got = [(c.path, c.added, c.skipped) for c in files([str(tmp_path / "d")])]
    assert got == [("a.txt", ((1, "x"), (2, "y")), None), ("b.bin", (), "binary")]


def test_files_source_missing_path(tmp_path: Path) -> None:
    from guard.errors import GuardError

    with pytest.raises(GuardError, match="no such file or directory"):
        list(files([str(tmp_path / "nope")]))


def test_secret_token_helper_is_deterministic() -> None:
    assert token(seed="a") == token(seed="a")
    assert token(seed="a") != token(seed="b")


def test_git_log_source_agrees_with_pygit2(repo: Repo, tmp_path: Path) -> None:
    from guard.sources.gitlog import log_changes

    sub = Repo(tmp_path / "sub")
    sub.path.mkdir()
    sub.git("init", "-q")
    sub.write("f", "x\n")
    sub.commit()
    repo.write("a.txt", "one\ntwo\n")
    repo.write("crlf.txt", b"a\r\nb\r\n")
    repo.write("gone.txt", "bye\n")
    repo.write("blob.bin", b"\x00\x01")
    repo.write("wide.txt", "first\n".encode("utf-16"))
    os.symlink("a.txt", repo.path / "link")
    (repo.path / os.fsdecode(b"caf\xe9 \"q\".txt")).write_text("odd\n")
    repo.commit("first")
    repo.git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(sub.path), "vendor/sub")
    repo.git("mv", "a.txt", "b.txt")
    repo.write("b.txt", "one\ntwo\nthree\n")
    repo.write("wide.txt", "first\nsecond\n".encode("utf-16"))
    repo.git("rm", "-q", "gone.txt")
    repo.commit("second")
    evil_merge(repo, "b.txt", "one\ntwo\nthree\nevil\n")
    r = open_repo(repo.path)

    def key(changes: list[object]) -> list[tuple[object, ...]]:
        return sorted((c.path, c.status, c.kind, c.added, c.old_path, c.skipped) for c in changes)  # type: ignore[attr-defined]

    logged = list(log_changes(r, ["--all"]))
    fast = {meta.sha: key(chs) for meta, chs in logged}
    slow = {str(c.id): key(list(commit_changes(r, c))) for c in walk(r, all_tips(r))}
    for sha in slow:
        assert fast[sha] == slow[sha], sha
    # The metadata read from git log's output is what pygit2 reads from the objects.
    assert {meta.sha: meta for meta, _ in logged} == {str(c.id): commit_meta(c) for c in walk(r, all_tips(r))}
    merge = r.revparse_single("HEAD")
    assert fast[str(merge.id)] == [("b.txt", Status.MODIFIED, Kind.FILE, ((4, "evil"),), None, None)]


def test_git_log_metadata_survives_messages_that_look_like_diffs(repo: Repo) -> None:
    """A message quoting a diff, odd control bytes and trailers: the fields and the real diff stay apart."""
    from guard.sources.gitlog import log_changes

    repo.write("a.txt", "real\n")
    fake = "diff --git a/fake b/fake\n+++ b/fake\n@@ -0,0 +1 @@\n+not a change\n"
    message = f"fix \x01 it\n\n{fake}\nCo-authored-by: Bot <bot@example.com>\n"
    sha = repo.commit(message)
    who = {"GIT_AUTHOR_NAME": "Zoë Ünal", "GIT_AUTHOR_EMAIL": "z@example.com"}
    repo.git("commit", "-q", "--allow-empty", "-m", "second", env=who)
    logged = list(log_changes(open_repo(repo.path), ["--all"]))
    assert [(c.path, c.added) for c in logged[0][1]] == [("a.txt", ((1, "real"),))]
    first, second = logged[0][0], logged[1][0]
    assert (first.sha, first.message) == (sha, message)
    assert (first.author_name, first.author_email, first.parents) == ("Ada Dev", "ada@example.com", ())
    assert (second.author_name, second.author_email, second.committer_name) == ("Zoë Ünal", "z@example.com", "Ada Dev")
    assert (second.parents, second.message) == ((sha,), "second\n")


def test_log_command_walks_revs_oldest_first_or_reads_exact_commits_from_stdin() -> None:
    from guard.sources.gitlog import LOG_FORMAT
    from guard.sources.gitlog import log_command

    walk = log_command(["--all"])
    assert walk[:6] == ["git", "-c", "core.quotePath=true", "log", "-p", "-U0"]
    assert walk[-5:] == [f"--format={LOG_FORMAT}", "--reverse", "--topo-order", "--all", "--"]
    fed = log_command(["ignored"], stdin=True)
    assert fed[-3:] == [f"--format={LOG_FORMAT}", "--no-walk=unsorted", "--stdin"]
    assert fed[:-2] == walk[:-4]
