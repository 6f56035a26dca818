"""Pre-commit latency for a one-file staged change, in repositories of 1,000 and 50,000 files.

    .venv/bin/python bench/hook_latency.py [--quick] [--repeats N]

In each repository (generated, one commit, under /tmp/si-paas-bench) one tracked file is
changed and staged; then, on that same staged change:

* `si paas scan --staged`: what `.pre-commit-hooks.yaml` runs;
* `.git/hooks/pre-commit`: the hook written by `si paas hook install` (a sh wrapper that
  execs `python -m si_paas paas scan --staged`);
* the same scan through the full click CLI (`SI_PAAS_FULL_CLI=1`), and with the checked
  packs rebuilt on every run (`SI_PAAS_NO_CACHE=1`, as on the first run after an install);
* `detect-secrets-hook FILE`: what detect-secrets' pre-commit hook runs (the pre-commit
  framework passes the staged file names);
* two floors: `python -c pass`, and Python importing just the standard-library modules the
  staged scan imports;
* with `--peers`: `gitleaks git --staged`, `betterleaks git --staged` and
  `kingfisher scan --staged` on the same change (bench/peers.py: a venv of their own).

All commands run in rounds (one run of each, then again), 15 rounds after a warm-up round
(3 in quick mode, where the larger repository has 3,000 files), with bytecode compiled
as after `pip install`. Then one run of the si command under cProfile shows where its time
goes. Targets: si within 30% between the small and the large repository, and at least 5x
faster than detect-secrets-hook.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import profiling
import trees
from benchlib import (
    DETECT_SECRETS_HOOK,
    PYTHON,
    SI,
    WORK_DIR,
    Measurement,
    compile_bytecode,
    git,
    import_breakdown,
    import_line,
    load_average,
    machine,
    machine_line,
    measure_interleaved,
    mib,
    ratio,
    run,
    secs,
    si_env,
    table,
    write_json,
)

CHANGE = "\n# The {word} handler retries twice before it gives up.\nRETRY_{n} = 2\n"


def stage_change(repo: Path, planted: set[str]) -> str:
    """Change one tracked .py file without a planted secret and stage it; its path."""
    tracked = [
        p for p in git(repo, "ls-files", "-z").decode().split("\0") if p.endswith(".py") and p not in planted
    ]
    path = tracked[len(tracked) // 2]
    with (repo / path).open("a", encoding="utf-8") as fh:
        fh.write(CHANGE.format(word="billing", n=len(tracked)))
    git(repo, "add", "--", path)
    staged = git(repo, "diff", "--cached", "--name-only").decode().split()
    assert staged == [path], staged
    return path


def stdlib_floor(env: dict[str, str], cwd: Path) -> list[str]:
    """`python -c ...` importing the standard-library modules `si paas scan --staged` imports."""
    done = run([PYTHON, "-X", "importtime", SI, "paas", "scan", "--staged"], cwd=cwd, env=env)
    names = []
    for line in done.stderr.decode(errors="replace").splitlines():
        if line.startswith("import time:") and "self [us]" not in line:
            name = line.rsplit("|", 1)[1].strip()
            if name.split(".")[0] in sys.stdlib_module_names and name not in names:
                names.append(name)
    # Some are tried and missing on this platform (nt, _winapi), as in the scan itself.
    code = f"for m in {names!r}:\n    try:\n        __import__(m)\n    except ImportError:\n        pass"
    return [PYTHON, "-c", code]


def bench_repo(
    files: int, repeats: int, env: dict[str, str], warmup: bool, with_peers: bool = False
) -> dict[str, Any]:
    tree = trees.git_repo(files, seed=777, secrets=max(3, files // 2000), name=f"hook-{files}")
    repo = tree.root
    path = stage_change(repo, {p["path"] for p in tree.planted})
    run([SI, "paas", "hook", "install", "--repo", str(repo)], env=env)
    print(f"[{files} files] staged {path}", file=sys.stderr)
    scan = [SI, "paas", "scan", "--staged"]
    run(scan, cwd=repo, env=env)  # fills the cache of checked packs, as any first run does
    cmds: list[tuple[str, list[str], dict[str, str], tuple[int, ...]]] = [
        ("si paas scan --staged", scan, env, (0,)),
        (".git/hooks/pre-commit (si paas hook install)", [str(repo / ".git/hooks/pre-commit")], env, (0,)),
        (
            "si paas scan --staged, full CLI (SI_PAAS_FULL_CLI=1)",
            scan,
            {**env, "SI_PAAS_FULL_CLI": "1"},
            (0,),
        ),
        (
            "si paas scan --staged, packs checked every run (SI_PAAS_NO_CACHE=1)",
            scan,
            {**env, "SI_PAAS_NO_CACHE": "1"},
            (0,),
        ),
        ("detect-secrets-hook FILE", [DETECT_SECRETS_HOOK, path], env, (0,)),
        ("floor: python -c pass", [PYTHON, "-c", "pass"], env, (0,)),
        ("floor: python importing the same stdlib modules", stdlib_floor(env, repo), env, (0,)),
    ]
    if with_peers:
        import peers

        cmds += [
            (name, cmd, env, peers.OK)
            for name, cmd in peers.commands("staged", repo, WORK_DIR / "peer-reports")
        ]
    rows = measure_interleaved(cmds, repeats=repeats, cwd=repo, warmup=warmup)
    prof = profiling.profile(
        ["paas", "scan", "--staged"], cwd=repo, env=env, out=WORK_DIR / f"hook-{files}.prof"
    )
    imports = import_breakdown([SI, "paas", "scan", "--staged"], env=env, cwd=repo, runs=5)
    git(repo, "reset", "-q", "--hard", "HEAD")
    return {
        "files": tree.files,
        "bytes": tree.bytes,
        "staged": path,
        "measurements": rows,
        "profile": prof,
        "imports": imports,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 and 3,000 files, 3 runs")
    parser.add_argument("--repeats", type=int, default=None, help="rounds (default 15)")
    parser.add_argument(
        "--peers", action="store_true", help="also gitleaks, betterleaks and kingfisher on the staged change"
    )
    args = parser.parse_args(argv)
    if args.peers:
        import peers

        peers.ensure()
    repeats = args.repeats or (3 if args.quick else 15)
    sizes = (1000, 3000) if args.quick else (1000, 50_000)

    info = machine()
    env = si_env(WORK_DIR / "state-hook")
    compile_bytecode()
    small, large = (bench_repo(n, repeats, env, warmup=not args.quick, with_peers=args.peers) for n in sizes)
    rows = []
    for res in (small, large):
        for m in res["measurements"]:
            rows.append(
                [
                    f"{res['files']}",
                    m.name,
                    m.runs,
                    secs(m.median),
                    f"{secs(min(m.seconds))}–{secs(max(m.seconds))}",
                    secs(m.cpu_median),
                    mib(m.max_rss_kib),
                ]
            )

    def pick(res: dict[str, Any], prefix: str) -> Measurement:
        return next(m for m in res["measurements"] if m.name.startswith(prefix))

    si_s, si_l = pick(small, "si paas scan --staged"), pick(large, "si paas scan --staged")
    hk_s, hk_l = pick(small, ".git/hooks"), pick(large, ".git/hooks")
    ds_s, ds_l = pick(small, "detect-secrets-hook"), pick(large, "detect-secrets-hook")
    full_s = pick(small, "si paas scan --staged, full CLI")
    cold_s = pick(small, "si paas scan --staged, packs checked")
    floor_s = pick(small, "floor: python importing")
    figures = {
        "si_large_over_small": round(si_l.median / si_s.median, 3),
        "hook_large_over_small": round(hk_l.median / hk_s.median, 3),
        "si_cpu_large_over_small": round(si_l.cpu_median / si_s.cpu_median, 3),
        "detect_secrets_hook_over_si_small": round(ds_s.median / si_s.median, 2),
        "detect_secrets_hook_over_si_large": round(ds_l.median / si_l.median, 2),
        "full_cli_over_si_small": round(full_s.median / si_s.median, 2),
        "no_cache_over_si_small": round(cold_s.median / si_s.median, 2),
        "detect_secrets_hook_over_stdlib_floor_small": round(ds_s.median / floor_s.median, 2),
    }
    out = [
        f"Machine: {machine_line(info)}; load average {info['load_average_at_start']} at "
        f"start, {load_average()} at the end",
        "",
    ]
    out.append(
        table(
            ["repo files", "command", "runs", "median wall", "min–max", "median CPU", "peak RSS"],
            rows,
            align="rlrrrrr",
        )
    )
    out += [
        "",
        table(
            ["figure", "value", "target"],
            [
                [
                    f"si scan --staged, {large['files']} / {small['files']} files",
                    ratio(si_l.median, si_s.median),
                    "≤ 1.30x",
                ],
                [
                    f"installed hook, {large['files']} / {small['files']} files",
                    ratio(hk_l.median, hk_s.median),
                    "≤ 1.30x",
                ],
                [
                    f"si CPU, {large['files']} / {small['files']} files",
                    ratio(si_l.cpu_median, si_s.cpu_median),
                    "",
                ],
                [
                    f"detect-secrets-hook / si scan --staged ({small['files']} files)",
                    ratio(ds_s.median, si_s.median),
                    "≥ 5x",
                ],
                [
                    f"detect-secrets-hook / si scan --staged ({large['files']} files)",
                    ratio(ds_l.median, si_l.median),
                    "≥ 5x",
                ],
                ["full CLI / quick path", ratio(full_s.median, si_s.median), ""],
                ["packs checked every run / cached", ratio(cold_s.median, si_s.median), ""],
                [
                    "detect-secrets-hook / stdlib floor (best any Python hook could do)",
                    ratio(ds_s.median, floor_s.median),
                    "",
                ],
            ]
            + [
                [
                    f"{m.name} / si scan --staged ({res['files']} files)",
                    ratio(m.median, pick(res, "si paas scan --staged").median),
                    "≥ 1x" if m.name.startswith("betterleaks") else "",
                ]
                for res in (small, large)
                for m in res["measurements"]
                if m.name.split()[0] in ("gitleaks", "betterleaks", "kingfisher")
            ],
            align="lrr",
        ),
    ]
    out += ["", "### where the time goes: `si paas scan --staged` under cProfile, one run per repository", ""]
    out += profiling.compare_markdown(
        [(f"{small['files']} files", small["profile"]), (f"{large['files']} files", large["profile"])]
    )
    out += [
        "",
        import_line(f"`si paas scan --staged` ({small['files']} files)", small["imports"]),
        "",
        import_line("`python -c pass`", import_breakdown(["-c", "pass"], env=env, cwd=WORK_DIR)),
    ]
    out += [""] + profiling.markdown(large["profile"], f"`si paas scan --staged`, {large['files']} files")
    print("\n".join(out))
    path = write_json(
        "hook_latency",
        args.quick,
        {
            "machine": info,
            "quick": args.quick,
            "figures": figures,
            "repos": [
                {
                    **{k: v for k, v in r.items() if k != "measurements"},
                    "measurements": [m.to_dict() for m in r["measurements"]],
                }
                for r in (small, large)
            ],
        },
    )
    print(f"\nwrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
