"""Accuracy of guard and competing scanners on the labelled corpora.

Usage::

    python bench/accuracy.py [--corpora DIR] [--tools guard,gitleaks,detect-secrets,kingfisher]
                             [--only gitleaks,noseyparker] [--json OUT] [--markdown]
                             [--by-rule TOOL] [--show-misses N]

Corpora: ``DIR/*.jsonl`` (default ``<repo>/../shared/corpora``), one sample a line:
``{"source","name","text","labels":[{"rule","positive","line","secret"}]}``.
Each sample is written to its own file (``s<index><ext>``, the extension taken from
the sample name when it has one) in a temp dir; each tool scans that dir once.

Scoring (per tool and corpus), at the granularity of *labelled lines*:

* Labels are de-duplicated to units ``(sample, line, positive)``: several labels on
  the same line count once (a line scanner cannot tell them apart).
* Labels flagged ``"identifier_only": true`` (noseyparker: an identifier such as an
  AWS key id or ARN, not a secret) are excluded: positive ones count neither in
  recall nor as unlabelled hits; negative ones stay ordinary negatives.
* A positive unit with a line is a true positive (TP) when some finding in that
  file has ``start <= line <= end``; with a null line, when the file has any finding.
* A negative unit (``positive: false``) is a false positive (FP) under the same rule.
  A line labelled both positive and negative can be TP and FP at once.
* Findings covering no labelled line of their file (and in a file without a
  sample-level label) are counted as "unlabelled": printed, not used in precision.
* recall = TP / positives; precision = TP / (TP + FP); F1 = harmonic mean;
  fp-rate = FP / negatives (share of negative examples that were flagged).
* ``ALL`` rows sum the counts over corpora (micro-average).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from collections import Counter
from collections import defaultdict
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from runners import RunResult
from runners import run_tool
from runners import warm_up
from tools import REPO
from tools import TOOL_NAMES
from tools import Tool
from tools import find_tools

DEFAULT_CORPORA = REPO.parent / "shared" / "corpora"
_EXT = re.compile(r"^\.[A-Za-z0-9_+-]{1,12}$")
_SAMPLE_DIR = re.compile(r"^(?:tp|fp|pos|neg)_\d+$")
_BASENAME = re.compile(r"^(?!\.{1,2}$)[A-Za-z0-9._+-]{1,64}$")


@dataclass(frozen=True)
class Unit:
    sample: int
    line: int | None
    positive: bool
    rule: str
    secret: str | None
    excluded: bool


@dataclass
class Corpus:
    name: str
    names: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    units: list[Unit] = field(default_factory=list)
    files: dict[str, int] = field(default_factory=dict)


@dataclass
class Score:
    corpus: str
    tool: str
    positives: int = 0
    tp: int = 0
    negatives: int = 0
    fp: int = 0
    unlabelled: int = 0
    excluded_hits: int = 0
    unmapped: int = 0
    findings: int = 0
    seconds: float = 0.0
    error: str | None = None

    @property
    def recall(self) -> float | None:
        return self.tp / self.positives if self.positives else None

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p is not None and r is not None and p + r else None

    @property
    def fp_rate(self) -> float | None:
        return self.fp / self.negatives if self.negatives else None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.update(recall=self.recall, precision=self.precision, f1=self.f1, fp_rate=self.fp_rate)
        return data


@dataclass(frozen=True)
class Outcome:
    corpus: str
    name: str
    unit: Unit
    hit: bool


def file_name(index: int, sample_name: str) -> str:
    """``s<index><ext>``; ``s<index>/<basename>`` when the source kept a real file name.

    Sample names like ``credsweeper/password_FALSE`` or ``rule/tp_003.txt`` would leak
    the label, so only the extension survives. Names like
    ``nuget-config-password/tp_000/Nuget.config`` (gitleaks) carry the original
    file name, which path-based rules need, under a per-sample directory.
    """
    parts = sample_name.split("/")
    base = parts[-1]
    if len(parts) >= 3 and _SAMPLE_DIR.match(parts[-2]) and _BASENAME.match(base):
        return f"s{index:05d}/{base}"
    ext = Path(base).suffix
    return f"s{index:05d}{ext if _EXT.match(ext) else ''}"


def load_corpus(path: Path) -> Corpus:
    corpus = Corpus(path.stem)
    with path.open(encoding="utf-8") as fh:
        for index, raw in enumerate(line for line in fh if line.strip()):
            sample = json.loads(raw)
            corpus.names.append(str(sample["name"]))
            corpus.texts.append(str(sample["text"]))
            corpus.files[file_name(index, str(sample["name"]))] = index
            seen: set[tuple[int | None, bool, bool]] = set()
            for label in sample.get("labels") or []:
                line = None if label.get("line") is None else int(label["line"])
                positive = bool(label["positive"])
                excluded = positive and bool(label.get("identifier_only"))
                if (line, positive, excluded) in seen:
                    continue
                seen.add((line, positive, excluded))
                corpus.units.append(Unit(index, line, positive, str(label.get("rule")), label.get("secret"), excluded))
    return corpus


def write_samples(corpus: Corpus, target: Path) -> None:
    for fname, index in corpus.files.items():
        (target / fname).parent.mkdir(exist_ok=True)
        (target / fname).write_bytes(corpus.texts[index].encode("utf-8", "replace"))


def score(corpus: Corpus, run: RunResult) -> tuple[Score, list[Outcome]]:
    result = Score(corpus.name, run.tool, seconds=run.seconds, error=run.error, findings=len(run.findings))
    spans: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for finding in run.findings:
        index = corpus.files.get(Path(finding.path).as_posix())
        if index is None:
            result.unmapped += 1
        else:
            spans[index].add((finding.start, finding.end))
    outcomes: list[Outcome] = []
    labelled_lines: dict[int, set[int | None]] = defaultdict(set)
    for unit in corpus.units:
        labelled_lines[unit.sample].add(unit.line)
        file_spans = spans.get(unit.sample, set())
        line = unit.line
        hit = bool(file_spans) if line is None else any(a <= line <= b for a, b in file_spans)
        if unit.excluded:
            result.excluded_hits += hit
            continue
        outcomes.append(Outcome(corpus.name, corpus.names[unit.sample], unit, hit))
        if unit.positive:
            result.positives += 1
            result.tp += hit
        else:
            result.negatives += 1
            result.fp += hit
    for index, file_spans in spans.items():
        lines = labelled_lines.get(index, set())
        if None in lines:
            continue
        for start, end in file_spans:
            if not any(line is not None and start <= line <= end for line in lines):
                result.unlabelled += 1
    return result, outcomes


def total(tool: str, scores: list[Score]) -> Score:
    out = Score("ALL", tool)
    for s in scores:
        for attr in ("positives", "tp", "negatives", "fp", "unlabelled", "excluded_hits", "unmapped", "findings", "seconds"):
            setattr(out, attr, getattr(out, attr) + getattr(s, attr))
        out.error = out.error or s.error
    return out


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def table(scores: list[Score], markdown: bool) -> str:
    head = [
        "corpus",
        "tool",
        "positives",
        "TP",
        "recall",
        "negatives",
        "FP",
        "fp-rate",
        "precision",
        "F1",
        "unlabelled",
        "wall s",
    ]
    rows = []
    for s in scores:
        if s.error:
            rows.append([s.corpus, s.tool, "ERROR: " + s.error[:60]] + [""] * 9)
            continue
        rows.append(
            [
                s.corpus,
                s.tool,
                str(s.positives),
                str(s.tp),
                _pct(s.recall),
                str(s.negatives),
                str(s.fp),
                _pct(s.fp_rate),
                _pct(s.precision),
                _pct(s.f1),
                str(s.unlabelled),
                f"{s.seconds:.2f}",
            ]
        )
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" if i < 2 else "---:" for i in range(len(head))) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def fmt(row: list[str]) -> str:
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    return "\n".join([fmt(head), "  ".join("-" * w for w in widths)] + [fmt(r) for r in rows])


def redact(secret: str | None) -> str:
    return "-" if not secret else secret[:4] + "…"


def print_by_rule(tool: str, outcomes: list[Outcome], limit: int = 40) -> None:
    for positive, label in ((True, "misses"), (False, "false positives")):
        counts: Counter[tuple[str, str]] = Counter()
        totals: Counter[tuple[str, str]] = Counter()
        for o in outcomes:
            if o.unit.positive is positive:
                totals[(o.corpus, o.unit.rule)] += 1
                counts[(o.corpus, o.unit.rule)] += o.hit != positive
        print(f"\n{tool}: {label} by corpus label rule (top {limit})")
        for (corpus, rule), n in counts.most_common(limit):
            if n:
                print(f"  {n:5d}/{totals[(corpus, rule)]:<5d} {corpus:15} {rule}")


def print_misses(tool: str, outcomes: list[Outcome], n: int) -> None:
    per_corpus: Counter[str] = Counter()
    print(f"\n{tool}: missed positives (up to {n} per corpus)")
    for o in outcomes:
        if o.unit.positive and not o.hit and per_corpus[o.corpus] < n:
            per_corpus[o.corpus] += 1
            line = "file" if o.unit.line is None else f"line {o.unit.line}"
            print(f"  {o.corpus:15} {o.name} {line} [{o.unit.rule}] {redact(o.unit.secret)}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--corpora", type=Path, default=DEFAULT_CORPORA, help=f"directory of *.jsonl corpora (default {DEFAULT_CORPORA})"
    )
    ap.add_argument("--tools", default=",".join(TOOL_NAMES), help="comma-separated tools (default: %(default)s)")
    ap.add_argument("--only", default="", help="comma-separated corpus names (file stems)")
    ap.add_argument("--json", type=Path, help="write the numbers as JSON to this file")
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    ap.add_argument("--by-rule", metavar="TOOL", help="print TOOL's misses and false positives grouped by label rule")
    ap.add_argument(
        "--show-misses", type=int, default=0, metavar="N", help="print N missed samples per corpus (for --by-rule TOOL, else all)"
    )
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per tool run")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    paths = sorted(args.corpora.glob("*.jsonl")) if args.corpora.is_dir() else []
    only = {c for c in args.only.split(",") if c}
    paths = [p for p in paths if not only or p.stem in only]
    if not paths:
        print(
            f"error: no corpora (*.jsonl) found in {args.corpora}; pass --corpora DIR pointing at the shared corpora",
            file=sys.stderr,
        )
        return 2
    names = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = [t for t in names if t not in TOOL_NAMES]
    if unknown:
        print(f"error: unknown tool(s) {unknown}; known: {', '.join(TOOL_NAMES)}", file=sys.stderr)
        return 2
    tools: dict[str, Tool] = find_tools(names)
    if not tools:
        print("error: none of the requested tools is installed", file=sys.stderr)
        return 2
    for tool in tools.values():
        print(f"# {tool.name} {tool.version} ({tool.exe})", file=sys.stderr)
        warm_up(tool)
    scores: list[Score] = []
    outcomes: dict[str, list[Outcome]] = defaultdict(list)
    for path in paths:
        corpus = load_corpus(path)
        with tempfile.TemporaryDirectory(prefix=f"bench-{corpus.name}-") as tmp:
            target = Path(tmp) / "samples"
            target.mkdir()
            write_samples(corpus, target)
            for tool in tools.values():
                print(f"# scanning {corpus.name} ({len(corpus.names)} files) with {tool.name}", file=sys.stderr)
                run = run_tool(tool, target, args.timeout)
                result, tool_outcomes = score(corpus, run)
                if run.error:
                    print(f"warning: {tool.name} on {corpus.name}: {run.error}", file=sys.stderr)
                if result.unmapped:
                    print(f"warning: {tool.name} reported {result.unmapped} findings in unknown files", file=sys.stderr)
                scores.append(result)
                outcomes[tool.name].extend(tool_outcomes)
    scores += [total(name, [s for s in scores if s.tool == name]) for name in tools]
    print(table(scores, args.markdown))
    focus = [args.by_rule] if args.by_rule else list(tools)
    if args.by_rule:
        if args.by_rule in tools:
            print_by_rule(args.by_rule, outcomes[args.by_rule])
        else:
            print(f"notice: --by-rule {args.by_rule}: tool not run", file=sys.stderr)
    if args.show_misses > 0:
        for name in focus:
            if name in tools:
                print_misses(name, outcomes[name], args.show_misses)
    if args.json:
        payload = {
            "corpora": str(args.corpora),
            "tools": {t.name: {"version": t.version, "exe": t.exe} for t in tools.values()},
            "scoring": "labelled lines; see bench/accuracy.py docstring",
            "results": [s.as_json() for s in scores],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
