"""One cProfile run of an `si` command, summed up: phases, top functions, time per module."""

from __future__ import annotations

import importlib
import pstats
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchlib import PYTHON, run, secs, table

# (label, module, qualified name): the cumulative time of that function is one phase.
PHASES: tuple[tuple[str, str, str], ...] = (
    ("imports (all `import` statements)", "importlib._bootstrap", "_find_and_load"),
    ("checked packs, every file (textfile.checked_yaml)", "si_paas.textfile", "checked_yaml"),
    ("  reused from the disk cache (diskcache.get)", "si_paas.diskcache", "get"),
    ("  code stamp of the cache key (diskcache.code_stamp)", "si_paas.diskcache", "code_stamp"),
    ("policy files: load and validate", "si_paas.engine.policy", "load_policies"),
    ("secret rule pack: load and compile", "si_paas.detect.rulepack", "load_secret_rules"),
    ("  YAML parsing (yaml.load)", "yaml", "load"),
    ("  YAML node trees for line numbers (yaml.compose)", "yaml", "compose"),
    ("  rule pack schema check (packfile.validate)", "si_paas.detect.packfile", "validate"),
    ("  regex compilation, every caller (re._compile)", "re", "_compile"),
    ("secret scanner: build keyword automaton", "si_paas.detect.scanner", "SecretScanner.__init__"),
    ("work tree listing (git ls-files / walk)", "si_paas.snapshot.worktree", "WorktreeSnapshot.files"),
    ("staged blobs listing (git diff --cached)", "si_paas.snapshot.gitobjects", "IndexSnapshot.files"),
    ("history listing (git rev-list, commit log)", "si_paas.snapshot.gitobjects", "HistorySnapshot.files"),
    ("check: no-repo-private-state", "si_paas.engine.checks.private_state", "no_private_state"),
    (
        "  private-state patterns: cached load, per file",
        "si_paas.detect.private_state",
        "load_private_state_patterns",
    ),
    ("check: no-plaintext-secrets", "si_paas.engine.checks.secrets", "no_plaintext_secrets"),
    ("  reading files", "si_paas.snapshot.worktree", "WorktreeSnapshot.read"),
    ("  reading blobs (git cat-file --batch)", "si_paas.snapshot.gitobjects", "_BlobSource.read"),
    ("  binary sniffing", "si_paas.detect.scanner", "is_binary"),
    (
        "  scanning contents (scan_bytes: decode + scan_text)",
        "si_paas.detect.scanner",
        "SecretScanner.scan_bytes",
    ),
    ("  scanning contents (scan_text)", "si_paas.detect.scanner", "SecretScanner.scan_text"),
    ("    keyword pass (_keyword_lines)", "si_paas.detect.scanner", "SecretScanner._keyword_lines"),
    ("    rule path filters (SecretRule.applies_to)", "si_paas.detect.rulepack", "SecretRule.applies_to"),
    ("    rule regexes near keyword hits (_collect)", "si_paas.detect.scanner", "SecretScanner._collect"),
    ("    findings and excerpts (_findings)", "si_paas.detect.scanner", "SecretScanner._findings"),
    ("all checks (evaluate)", "si_paas.engine.evaluate", "evaluate"),
    ("rendering JSON (emit_json)", "si_paas.cli.output", "emit_json"),
)
# Entries that only pass control down (interpreter, runpy, click, the CLI wrappers).
_WRAPPERS = ("<string>", "<frozen runpy>", "click.", "si_paas.__main__", "si_paas.cli.")


def _code_of(module: str, qualname: str) -> tuple[str, int, str]:
    """(file, first line, name) of a function as cProfile keys it."""
    if module == "importlib._bootstrap":
        return "<frozen importlib._bootstrap>", -1, qualname
    obj: Any = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part) if not isinstance(obj, type) else obj.__dict__[part]
    obj = getattr(obj, "func", None) or getattr(obj, "fget", None) or obj
    code = obj.__code__
    return code.co_filename, code.co_firstlineno, code.co_name


def _where(path: str) -> str:
    """A short module name for a profile entry's file."""
    if path.startswith("~"):
        return "(built-in)"
    if path.startswith("<"):
        return path
    p = path.replace("\\", "/")
    for marker in ("/site-packages/", "/lib/python3.11/"):
        if marker in p:
            rest = p.split(marker, 1)[1]
            return rest.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
    if "/si_paas/" in p:
        return "si_paas." + p.split("/si_paas/", 1)[1].removesuffix(".py").replace("/", ".")
    return p


