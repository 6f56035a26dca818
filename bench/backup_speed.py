"""`si paas backup create` and `backup verify --read-data` beside `tar czf` + `sha256sum`.

    .venv/bin/python bench/backup_speed.py [--quick] [--repeats N] [--events N]

* input: a context `bench-ctx` (internal-dogfood) under /tmp/si-paas-bench/backup whose
  events/deployments.jsonl holds N generated deploy events (default 100,000, about 50 MB;
  fixed seed), plus its config and a few targets.
* create: `si paas --context bench-ctx backup create` (secret scan, tar, gzip level 6,
  AES-256-GCM in 64 KiB chunks, manifest, fsync, rename) vs the floor
  `tar czf OUT -C CTXDIR . && sha256sum OUT` (no scan, no encryption, no fsync).
* verify: `si paas --context bench-ctx backup verify --latest` (read-data: archive digest,
  decrypt every chunk, gunzip, check every file's SHA-256) vs the floor
  `sha256sum OUT && tar xzf OUT -O | sha256sum`.
* memory: peak RSS of create and verify at N/10 and N events: flat if streamed.

Commands run in interleaved rounds (create, tar, verify, untar, ...), since the machine is
shared; medians of the rounds are reported.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
from pathlib import Path
from typing import Any

from benchlib import (
    SI,
    WORK_DIR,
    compile_bytecode,
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

CTX = "bench-ctx"


def build(base: Path, events: int) -> tuple[dict[str, str], Path]:
    """A state root with one context holding `events` deploy events; returns (env, ctx dir)."""
    state = base / "state"
    if base.exists():
        shutil.rmtree(base)
    env = si_env(state)
    env.update(SI_PAAS_KEY_DIR=str(base / "keys"), SI_PAAS_BACKUP_ROOT=str(base / "backups"), HOME=str(base))
    run([SI, "paas", "context", "init", "--name", CTX, "--type", "internal-dogfood"], env=env)
    for i in range(5):
        run(
            [SI, "paas", "--context", CTX, "target", "add", f"t{i}", "--host", f"t{i}.internal.test"], env=env
        )
    ctx_dir = state / "contexts" / CTX
    config = json.loads((ctx_dir / "config.json").read_text())
    rng = random.Random(12)
    stages = ["upload", "verify", "switch", "health", "done"]
    with (ctx_dir / "events" / "deployments.jsonl").open("w") as handle:
        for i in range(events):
            record = {
                "time": f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{i % 59:02d}.{i:06d}Z",
                "kind": "deploy",
                "context": CTX,
                "context_id": config["context_id"],
                "actor": f"operator{rng.randrange(8)}",
                "command": "deploy",
                "status": rng.choice(["ok", "ok", "ok", "error"]),
                "app": f"app{rng.randrange(40)}",
                "target": f"t{rng.randrange(5)}",
                "release": f"r{i:07d}-{rng.getrandbits(48):012x}",
                "stage": rng.choice(stages),
                "message": " ".join(
                    rng.choice(
                        [
                            "deployed",
                            "release",
                            "switched",
                            "current",
                            "health",
                            "check",
                            "ok",
                            "in",
                            "after",
                            "attempts",
                            "folder",
                            "verified",
                        ]
                    )
                    for _ in range(rng.randrange(8, 30))
                ),
                "duration_ms": rng.randrange(50, 90_000),
            }
            handle.write(json.dumps(record, sort_keys=True) + "\n")
    (ctx_dir / "events" / "deployments.jsonl").chmod(0o600)
    return env, ctx_dir


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def round_set(base: Path, env: dict[str, str], ctx_dir: Path, repeats: int) -> dict[str, Any]:
    out = base / "floor.tgz"
    create = [SI, "paas", "--context", CTX, "backup", "create", "--json"]
    verify = [SI, "paas", "--context", CTX, "backup", "verify", "--latest", "--json"]
    tar = ["bash", "-c", f"tar czf {out} -C {ctx_dir} . && sha256sum {out} >/dev/null"]
    untar = ["bash", "-c", f"sha256sum {out} >/dev/null && tar xzf {out} -O | sha256sum >/dev/null"]
    found = measure_interleaved(
        [
            ("si create", create, env, (0,)),
            ("tar czf + sha256sum", tar, env, (0,)),
            ("si verify --read-data", verify, env, (0,)),
            ("sha256sum + tar xzf -O", untar, env, (0,)),
        ],
        repeats=repeats,
    )
    snaps = base / "backups"
    archive = next(snaps.rglob("archive.sipb"))
    return {
        "measurements": [m.to_dict() for m in found],
        "input_bytes": folder_size(ctx_dir),
        "archive_bytes": archive.stat().st_size,
        "floor_bytes": out.stat().st_size,
        "snapshots": len(list(snaps.rglob("archive.sipb"))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    events = 10_000 if args.quick else args.events
    repeats = 3 if args.quick else args.repeats
    compile_bytecode()
    results: dict[str, Any] = {
        "machine": machine(),
        "load_before": load_average(),
        "events": events,
        "sizes": {},
    }
    for count in (events // 10, events):
        base = WORK_DIR / "backup" / f"events-{count}"
        env, ctx_dir = build(base, count)
        results["sizes"][count] = round_set(base, env, ctx_dir, repeats if count == events else 1)
        shutil.rmtree(base)
    results["load_after"] = load_average()
    path = write_json("backup_speed", args.quick, results)

    big = results["sizes"][events]
    ms = {m["name"]: m for m in big["measurements"]}
    print(machine_line(results["machine"]))
    print(
        f"\n{events} events, {big['input_bytes'] / 1e6:.1f} MB of records; archive "
        f"{big['archive_bytes'] / 1e6:.1f} MB, tar czf {big['floor_bytes'] / 1e6:.1f} MB; "
        f"{repeats} interleaved rounds, load {results['load_before']} -> "
        f"{results['load_after']}\n"
    )
    rows = []
    for name, floor in (
        ("si create", "tar czf + sha256sum"),
        ("si verify --read-data", "sha256sum + tar xzf -O"),
    ):
        for label in (name, floor):
            m = ms[label]
            rows.append(
                [
                    label,
                    secs(m["median"]),
                    f"{secs(m['min'])}-{secs(m['max'])}",
                    secs(m["cpu_median"]),
                    mib(m["max_rss_kib"]),
                    ratio(m["median"], ms[floor]["median"]) if label == name else "1.00x",
                ]
            )
    print(table(["command", "median", "min-max", "CPU", "peak RSS", "vs floor"], rows))
    print("\npeak RSS by input size (flat = streamed):")
    mem_rows = []
    for count, data in results["sizes"].items():
        by = {m["name"]: m for m in data["measurements"]}
        mem_rows.append(
            [
                f"{count} events ({data['input_bytes'] / 1e6:.1f} MB)",
                mib(by["si create"]["max_rss_kib"]),
                mib(by["si verify --read-data"]["max_rss_kib"]),
            ]
        )
    print(table(["input", "create peak RSS", "verify peak RSS"], mem_rows))
    print(f"\nJSON: {path}")


if __name__ == "__main__":
    sys.exit(main())
