"""`si paas scan` next to detect-secrets and ripgrep on the same trees.

    .venv/bin/python bench/scan_speed.py [--quick] [--repeats N] [--only generated|real]
                                         [--detect-secrets-full]

Two trees under /tmp/si-paas-bench, scanned as plain folders (no git):

* generated: 20,000 text files (.py .js .yaml .json .env .md, 1-8 KiB, seeded) with about
  300 planted secrets (keyed assignments, ghp_ tokens, AKIA key ids, RSA key blocks);
* real: text files (up to 1 MiB) of the venv's site-packages, then of the standard library
  and the interpreter's own site-packages, copied until the tree holds at least 110 MB.

Tools, all reading the same files (files over 1 MiB do not occur in either tree):

* si: `si paas scan --json .` (forked workers on every core for 2,000 files or more), and
  with SI_PAAS_WORKERS=1 (one process) next to `rg -j1`;
* rg: `rg -c -f patterns.txt --hidden --no-ignore --max-filesize 1M` with the regex of
  every rule of rules/secrets.yaml in Rust-regex form (lookarounds dropped, named groups
  unnamed, multi-line key blocks cut to their first line): the same rules without the
  keyword prefilter, entropy floors or allow lists. Also with `-j1` (one thread, like si),
  with `-P` (PCRE2, the rules verbatim with their lookarounds) and with `-F -i` on the
  rules' keywords only (a literal pass: the floor of any prefiltering scanner);
* detect-secrets: `detect-secrets scan --all-files` inside the tree. It is slow: on the
  generated tree it runs once; on the real tree it runs on every k-th file (2,000 files)
  and its time is extrapolated per file, unless --detect-secrets-full.

The tree is read once before timing; each command's first run is a discarded warm-up
unless it takes over 10 s. Medians of 5 runs (3 when a run takes over 10 s).

    .venv/bin/python bench/scan_speed.py --peers [--rounds N] [--real-mb MB]

compares si with gitleaks, betterleaks and kingfisher instead (bench/peers.py: a venv of
their own) on the real tree at 25%, 50%, 100% and 200% of its bytes (hard links; 200% is
the tree twice), in interleaved rounds (3 by default; gitleaks, by far the slowest, runs
once per size). The figures: median wall, CPU, peak RSS, ratios to si, and si's cost per
MB at each size (linear in bytes when it stays flat) and its peak RSS (flat in bytes).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import trees
from benchlib import (
    DETECT_SECRETS,
    OUT_DIR,
    RG,
    RG_FLAGS,
    SI,
    WORK_DIR,
    Measurement,
    detect_secrets_total,
    findings_of,
    load_average,
    machine,
    machine_line,
    measure,
    mib,
    ratio,
    rg_count_total,
    run,
    secs,
    si_env,
    table,
    tree_stats,
    write_json,
    write_patterns,
)


def keywords_file(dest: Path) -> tuple[Path, int]:
    """Every rule keyword, one a line, for `rg -F -i -f`."""
    from si_paas.detect.rulepack import load_secret_rules

    words = sorted({k.lower() for r in load_secret_rules().rules for k in r.keywords})
    path = dest / "keywords.txt"
    path.write_text("\n".join(words) + "\n", encoding="utf-8")
    return path, len(words)


def warm(root: Path) -> None:
    """Read every file once, so the first timed tool does not pay for a cold page cache."""
    run([RG, "--no-config", "-uu", "-c", "-F", "si-paas-bench-warm-up-marker", "."], cwd=root, ok=(0, 1))


def recall(found: set[tuple[str, int]], planted: list[dict[str, Any]]) -> str:
    want = {(p["path"], int(p["line"])) for p in planted}
    return f"{len(found & want)}/{len(want)}"


def si_lines(stdout: bytes, root: Path) -> set[tuple[str, int]]:
    doc = json.loads(stdout)
    return {
        (f["extra"]["relpath"], int(f["line"])) for c in doc["checks"] for f in c["findings"] if f.get("line")
    }


def ds_lines(stdout: bytes) -> set[tuple[str, int]]:
    doc = json.loads(stdout)
    return {
        (Path(name).as_posix(), int(hit["line_number"]))
        for name, hits in doc["results"].items()
        for hit in hits
    }


def bench_tree(
    label: str,
    tree: trees.Tree,
    args: argparse.Namespace,
    patterns: Any,
    keywords: Path,
    ds_subset: trees.Tree | None,
) -> dict[str, Any]:
    """Every tool on one tree; a dict of measurements, counts and derived figures."""
    root = tree.root
    stats = tree_stats(root)
    info, load_start = machine(), load_average()
    env = si_env(WORK_DIR / "state-scan")
    print(f"\n[{label}] {stats['files']} files, {stats['bytes'] / 1e6:.1f} MB in {root}", file=sys.stderr)
    warm(root)
    rows: list[tuple[Measurement, str]] = []
    counts: dict[str, Any] = {}
    reps = args.repeats
    warmup = not args.quick

    si, last = measure(
        "si paas scan",
        [SI, "paas", "scan", "--json", "."],
        repeats=reps,
        cwd=root,
        env=env,
        ok=(0, 1),
        warmup=warmup,
    )
    counts["si"] = findings_of(last.stdout)
    if tree.planted:
        counts["si_recall"] = recall(si_lines(last.stdout, root), tree.planted)
    rows.append((si, f"{counts['si']} findings"))
    if not args.quick:  # si on one core, next to rg -j1
        one, last = measure(
            "si paas scan, SI_PAAS_WORKERS=1 (one process)",
            [SI, "paas", "scan", "--json", "."],
            repeats=reps,
            cwd=root,
            env={**env, "SI_PAAS_WORKERS": "1"},
            ok=(0, 1),
            warmup=False,
            display="SI_PAAS_WORKERS=1 si paas scan --json .",
        )
        by_si_one = one
        rows.append((one, f"{findings_of(last.stdout)} findings"))

    rg_base = [RG, *RG_FLAGS, "-c"]
    variants = [
        ("rg (rule regexes)", [*rg_base, "-f", str(patterns.rust_file), "."], "rg"),
        ("rg -j1 (rule regexes, one thread)", [*rg_base, "-j1", "-f", str(patterns.rust_file), "."], "rg_j1"),
        ("rg -P (PCRE2, rules verbatim)", [*rg_base, "-P", "-f", str(patterns.pcre_file), "."], "rg_pcre2"),
        ("rg -F -i (keywords only)", [*rg_base, "-F", "-i", "-f", str(keywords), "."], "rg_keywords"),
    ]
    if args.quick:  # the one-thread and PCRE2 variants only in full runs
        variants = [variants[0], variants[3]]
    by_key: dict[str, Measurement] = {}
    for name, cmd, key in variants:
        m, last = measure(
            name,
            cmd,
            repeats=reps,
            cwd=root,
            ok=(0, 1),
            warmup=warmup,
            display=" ".join(["rg", *cmd[1:]]).replace(str(WORK_DIR), "$BENCH"),
        )
        counts[key] = rg_count_total(last.stdout)
        by_key[key] = m
        rows.append((m, f"{counts[key]} matching lines"))

    ds_cmd = [DETECT_SECRETS, "scan", "--all-files"]
    if ds_subset is None:
        ds, last = measure(
            "detect-secrets scan --all-files",
            ds_cmd,
            repeats=1,
            cwd=root,
            warmup=False,
            max_runs=1,
            display="detect-secrets scan --all-files",
        )
        counts["detect_secrets"] = detect_secrets_total(last.stdout)
        if tree.planted:
            counts["detect_secrets_recall"] = recall(ds_lines(last.stdout), tree.planted)
        rows.append((ds, f"{counts['detect_secrets']} results"))
    else:
        sub_stats = tree_stats(ds_subset.root)
        ds, last = measure(
            "detect-secrets scan --all-files",
            ds_cmd,
            repeats=1,
            cwd=ds_subset.root,
            warmup=False,
            max_runs=1,
            display="detect-secrets scan --all-files  (subset)",
        )
        scale = stats["files"] / sub_stats["files"]
        measured = ds.median
        ds.seconds = [measured * scale]  # cpu_seconds stay as measured; the table scales them
        ds.name = (
            f"detect-secrets (extrapolated from {sub_stats['files']} files in {secs(measured)}, x{scale:.1f})"
        )
        ds.note = "extrapolated per file"
        ds.extra = {
            "subset_files": sub_stats["files"],
            "subset_bytes": sub_stats["bytes"],
            "subset_seconds": measured,
            "scale": scale,
            "extrapolated_by_bytes": measured * stats["bytes"] / sub_stats["bytes"],
        }
        counts["detect_secrets_subset"] = detect_secrets_total(last.stdout)
        rows.append((ds, f"{counts['detect_secrets_subset']} results on the subset"))

    base = si.median
    table_rows = []
    for m, found in rows:
        spread = f"{secs(min(m.seconds))}–{secs(max(m.seconds))}" if m.runs > 1 else "1 run"
        cpu = secs(m.cpu_median * float(m.extra.get("scale", 1.0)))
        table_rows.append(
            [m.name, m.runs, secs(m.median), spread, ratio(m.median, base), cpu, mib(m.max_rss_kib), found]
        )
    md = table(
        ["tool", "runs", "median wall", "min–max", "wall / si", "median CPU", "peak RSS", "output"],
        table_rows,
    )
    mb = stats["bytes"] / 1e6
    figures: dict[str, float] = {
        "si_files_per_s": round(stats["files"] / base, 1),
        "si_mb_per_s": round(mb / base, 2),
        "detect_secrets_over_si": round(ds.median / base, 1),
        "si_peak_rss_mib": round(si.max_rss_kib / 1024, 1),
    }
    for key, m in by_key.items():
        figures[f"si_over_{key}"] = round(base / m.median, 2)
    if not args.quick:
        figures["si_one_worker_over_rg_j1"] = round(by_si_one.median / by_key["rg_j1"].median, 2)
        figures["si_one_worker_seconds"] = round(by_si_one.median, 3)
    others = ", ".join(f"{figures[f'si_over_{k}']:.2f}x {k.replace('_', ' ')}" for k in by_key if k != "rg")
    md += (
        f"\n\nsi: {figures['si_files_per_s']:.0f} files/s, {figures['si_mb_per_s']:.1f} MB/s; "
        f"detect-secrets takes {figures['detect_secrets_over_si']:.1f}x si's time; si takes "
        f"{figures['si_over_rg']:.2f}x rg's time ({others})."
    )
    if not args.quick:
        md += f" On one core each, si takes {figures['si_one_worker_over_rg_j1']:.2f}x rg -j1's time."
    if tree.planted:
        md += (
            f"\nPlanted secrets: {len(tree.planted)} {tree.planted_by_kind}; si reports "
            f"{counts.get('si_recall')} of their lines, detect-secrets "
            f"{counts.get('detect_secrets_recall', 'n/a')}."
        )
    return {
        "label": label,
        "root": str(root),
        "stats": stats,
        "machine": info,
        "load_average": [load_start, load_average()],
        "planted": len(tree.planted),
        "planted_by_kind": tree.planted_by_kind,
        "measurements": [m.to_dict() for m, _ in rows],
        "counts": counts,
        "figures": figures,
        "markdown": md,
    }


def peers_main(args: argparse.Namespace) -> int:
    """si beside gitleaks, betterleaks and kingfisher on the scaled real tree."""
    from peer_rounds import markdown, peers, rounds, scaled_tree, summary

    peers.ensure()
    info = machine()
    info["peers"] = {name: peers.version(name) for name in peers.BINARIES}
    env = si_env(WORK_DIR / "state-scan")
    real = trees.real_tree(int((args.real_mb or 130.0) * 1e6), name="real")
    out = [
        f"Machine: {machine_line(info)}; peers: " + ", ".join(f"{k} {v}" for k, v in info["peers"].items()),
        "",
    ]
    results = []
    for percent in (25, 50, 100, 200):
        root = real.root if percent == 100 else scaled_tree(real.root, percent)
        stats = tree_stats(root)
        print(f"[{percent}%] {stats['files']} files, {stats['bytes'] / 1e6:.1f} MB", file=sys.stderr)
        warm(root)
        load_start = load_average()
        cmds = [("si paas scan", [SI, "paas", "scan", "--json", str(root)], env, (0, 1))]
        cmds += [
            (name, cmd, env, peers.OK) for name, cmd in peers.commands("dir", root, WORK_DIR / "peer-reports")
        ]
        rows = rounds(cmds, repeats=args.rounds, cwd=WORK_DIR, once=("gitleaks dir",))
        res = summary(f"{percent}%", rows)
        res.update(percent=percent, stats=stats, load_average=[load_start, load_average()])
        si = rows[0]
        res["si_cpu_seconds_per_mb"] = round(si.cpu_median / (stats["bytes"] / 1e6), 4)
        res["si_wall_seconds_per_mb"] = round(si.median / (stats["bytes"] / 1e6), 4)
        results.append(res)
        out += [
            f"### {percent}% of the real tree: {stats['files']} files, {stats['bytes'] / 1e6:.1f} MB",
            "",
            f"Load average {load_start} at start, {load_average()} at the end.",
            "",
            markdown(rows, si),
            "",
        ]
    out += [
        "### si-paas across the sizes",
        "",
        table(
            ["size", "MB", "si median wall", "si CPU", "CPU s per MB", "si peak RSS"],
            [
                [
                    r["label"],
                    f"{r['stats']['bytes'] / 1e6:.1f}",
                    secs(r["measurements"][0]["median"]),
                    secs(r["measurements"][0]["cpu_median"]),
                    f"{r['si_cpu_seconds_per_mb']:.4f}",
                    f"{r['measurements'][0]['max_rss_mib']} MiB",
                ]
                for r in results
            ],
        ),
    ]
    print("\n".join(out))
    path = write_json(
        "scan_peers",
        False,
        {"machine": info, "rounds": args.rounds, "sizes": results, "markdown": "\n".join(out)},
    )
    print(f"\nwrote {path}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--peers", action="store_true", help="si beside gitleaks, betterleaks and kingfisher, scaled tree"
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (--peers)")
    parser.add_argument("--quick", action="store_true", help="small trees, 3 runs (< 1 min)")
    parser.add_argument("--repeats", type=int, default=None, help="runs per command (default 5)")
    parser.add_argument("--files", type=int, default=None, help="files of the generated tree")
    parser.add_argument("--real-mb", type=float, default=None, help="MB of the real tree")
    parser.add_argument(
        "--only",
        choices=("generated", "real"),
        default=None,
        help="measure one tree; the other's figures come from the last run",
    )
    parser.add_argument(
        "--detect-secrets-full",
        action="store_true",
        help="run detect-secrets once on the whole real tree, no extrapolation",
    )
    args = parser.parse_args(argv)
    if args.peers:
        return peers_main(args)
    args.repeats = args.repeats or (3 if args.quick else 5)
    files = args.files or (400 if args.quick else 20_000)
    real_mb = args.real_mb or (1.0 if args.quick else 110.0)

    info = machine()
    patterns = write_patterns(WORK_DIR / "patterns")
    keywords, n_keywords = keywords_file(WORK_DIR / "patterns")
    print(f"patterns: {patterns.summary()}; {n_keywords} keywords", file=sys.stderr)
    results: dict[str, dict[str, Any]] = {}
    previous = OUT_DIR / f"scan_speed{'-quick' if args.quick else ''}.json"
    if args.only and previous.exists():  # keep the other tree's figures from the last run
        last = json.loads(previous.read_text())
        for res in last["trees"]:
            res.setdefault("machine", last["machine"])
            res.setdefault("load_average", [last["machine"]["load_average_at_start"], "n/a"])
            results[res["label"]] = res
    if args.only in (None, "generated"):
        gen = trees.generated_tree(files, secrets=max(15, files * 3 // 200), name=f"gen-{files}")
        ds_gen = trees.subset(gen, 25, f"gen-{files}-subset25") if args.quick else None
        results["generated"] = bench_tree("generated", gen, args, patterns, keywords, ds_gen)
    if args.only in (None, "real"):
        real = trees.real_tree(int(real_mb * 1e6), name="real" if not args.quick else "real-quick")
        ds_real = None
        if not args.detect_secrets_full:
            n = 25 if args.quick else 2000
            ds_real = trees.subset(real, n, f"{real.root.name}-subset{n}")
        results["real"] = bench_tree("real", real, args, patterns, keywords, ds_real)
    ordered = [results[k] for k in ("generated", "real") if k in results]

    out = [f"rg patterns: {patterns.summary()}; keywords: {n_keywords}.", ""]
    for res in ordered:
        s = res["stats"]
        out += [
            f"### {res['label']} tree: {s['files']} files, {s['bytes'] / 1e6:.1f} MB",
            "",
            f"Machine: {machine_line(res['machine'])}; load average "
            f"{res['load_average'][0]} at start, {res['load_average'][1]} at the end.",
            "",
            res["markdown"],
            "",
        ]
    rss: dict[str, float] = {}
    if len(ordered) == 2:
        g, r = ordered
        rss = {
            "generated_mib": g["figures"]["si_peak_rss_mib"],
            "real_mib": r["figures"]["si_peak_rss_mib"],
            "bytes_ratio": round(r["stats"]["bytes"] / g["stats"]["bytes"], 2),
        }
        rss["rss_ratio"] = round(rss["real_mib"] / rss["generated_mib"], 2)
        out.append(
            f"si peak RSS: {rss['generated_mib']} MiB on the generated tree, "
            f"{rss['real_mib']} MiB on the real tree ({rss['bytes_ratio']}x the bytes, "
            f"{rss['rss_ratio']}x the memory)."
        )
    print("\n".join(out))
    path = write_json(
        "scan_speed",
        args.quick,
        {
            "machine": info,
            "quick": args.quick,
            "repeats": args.repeats,
            "patterns": {
                "summary": patterns.summary(),
                "rules": patterns.rules,
                "rust_used": patterns.rust_used,
                "pcre_used": patterns.pcre_used,
                "skipped_rust": patterns.skipped_rust,
                "skipped_pcre": patterns.skipped_pcre,
                "reduced_multiline": patterns.reduced_multiline,
                "translated": patterns.translated,
                "keywords": n_keywords,
            },
            "trees": ordered,
            "memory": rss,
        },
    )
    print(f"\nwrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
