"""Recall and false positives of the secret scanner on the labeled corpus, next to detect-secrets.

    .venv/bin/python bench/quality.py [--json] [--details] [--corpus tests/corpus]

Every file under the corpus root is scanned by our SecretScanner and by
`detect-secrets scan --all-files`. A reported (path, line) counts once; it is a true positive
when labels.json lists it as a planted secret and a false positive otherwise. Recall is
found secrets / planted secrets; the false-positive rate is false findings / all findings;
the look-alike rate is false findings on labeled look-alike lines / look-alike lines.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from si_paas.detect.rulepack import load_secret_rules  # noqa: E402
from si_paas.detect.scanner import SecretScanner  # noqa: E402

Line = tuple[str, int]


@dataclass
class Score:
    """One tool's figures on the corpus."""

    tool: str
    planted: int
    lookalike_lines: int
    findings: int
    found: int
    recall: float
    false_positives: int
    fp_rate: float
    fp_on_lookalikes: int
    lookalike_fp_rate: float
    seconds: float
    missed: list[str] = field(default_factory=list)
    false: list[str] = field(default_factory=list)


def load_labels(corpus: Path) -> tuple[Path, set[Line], set[Line]]:
    """The scanned root, the planted secret lines and the look-alike lines."""
    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    secrets = {(s["path"], int(s["line"])) for s in labels["secrets"]}
    lookalikes = {(s["path"], int(s["line"])) for s in labels.get("lookalikes", [])}
    return corpus / labels.get("root", "."), secrets, lookalikes


def corpus_files(root: Path) -> list[Path]:
    """Every regular file under `root`, sorted."""
    return sorted(p for p in root.rglob("*") if p.is_file())


def scan_ours(root: Path) -> set[Line]:
    """(path, line) of every finding of our scanner."""
    scanner = SecretScanner(load_secret_rules())
    found: set[Line] = set()
    for path in corpus_files(root):
        rel = path.relative_to(root).as_posix()
        for finding in scanner.scan_bytes(rel, path.read_bytes()):
            found.add((rel, finding.line or 0))
    return found


def detect_secrets_binary() -> str | None:
    """detect-secrets next to this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / "detect-secrets"
    return str(beside) if beside.exists() else shutil.which("detect-secrets")


def scan_detect_secrets(root: Path, binary: str) -> set[Line]:
    """(path, line) of every detect-secrets result."""
    proc = subprocess.run(
        [binary, "scan", "--all-files", "."], cwd=root, capture_output=True, text=True, check=True
    )
    results: dict[str, list[dict[str, Any]]] = json.loads(proc.stdout)["results"]
    return {
        (Path(name).as_posix(), int(hit["line_number"])) for name, hits in results.items() for hit in hits
    }


def score(tool: str, found: set[Line], secrets: set[Line], lookalikes: set[Line], seconds: float) -> Score:
    """Compare reported lines with the labels."""
    true = found & secrets
    false = found - secrets
    return Score(
        tool=tool,
        planted=len(secrets),
        lookalike_lines=len(lookalikes),
        findings=len(found),
        found=len(true),
        recall=len(true) / len(secrets) if secrets else 1.0,
        false_positives=len(false),
        fp_rate=len(false) / len(found) if found else 0.0,
        fp_on_lookalikes=len(false & lookalikes),
        lookalike_fp_rate=len(false & lookalikes) / len(lookalikes) if lookalikes else 0.0,
        seconds=round(seconds, 3),
        missed=[f"{p}:{n}" for p, n in sorted(secrets - found)],
        false=[f"{p}:{n}" for p, n in sorted(false)],
    )


def markdown(scores: list[Score], details: bool) -> str:
    """A Markdown table (and, with details, the missed and false lines)."""
    out = [
        "| tool | recall | found / planted | findings | false positives | FP rate "
        "| FP per look-alike line | seconds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in scores:
        out.append(
            f"| {s.tool} | {s.recall:.3f} | {s.found} / {s.planted} | {s.findings} "
            f"| {s.false_positives} | {s.fp_rate:.1%} "
            f"| {s.lookalike_fp_rate:.1%} ({s.fp_on_lookalikes} / {s.lookalike_lines}) "
            f"| {s.seconds:.2f} |"
        )
    if details:
        for s in scores:
            out.append(f"\n{s.tool}: missed {len(s.missed)}, false {len(s.false)}")
            out.extend(f"  missed {m}" for m in s.missed)
            out.extend(f"  false  {f}" for f in s.false)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests" / "corpus")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--details", action="store_true", help="list missed and false lines")
    args = parser.parse_args(argv)

    root, secrets, lookalikes = load_labels(args.corpus)
    scores = []
    start = time.perf_counter()
    ours = scan_ours(root)
    scores.append(score("si-paas", ours, secrets, lookalikes, time.perf_counter() - start))
    binary = detect_secrets_binary()
    if binary is None:
        print("detect-secrets not found; skipping it", file=sys.stderr)
    else:
        start = time.perf_counter()
        theirs = scan_detect_secrets(root, binary)
        scores.append(score("detect-secrets", theirs, secrets, lookalikes, time.perf_counter() - start))
    if args.json:
        docs = [asdict(s) for s in scores]
        if not args.details:
            for doc in docs:
                del doc["missed"], doc["false"]
        print(json.dumps({"corpus": str(args.corpus), "tools": docs}, indent=2))
    else:
        print(markdown(scores, args.details))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
