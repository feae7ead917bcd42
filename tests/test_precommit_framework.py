"""The real pre-commit framework runs guard as a hook repository and blocks a leaked key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from conftest import Repo
from conftest import token

pytestmark = pytest.mark.slow


def pre_commit(repo: Repo, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args], cwd=repo.path, capture_output=True, text=True, env=env, timeout=900
    )


def test_try_repo_blocks_leaked_key_and_passes_clean_change(repo: Repo, tmp_path: Path) -> None:
    home = tmp_path / "pre-commit-home"
    secret = token()
    repo.write("app.py", f'TOKEN = "{secret}"\n')
    repo.git("add", ".")
    blocked = pre_commit(repo, home, "try-repo", str(ROOT), "guard")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode == 1, output
    assert "app.py:1:10  secret.github-pat" in output
    assert secret not in output
    repo.write("app.py", 'import os\nTOKEN = os.environ["TOKEN"]\n')
    repo.git("add", ".")
    clean = pre_commit(repo, home, "try-repo", str(ROOT), "guard")
    assert clean.returncode == 0, clean.stdout + clean.stderr
