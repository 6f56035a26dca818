"""`si paas scan --history --all` on repositories of thousands of commits, next to a grep floor.

    .venv/bin/python bench/history_scan.py [--quick] [--repeats N]

Two repositories under /tmp/si-paas-bench, written with `git fast-import`:

* synthetic: 3,000 commits, each rewriting 1-3 small generated files (300 B-2.5 KiB);
  about 4% of the rewrites plant a secret and a later commit often removes it again;
* replayed: a clone of this repository grown by 2,000 commits, each rewriting 1-3 of its
  real files (the committed text plus one changed line).

Commands, on the same repository:

* `si paas scan --history --all --json`: every (path, blob) introduced by any commit;
* `git log -p --all | rg -c -f patterns.txt`: the floor: patches of every commit piped
  through the rule regexes (Rust-regex form, see bench/scan_speed.py);
* `git log -p --all > /dev/null`: the cost of producing those patches alone.

Medians of 5 runs (3 when a run takes over 10 s; 3 in quick mode, with 300 and 200 commits).
Then one run of si under cProfile per repository shows where its time goes.

    .venv/bin/python bench/history_scan.py --peers [--rounds N]

compares si with gitleaks, betterleaks and kingfisher (bench/peers.py: a venv of their own)
on the same repositories plus a clone of this repository's own history, in interleaved
rounds (3 by default): si's first run (its judged-blob cache emptied before each), si's run
over the unchanged history (cache kept), and each peer over every commit of all refs.
"""

from __future__ import annotations

import argparse
import shlex
import subprocess
import sys
from typing import Any

import profiling
import trees
from benchlib import (
    RG,
    SI,
    WORK_DIR,
    Measurement,
    findings_of,
    load_average,
    machine,
    machine_line,
    measure,
    mib,
    ratio,
    rg_count_total,
    secs,
    si_env,
    table,
    write_json,
    write_patterns,
)


def bench_repo(
    label: str,
    tree: trees.Tree,
    stats: dict[str, int],
    repeats: int,
    env: dict[str, str],
    patterns: Any,
    warmup: bool,
) -> dict[str, Any]:
    repo = tree.root
    print(f"[{label}] {stats} at {repo}", file=sys.stderr)
    rg = " ".join(
        shlex.quote(a)
        for a in [
            RG,
            "--no-config",
            "--no-messages",
            "-c",
            "--regex-size-limit",
            "1G",
            "--dfa-size-limit",
            "1G",
            "-f",
            str(patterns.rust_file),
        ]
    )
    log = "git --no-pager log -p --all --no-color --no-ext-diff"
    cmds: list[tuple[str, list[str], str, tuple[int, ...]]] = [
        (
            "si paas scan --history --all --json",
            [SI, "paas", "scan", "--history", "--all", "--json", "."],
            "si",
            (0, 1),
        ),
        ("git log -p --all | rg -c -f patterns.txt", ["bash", "-c", f"{log} | {rg}"], "rg", (0, 1)),
        ("git log -p --all > /dev/null", ["bash", "-c", f"{log} > /dev/null"], "git", (0,)),
    ]
    rows: list[Measurement] = []
    counts: dict[str, int] = {}
    for name, cmd, key, ok in cmds:
        m, last = measure(name, cmd, repeats=repeats, cwd=repo, env=env, ok=ok, warmup=warmup, display=name)
        rows.append(m)
        if key == "si":
            counts["si_findings"] = findings_of(last.stdout)
        elif key == "rg":
            counts["rg_matching_lines"] = rg_count_total(last.stdout)
    # Not from inside the repository: `python -m si_paas` would import a clone's own copy.
    prof = profiling.profile(
        ["paas", "scan", "--history", "--all", "--json", str(repo)],
        cwd=WORK_DIR,
        env=env,
        out=WORK_DIR / f"{repo.name}.prof",
    )
    return {
        "label": label,
        "root": str(repo),
        "stats": stats,
        "pack_bytes": tree.bytes,
        "files_at_head": tree.files,
        "measurements": rows,
        "counts": counts,
        "profile": prof,
    }