def profile(
    si_args: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str],
    out: Path,
    phases: Sequence[tuple[str, str, str]] = PHASES,
) -> dict[str, Any]:
    """`python -m cProfile -o OUT -m si_paas ARGS...` once: phases, top functions, modules.

    SI_PAAS_WORKERS=1 keeps every file in the profiled process (cProfile does not follow
    forked workers), so the phases add up to the whole scan.
    """
    started = run(
        [PYTHON, "-m", "cProfile", "-o", str(out), "-m", "si_paas", *si_args],
        cwd=cwd,
        env={**env, "SI_PAAS_WORKERS": "1"},
        ok=(0, 1),
    )
    st = pstats.Stats(str(out))
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = st.stats  # type: ignore[attr-defined]
    total = float(st.total_tt)  # type: ignore[attr-defined]
    inner = [
        kv
        for kv in raw.items()
        if not _where(kv[0][0]).startswith(_WRAPPERS)
        and kv[0][2] not in ("<built-in method builtins.exec>", "<module>")
    ]
    top = sorted(inner, key=lambda kv: kv[1][3], reverse=True)[:15]
    top_rows = [
        {
            "function": f"{_where(f)}:{line}({fn})",
            "calls": nc,
            "tottime": round(tt, 3),
            "cumtime": round(ct, 3),
        }
        for (f, line, fn), (_cc, nc, tt, ct, _callers) in top
    ]
    by_module: dict[str, float] = {}
    for (f, _line, fn), (_cc, _nc, tt, _ct, _callers) in raw.items():
        key = _where(f)
        if key == "(built-in)":
            key = f"(built-in) {fn}"
        by_module[key] = by_module.get(key, 0.0) + tt
    modules = [
        {"module": k, "tottime": round(v, 3), "share": round(v / total, 3)}
        for k, v in sorted(by_module.items(), key=lambda kv: kv[1], reverse=True)[:15]
    ]
    rows = []
    for label, module, qualname in phases:
        try:
            file, first, name = _code_of(module, qualname)
        except (ImportError, AttributeError, KeyError):
            continue  # the function is gone from this version of the package
        hits = [
            v for (f, line, fn), v in raw.items() if fn == name and f == file and (first < 0 or line == first)
        ]
        ct = sum(v[3] for v in hits)
        rows.append(
            {
                "phase": label,
                "function": f"{module}.{qualname}",
                "calls": sum(v[1] for v in hits),
                "cumtime": round(ct, 3),
                "share": round(ct / total, 3) if total else 0.0,
            }
        )
    return {
        "profile_file": str(out),
        "wall_seconds": started.seconds,
        "total": total,
        "top": top_rows,
        "modules": modules,
        "phases": rows,
    }


def markdown(prof: dict[str, Any], what: str) -> list[str]:
    """The phase table, the top 15 functions and the top 15 modules, as Markdown lines."""
    out = [
        f"### where the time goes: {what} (one cProfile run with SI_PAAS_WORKERS=1: "
        f"{prof['total']:.2f} s profiled, {secs(prof['wall_seconds'])} wall)",
        "",
    ]
    shown = [p for p in prof["phases"] if p["calls"]]
    out.append(
        table(
            ["phase", "calls", "cumulative", "share"],
            [
                [
                    p["phase"].replace("  ", "&nbsp;&nbsp;"),
                    p["calls"],
                    f"{p['cumtime']:.3f} s",
                    f"{p['share']:.0%}",
                ]
                for p in shown
            ],
        )
    )
    out += ["", "Top 15 functions by cumulative time (below the CLI wrappers):", ""]
    out.append(
        table(
            ["function", "calls", "own", "cumulative"],
            [
                [f"`{t['function']}`", t["calls"], f"{t['tottime']:.3f} s", f"{t['cumtime']:.3f} s"]
                for t in prof["top"]
            ],
        )
    )
    out += ["", "Own time per module (top 15):", ""]
    out.append(
        table(
            ["module", "own time", "share"],
            [[f"`{m['module']}`", f"{m['tottime']:.3f} s", f"{m['share']:.0%}"] for m in prof["modules"]],
        )
    )
    return out


def compare_markdown(profiles: Sequence[tuple[str, dict[str, Any]]]) -> list[str]:
    """The phases of several profiles side by side (cumulative seconds), as Markdown lines."""
    labels = [label for label, _ in profiles]
    rows = []
    for phase in profiles[0][1]["phases"]:
        cells = [
            next((p for p in prof["phases"] if p["phase"] == phase["phase"]), {"calls": 0, "cumtime": 0.0})
            for _, prof in profiles
        ]
        if not any(c["calls"] for c in cells):
            continue
        rows.append(
            [
                phase["phase"].replace("  ", "&nbsp;&nbsp;"),
                *(f"{c['cumtime']:.3f} s ({c['calls']})" for c in cells),
            ]
        )
    rows.append(["total profiled", *(f"{prof['total']:.3f} s" for _, prof in profiles)])
    return [table(["phase (calls)", *labels], rows)]
