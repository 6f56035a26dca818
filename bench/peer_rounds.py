"""si-paas beside gitleaks, betterleaks and kingfisher in interleaved rounds (shared helper).

Each round runs every command once, in turn, so a slow spell of a busy machine falls on
all of them alike; the table gives the median of the rounds, the CPU median, the peak RSS
and each median's ratio to si's.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import peers
from benchlib import WORK_DIR, Measurement, load_average, mib, ratio, run, secs, table

Command = tuple[str, Sequence[str], Mapping[str, str], Sequence[int]]


def rounds(
    commands: Sequence[Command], *, repeats: int, cwd: Path, once: Sequence[str] = ()
) -> list[Measurement]:
    """`repeats` interleaved rounds after one warm-up round; names in `once` run once."""
    found = [Measurement(name, " ".join(cmd)) for name, cmd, _, _ in commands]
    for name, cmd, env, ok in commands:
        if name not in once:
            run(cmd, cwd=cwd, env=env, ok=ok)
    for index in range(repeats):
        for m, (name, cmd, env, ok) in zip(found, commands, strict=True):
            if name in once and index:
                continue
            last = run(cmd, cwd=cwd, env=env, ok=ok)
            m.seconds.append(last.seconds)
            m.cpu_seconds.append(last.cpu_seconds)
            m.max_rss_kib = max(m.max_rss_kib, last.max_rss_kib)
            m.returncode = last.returncode
        print(f"  round {index + 1}/{repeats} done, load {load_average()}", file=sys.stderr)
    return found


def markdown(rows: Sequence[Measurement], base: Measurement) -> str:
    """The table of one set of rounds, ratios against `base` (si)."""
    body = []
    for m in rows:
        spread = f"{secs(min(m.seconds))}–{secs(max(m.seconds))}" if m.runs > 1 else "1 run"
        body.append(
            [
                m.name,
                m.runs,
                secs(m.median),
                spread,
                ratio(m.median, base.median),
                secs(m.cpu_median),
                ratio(m.cpu_median, base.cpu_median),
                mib(m.max_rss_kib),
            ]
        )
    return table(
        ["tool", "runs", "median wall", "min–max", "wall / si", "median CPU", "CPU / si", "peak RSS"], body
    )


def scaled_tree(source: Path, percent: int) -> Path:
    """`percent` of the bytes of `source` as hard links (200: the tree twice), cached."""
    dest = WORK_DIR / f"{source.name}-{percent}pct"
    stamp = dest.with_suffix(".done")
    if dest.is_dir() and stamp.exists():
        return dest
    shutil.rmtree(dest, ignore_errors=True)
    files = sorted(p for p in source.rglob("*") if p.is_file())
    total = sum(p.stat().st_size for p in files)
    copies, want = (2, total * 2) if percent > 100 else (1, total * percent // 100)
    taken = 0
    for copy in range(copies):
        for src in files:
            if taken >= want:
                break
            dst = dest / f"copy{copy}" / src.relative_to(source)
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.link(src, dst)
            taken += src.stat().st_size
    stamp.write_text(str(taken))
    return dest


def summary(label: str, rows: Sequence[Measurement]) -> dict[str, Any]:
    """JSON-ready figures of one set of rounds."""
    base = rows[0]
    return {
        "label": label,
        "measurements": [m.to_dict() for m in rows],
        "wall_over_si": {m.name: round(m.median / base.median, 3) for m in rows},
        "cpu_over_si": {m.name: round(m.cpu_median / max(base.cpu_median, 1e-9), 3) for m in rows},
    }


__all__ = ["peers", "rounds", "markdown", "scaled_tree", "summary"]