def peers_main(args: argparse.Namespace) -> int:
    """si (first and repeated runs) beside the peers, on every repository."""
    import shutil

    from benchlib import ROOT, git
    from peer_rounds import markdown, peers, rounds, summary

    peers.ensure()
    info = machine()
    info["peers"] = {name: peers.version(name) for name in peers.BINARIES}
    cache = WORK_DIR / "history-cache"
    env = {**si_env(WORK_DIR / "state-history"), "SI_PAAS_CACHE_DIR": str(cache)}
    synth, synth_stats = trees.history_repo(3000, seed=99, name="history-3000")
    replay, replay_stats = trees.replayed_repo(2000, seed=7, name="replay-2000")
    own = WORK_DIR / "own-history"
    shutil.rmtree(own, ignore_errors=True)
    subprocess.run(["git", "clone", "-q", "--mirror", str(ROOT), str(own / ".git")], check=True)
    git(own, "config", "--bool", "core.bare", "false")
    git(own, "checkout", "-q", "-f")
    own_commits = int(git(own, "rev-list", "--all", "--count").strip())
    repos = [
        ("this repository's own history", own, {"commits": own_commits}),
        ("replayed", replay.root, replay_stats),
        ("synthetic", synth.root, synth_stats),
    ]
    scan = [SI, "paas", "scan", "--history", "--all", "--json", "."]
    out = [
        f"Machine: {machine_line(info)}; peers: " + ", ".join(f"{k} {v}" for k, v in info["peers"].items()),
        "",
    ]
    results = []
    for label, repo, stats in repos:
        print(f"[{label}] {stats} at {repo}", file=sys.stderr)
        cold = [
            "bash",
            "-c",
            f"rm -rf {shlex.quote(str(cache / 'judged-v1'))} && " + " ".join(shlex.quote(a) for a in scan),
        ]
        load_start = load_average()
        cmds = [
            ("si paas scan --history --all (first run)", cold, env, (0, 1)),
            ("si paas scan --history --all (unchanged history)", scan, env, (0, 1)),
        ]
        cmds += [
            (name, cmd, env, peers.OK)
            for name, cmd in peers.commands("history", repo, WORK_DIR / "peer-reports")
        ]
        rows = rounds(cmds, repeats=args.rounds, cwd=repo)
        res = summary(label, rows)
        res.update(
            stats=stats,
            load_average=[load_start, load_average()],
            first_over_repeat=round(rows[0].median / rows[1].median, 2),
        )
        results.append(res)
        out += [
            f"### {label}: {stats.get('commits')} commits",
            "",
            f"Load average {load_start} at start, {load_average()} at the end.",
            "",
            markdown(rows, rows[0]),
            "",
            f"si's first run takes {res['first_over_repeat']}x its run over the unchanged history.",
            "",
        ]
    print("\n".join(out))
    path = write_json(
        "history_peers",
        False,
        {"machine": info, "rounds": args.rounds, "repos": results, "markdown": "\n".join(out)},
    )
    print(f"\nwrote {path}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peers", action="store_true", help="si beside gitleaks, betterleaks and kingfisher")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (--peers)")
    parser.add_argument("--quick", action="store_true", help="300 and 200 commits, 3 runs")
    parser.add_argument("--repeats", type=int, default=None, help="runs per command (default 5)")
    args = parser.parse_args(argv)
    if args.peers:
        return peers_main(args)
    repeats = args.repeats or (3 if args.quick else 5)
    synthetic_commits, replay_commits = (300, 200) if args.quick else (3000, 2000)

    info = machine()
    patterns = write_patterns(WORK_DIR / "patterns")
    env = si_env(WORK_DIR / "state-history")
    synth, synth_stats = trees.history_repo(synthetic_commits, seed=99, name=f"history-{synthetic_commits}")
    replay, replay_stats = trees.replayed_repo(replay_commits, seed=7, name=f"replay-{replay_commits}")
    results = [
        bench_repo("synthetic", synth, synth_stats, repeats, env, patterns, not args.quick),
        bench_repo("replayed", replay, replay_stats, repeats, env, patterns, not args.quick),
    ]

    out = [
        f"Machine: {machine_line(info)}; load average {info['load_average_at_start']} at "
        f"start, {load_average()} at the end",
        "",
        f"rg patterns: {patterns.summary()}.",
        "",
    ]
    for res in results:
        st = res["stats"]
        si = res["measurements"][0]
        out += [
            f"### {res['label']}: {st['commits']} commits, {st['blobs']} blobs written, "
            f"{res['pack_bytes'] / 1e6:.1f} MB packed"
            + (f", {st['secrets_added']} secrets planted" if "secrets_added" in st else ""),
            "",
        ]
        out.append(
            table(
                ["command", "runs", "median wall", "min–max", "wall / si", "median CPU", "peak RSS"],
                [
                    [
                        m.name,
                        m.runs,
                        secs(m.median),
                        f"{secs(min(m.seconds))}–{secs(max(m.seconds))}",
                        ratio(m.median, si.median),
                        secs(m.cpu_median),
                        mib(m.max_rss_kib),
                    ]
                    for m in res["measurements"]
                ],
            )
        )
        c = res["counts"]
        floor = res["measurements"][1]
        out += [
            "",
            f"si: {c['si_findings']} findings, {st['commits'] / si.median:.0f} commits/s, "
            f"{si.median / floor.median:.2f}x the floor's time; rg: "
            f"{c['rg_matching_lines']} matching patch lines.",
            "",
        ]
    for res in results:
        out += profiling.markdown(
            res["profile"], f"`si paas scan --history --all`, {res['label']} repository"
        ) + [""]
    print("\n".join(out))
    path = write_json(
        "history_scan",
        args.quick,
        {
            "machine": info,
            "quick": args.quick,
            "patterns": patterns.summary(),
            "repos": [
                {
                    **{k: v for k, v in r.items() if k != "measurements"},
                    "measurements": [m.to_dict() for m in r["measurements"]],
                }
                for r in results
            ],
        },
    )
    print(f"\nwrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
