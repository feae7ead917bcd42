"""The git command line behind the pre-commit path (guard/sources/gitcli.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Repo
from conftest import git

from guard.errors import GitError
from guard.sources.gitcli import BlobReader
from guard.sources.gitcli import environment
from guard.sources.gitcli import locate


def test_locate_from_a_subdirectory_a_bare_repository_and_outside(repo: Repo, tmp_path: Path) -> None:
    (repo.path / "pkg" / "deep").mkdir(parents=True)
    where = locate(repo.path / "pkg" / "deep")
    assert (where.git_dir, where.workdir, where.root) == (repo.path / ".git", repo.path, repo.path)
    bare = tmp_path / "server.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    found = locate(bare)
    assert (found.git_dir, found.workdir, found.root) == (bare, None, bare)
    outside = tmp_path / "plain"
    outside.mkdir()
    with pytest.raises(GitError, match=r"^not a git repository: "):
        locate(outside)


def test_blob_reader_serves_text_binary_and_missing_ids(repo: Repo) -> None:
    repo.write("a.txt", "first line\nsecond line\n")
    repo.write("b.bin", b"\x00\x01\n\n\xff" * 1000)
    repo.git("add", ".")
    ids = {name: repo.git("rev-parse", f":{name}").strip() for name in ("a.txt", "b.bin")}
    read = BlobReader(locate(repo.path), environment(from_env=False))
    try:
        assert read(ids["a.txt"]) == b"first line\nsecond line\n"
        assert read(ids["b.bin"]) == b"\x00\x01\n\n\xff" * 1000
        assert read("0" * 39 + "1") is None  # missing
        assert read(ids["a.txt"]) == b"first line\nsecond line\n"  # still in step after a miss
    finally:
        read.close()
    assert read(ids["a.txt"]) == b"first line\nsecond line\n"  # a closed reader starts again
    read.close()


def test_environment_keeps_repository_variables_only_for_hooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index, elsewhere = str(tmp_path / "index.lock"), str(tmp_path / "elsewhere.git")
    monkeypatch.setenv("GIT_INDEX_FILE", index)
    monkeypatch.setenv("GIT_DIR", elsewhere)
    assert ("GIT_INDEX_FILE" in environment(from_env=False), "GIT_DIR" in environment(from_env=False)) == (False, False)
    hooked = environment(from_env=True)
    assert (hooked["GIT_INDEX_FILE"], hooked["GIT_DIR"], hooked["LC_ALL"]) == (index, elsewhere, "C")


@pytest.mark.parametrize("setting", [("diff.noprefix", "true"), ("diff.mnemonicPrefix", "true")])
def test_staged_and_history_ignore_diff_prefix_settings(repo: Repo, setting: tuple[str, str]) -> None:
    from guard.sources.gitdiff import open_repo
    from guard.sources.gitlog import log_changes
    from guard.sources.staged import staged

    repo.git("config", *setting)
    repo.write("dir/app.py", "x = 1\n")
    repo.commit("first")
    repo.write("dir/app.py", "x = 1\ny = 2\n")
    repo.git("add", ".")
    assert [(c.path, c.added) for c in staged(repo.path)] == [("dir/app.py", ((2, "y = 2"),))]
    sha = repo.commit("second")
    logged = [(c.path, c.added) for _, found in log_changes(open_repo(repo.path), (), stdin_revs=[sha]) for c in found]
    assert logged == [("dir/app.py", ((2, "y = 2"),))]
