"""guard scan . on this repository reports nothing that blocks (rule examples are generated)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import ROOT
from conftest import guard_subprocess


def test_self_scan_has_nothing_blocking(tmp_path: Path) -> None:
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True).stdout.split(b"\0")
    paths = [p.decode() for p in tracked if p and (ROOT / p.decode()).is_file()]
    assert paths, "run from a git checkout"
    proc = guard_subprocess("scan", *paths, "--format", "json", cwd=ROOT)
    doc = json.loads(proc.stdout)
    blocking = [(f["rule_id"], f["path"], f["line"]) for f in doc["findings"] if f["action"] == "block"]
    assert blocking == []
    assert proc.returncode == 0
