"""`make demo`: guard's main job, end to end, on a throwaway repository.

1. create a repository in a temporary directory and install guard's pre-commit hook;
2. try to commit a file with a leaked (generated, fake) credential: the hook blocks it, redacted;
3. replace the credential with an environment lookup and commit: the hook lets it through.
Exits 0 only when guard behaved exactly like that.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from guard.gen import expand


def run(cmd: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    print(f"$ {' '.join(cmd)}")
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    for stream in (proc.stdout, proc.stderr):
        if stream.strip():
            print("\n".join(f"    {line}" for line in stream.rstrip().splitlines()))
    return proc


def fail(msg: str) -> int:
    print(f"demo FAILED: {msg}")
    return 1


def main() -> int:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "Demo Dev",
        "GIT_AUTHOR_EMAIL": "demo@example.com",
        "GIT_COMMITTER_NAME": "Demo Dev",
        "GIT_COMMITTER_EMAIL": "demo@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    guard = [sys.executable, "-m", "guard"]
    secret = expand("${gen:github:ghp}", "demo")
    with tempfile.TemporaryDirectory(prefix="guard-demo-") as tmp:
        repo = Path(tmp) / "app"
        repo.mkdir()
        print(f"== a throwaway repository in {repo}")
        run(["git", "init", "-q", "-b", "main"], repo, env)
        if run([*guard, "install"], repo, env).returncode != 0:
            return fail("guard install failed")

        print("\n== 1. commit a file that hardcodes a GitHub token")
        (repo / "deploy.py").write_text(f'import os\n\nGITHUB_TOKEN = "{secret}"\n', encoding="utf-8")
        run(["git", "add", "deploy.py"], repo, env)
        blocked = run(["git", "commit", "-m", "Add deploy script"], repo, env)
        shown = blocked.stdout + blocked.stderr
        if blocked.returncode == 0:
            return fail("the commit with a credential was not blocked")
        if secret in shown:
            return fail("the full secret was printed")
        if "secret.github-pat" not in shown or "deploy.py:3" not in shown:
            return fail("the block message does not name the rule and location")
        print("   -> blocked, and the token is shown redacted only")

        print("\n== 2. read the token from the environment instead, and commit again")
        (repo / "deploy.py").write_text('import os\n\nGITHUB_TOKEN = os.environ["GITHUB_TOKEN"]\n', encoding="utf-8")
        run(["git", "add", "deploy.py"], repo, env)
        ok = run(["git", "commit", "-q", "-m", "Add deploy script"], repo, env)
        if ok.returncode != 0:
            return fail("the clean commit was blocked")
        log = run(["git", "log", "--oneline"], repo, env)
        if "Add deploy script" not in log.stdout:
            return fail("the clean commit is missing")
        print("   -> committed")
    print("\ndemo OK: guard blocked the leaked credential (redacted) and let the clean change through")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
