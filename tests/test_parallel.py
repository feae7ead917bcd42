from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Repo
from conftest import token

from guard import parallel
from guard.errors import GitError


def test_split_is_contiguous_and_ordered() -> None:
    assert parallel.split(list(range(7)), 3) == [[0, 1, 2], [3, 4], [5, 6]]
    assert parallel.split([], 2) == [[], []]


def test_jobs_respects_env_and_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUARD_JOBS", "1")
    assert parallel.jobs(10_000) == 1
    monkeypatch.setenv("GUARD_JOBS", "2")
    assert parallel.jobs(10_000) == 2
    assert parallel.jobs(parallel.MIN_PER_JOB - 1) == 1


def test_map_parts_runs_children_in_order() -> None:
    assert parallel.map_parts(lambda p: sum(p), [[1, 2], [3], [4, 5]]) == [3, 3, 9]


def test_map_chunks_gives_every_chunk_once_in_order_and_uses_both_workers() -> None:
    import os
    import time

    def work(chunk: Any) -> tuple[int, int]:
        time.sleep(0.05)  # long enough that the other worker takes chunks meanwhile
        return sum(chunk), os.getpid()

    chunks = [[i, i] for i in range(8)]
    got = parallel.map_chunks(work, chunks, 2)
    assert [total for total, _ in got] == [0, 2, 4, 6, 8, 10, 12, 14]
    assert len({pid for _, pid in got}) == 2
    assert parallel.map_chunks(lambda c: sum(c), chunks, 1) == [0, 2, 4, 6, 8, 10, 12, 14]


def test_worker_errors_come_back_as_one_line() -> None:
    def boom(part: Any) -> int:
        if part == [2]:
            raise GitError("cannot read object abc")
        return 0

    with pytest.raises(GitError, match="cannot read object abc"):
        parallel.map_parts(boom, [[1], [2]])


def test_two_jobs_give_the_same_scan_as_one(repo: Repo, run_guard: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(8):
        repo.write(f"f{i}.py", f'x = {i}\nTOKEN = "{token(seed=str(i))}"\n' if i % 3 == 0 else f"x = {i}\n")
        repo.commit(f"c{i}")
    monkeypatch.setattr(parallel, "MIN_PER_JOB", 1)
    outputs = []
    for jobs in ("1", "2"):
        monkeypatch.setenv("GUARD_JOBS", jobs)
        r = run_guard("scan", "--all-history", "--format", "json", cwd=repo.path)
        doc = json.loads(r.out)
        outputs.append(
            ([c["sha"] for c in doc["commits"]], [(f["rule_id"], f["path"], f["line"], f["commit"]) for f in doc["findings"]])
        )
    assert outputs[0] == outputs[1]
    shas, found = outputs[0]
    assert len(shas) == 8
    assert [(rule, path, line) for rule, path, line, _ in found if rule == "secret.github-pat"] == [
        ("secret.github-pat", "f0.py", 2),
        ("secret.github-pat", "f3.py", 2),
        ("secret.github-pat", "f6.py", 2),
    ]
