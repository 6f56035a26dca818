"""`si paas doctor` on a 50,000-file repository, where its time goes, and CLI startup.

    .venv/bin/python bench/doctor_speed.py [--quick] [--repeats N] [--files N]

* doctor: `si paas doctor --json --repo TREE` with a state root of two contexts
  (internal-dogfood, oss-demo) under /tmp/si-paas-bench, on a git repository of 50,000
  generated files (512 B-4 KiB, one commit, added in batches) holding a few planted
  secrets. Run from /tmp/si-paas-bench, which is no repository, so TREE is the only one.
* profile: one run under `python -m cProfile`; the top 15 functions by cumulative time,
  the time spent inside each module, and the phases (imports, git listing, reading,
  scanning, policy and rule loading, rendering).
* startup: `si paas --help`, `python -m si_paas paas --help` and `python -c pass` (the
  floor), and the total of `python -X importtime` for both.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

import profiling
import trees
from benchlib import (
    PYTHON,
    SI,
    WORK_DIR,
    Measurement,
    findings_of,
    import_breakdown,
    import_line,
    load_average,
    machine,
    machine_line,
    measure,
    mib,
    ratio,
    run,
    secs,
    si_env,
    table,
    write_json,
)


def state_root(quick: bool) -> Path:
    """A state root with the two contexts doctor judges (created once)."""
    root = WORK_DIR / ("state-doctor-quick" if quick else "state-doctor")
    if not (root / "contexts" / "oss-demo").is_dir():
        shutil.rmtree(root, ignore_errors=True)
        env = si_env(root)
        for name in ("internal-dogfood", "oss-demo"):
            run([SI, "paas", "context", "init", "--name", name, "--type", name], env=env)
    return root


def startup(env: dict[str, str], repeats: int) -> dict[str, Any]:
    cmds = [
        ("python -c pass (floor)", [PYTHON, "-c", "pass"]),
        ("si paas --help", [SI, "paas", "--help"]),
        ("python -m si_paas paas --help", [PYTHON, "-m", "si_paas", "paas", "--help"]),
    ]
    rows: list[Measurement] = []
    for name, cmd in cmds:
        m, _ = measure(name, cmd, repeats=max(repeats, 5), cwd=WORK_DIR, env=env)
        rows.append(m)
    runs = max(repeats, 5)
    imports = {
        "floor": import_breakdown(["-c", "pass"], env=env, cwd=WORK_DIR, runs=runs),
        "si": import_breakdown(["-m", "si_paas", "paas", "--help"], env=env, cwd=WORK_DIR, runs=runs),
    }
    return {"measurements": rows, "imports": imports}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 2,000-file repository, 3 runs")
    parser.add_argument("--repeats", type=int, default=None, help="runs per command (default 5)")
    parser.add_argument("--files", type=int, default=None, help="files of the repository")
    args = parser.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 5)
    files = args.files or (2000 if args.quick else 50_000)

    info = machine()
    tree = trees.git_repo(files, seed=4242, secrets=12, name=f"repo-{files}")
    env = si_env(state_root(args.quick))
    print(f"repository: {tree.files} files, {tree.bytes / 1e6:.1f} MB at {tree.root}", file=sys.stderr)
    cmd = [SI, "paas", "doctor", "--json", "--repo", str(tree.root)]
    doctor, last = measure(
        "si paas doctor --json --repo TREE",
        cmd,
        repeats=repeats,
        cwd=WORK_DIR,
        env=env,
        ok=(0, 1),
        warmup=not args.quick,
    )
    findings = findings_of(last.stdout)
    one, _ = measure(
        "SI_PAAS_WORKERS=1 si paas doctor --json --repo TREE",
        cmd,
        repeats=repeats,
        cwd=WORK_DIR,
        env={**env, "SI_PAAS_WORKERS": "1"},
        ok=(0, 1),
        warmup=False,
    )
    prof = profiling.profile(
        ["paas", "doctor", "--json", "--repo", str(tree.root)],
        cwd=WORK_DIR,
        env=env,
        out=WORK_DIR / f"doctor-{files}.prof",
    )
    boot = startup(env, 3 if args.quick else repeats)

    out = [f"Machine: {machine_line(info)}; load average {info['load_average_at_start']} at start", ""]
    out += [
        f"### doctor on a git repository of {tree.files} files "
        f"({tree.bytes / 1e6:.1f} MB, {len(tree.planted)} planted secrets)",
        "",
    ]
    rows = []
    for m in (doctor, one):
        rows.append(
            [
                m.name.replace("si paas", "`si paas").replace("TREE", "TREE`"),
                m.runs,
                secs(m.median),
                f"{secs(min(m.seconds))}–{secs(max(m.seconds))}",
                secs(m.cpu_median),
                mib(m.max_rss_kib),
                f"{tree.files / m.median:.0f}",
                findings,
            ]
        )
    out.append(
        table(
            ["command", "runs", "median wall", "min–max", "median CPU", "peak RSS", "files/s", "findings"],
            rows,
        )
    )
    out += [""] + profiling.markdown(prof, "doctor")
    floor = boot["measurements"][0]
    out += ["", "### startup", ""]
    out.append(
        table(
            ["command", "runs", "median wall", "vs floor", "median CPU", "peak RSS"],
            [
                [
                    m.name,
                    m.runs,
                    secs(m.median),
                    ratio(m.median, floor.median),
                    secs(m.cpu_median),
                    mib(m.max_rss_kib),
                ]
                for m in boot["measurements"]
            ],
        )
    )
    imp = boot["imports"]
    out += [
        "",
        import_line("`python -c pass`", imp["floor"]),
        "",
        import_line("`python -m si_paas paas --help`", imp["si"]),
    ]
    out.append(f"\nLoad average at the end: {load_average()}.")
    print("\n".join(out))
    path = write_json(
        "doctor_speed",
        args.quick,
        {
            "machine": info,
            "quick": args.quick,
            "repo": {
                "root": str(tree.root),
                "files": tree.files,
                "bytes": tree.bytes,
                "planted": len(tree.planted),
            },
            "doctor": doctor.to_dict(),
            "doctor_one_worker": one.to_dict(),
            "findings": findings,
            "profile": prof,
            "startup": {
                "measurements": [m.to_dict() for m in boot["measurements"]],
                "imports": boot["imports"],
            },
        },
    )
    print(f"\nwrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
