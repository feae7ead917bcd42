"""Measure each detect-secrets plugin on ../shared/corpora, to choose which are on by default.

Usage: .venv/bin/python bench/dsecrets_plugins.py [CORPORA_DIR]

For every sample line a plugin flags: a hit on a line labeled positive is a true
positive, on a line labeled negative a false positive, on an unlabeled line
"unlabeled" (these corpora label every secret in a sample, so an unlabeled hit
is almost always noise). Precision here = TP / (TP + FP + unlabeled).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "corpora"
    if not root.is_dir():
        print(f"corpora not found: {root}")
        return 2
    plugins = {cls.__name__: cls() for cls in get_mapping_from_secret_type_to_class().values()}
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    unl: Counter[str] = Counter()
    for path in sorted(root.glob("*.jsonl")):
        for raw in path.read_text().splitlines():
            sample = json.loads(raw)
            pos = {lab["line"] for lab in sample["labels"] if lab["positive"] and lab["line"]}
            neg = {lab["line"] for lab in sample["labels"] if not lab["positive"] and lab["line"]}
            name = sample.get("name") or "sample.txt"
            for n, line in enumerate(sample["text"].splitlines(), 1):
                for pname, plugin in plugins.items():
                    if not plugin.analyze_line(filename=name, line=line, line_number=n):
                        continue
                    if n in pos:
                        tp[pname] += 1
                    elif n in neg:
                        fp[pname] += 1
                    else:
                        unl[pname] += 1
    print(f"{'plugin':<28} {'TP':>6} {'FP':>5} {'unlab':>6} {'precision':>9}")
    for pname in sorted(plugins, key=lambda p: -(tp[p] / max(1, tp[p] + fp[p] + unl[p]))):
        total = tp[pname] + fp[pname] + unl[pname]
        prec = tp[pname] / total if total else 0.0
        print(f"{pname:<28} {tp[pname]:>6} {fp[pname]:>5} {unl[pname]:>6} {prec:>9.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
