"""`si paas deploy` and `rollback` of a 1,000-file / 50 MB app, local and over ssh.

    .venv/bin/python bench/deploy_speed.py [--quick] [--rounds N] [--files N] [--size-kib N]

* app: N files (default 1,000) of random bytes (default 50 KiB each, 50 MB in all) in 20
  folders, under /tmp/si-paas-bench/deploy-app (a plain folder, no repository).
* local: a target directory on this machine. ssh: a real `/usr/sbin/sshd` on a free
  127.0.0.1 port with throwaway keys, logged in as the current user (root here).
* per round, interleaved: `si paas deploy` (pack, gate, upload, verify, switch), `si paas
  rollback` (verify the previous release, switch; nothing is uploaded), and the floor:
  copying the same tree with `tar -cf - | tar -xf -` (local) or `tar -cf - | ssh tar -xf -`
  (ssh), plus `rsync -a` when it is installed. Old releases are pruned between rounds,
  outside the timings.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchlib import (
    SI,
    WORK_DIR,
    Measurement,
    compile_bytecode,
    load_average,
    machine,
    machine_line,
    ratio,
    run,
    secs,
    shell,
    si_env,
    table,
    write_json,
)

CTX = "internal-dogfood"


def make_app(root: Path, files: int, size_kib: int) -> Path:
    """Random, incompressible files; rebuilt only when the shape changes."""
    stamp = root / ".shape"
    shape = f"{files}x{size_kib}"
    if stamp.exists() and stamp.read_text() == shape:
        return root
    shutil.rmtree(root, ignore_errors=True)
    for i in range(files):
        path = root / f"dir{i % 20:02d}" / f"file{i:05d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(size_kib * 1024))
    stamp.write_text(shape)
    return root


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_sshd(base: Path) -> tuple[subprocess.Popen[bytes], int, Path, Path]:
    """sshd on a free loopback port: (process, port, user key, known_hosts line file)."""
    shutil.rmtree(base, ignore_errors=True)
    base.mkdir(parents=True)
    host_key, user_key = base / "host_ed25519", base / "user_ed25519"
    for key in (host_key, user_key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    (base / "authorized_keys").write_text(Path(f"{user_key}.pub").read_text())
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    port = free_port()
    (base / "sshd_config").write_text(
        "\n".join(
            [
                f"Port {port}",
                "ListenAddress 127.0.0.1",
                f"HostKey {host_key}",
                f"PidFile {base / 'sshd.pid'}",
                f"AuthorizedKeysFile {base / 'authorized_keys'}",
                "PasswordAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin prohibit-password",
                "LogLevel ERROR",
                "",
            ]
        )
    )
    proc = subprocess.Popen(
        ["/usr/sbin/sshd", "-D", "-f", str(base / "sshd_config"), "-E", str(base / "sshd.log")]
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("sshd did not start") from None
            time.sleep(0.05)
    pub = Path(f"{host_key}.pub").read_text().split()
    known = base / "known_hosts"
    known.write_text(f"[127.0.0.1]:{port} {pub[0]} {pub[1]}\n")
    return proc, port, user_key, known


def setup(work: Path, app_dir: Path, port: int, key: Path, known: Path) -> dict[str, str]:
    state = work / "state"
    shutil.rmtree(state, ignore_errors=True)
    for target in ("local", "ssh"):
        shutil.rmtree(work / f"srv-{target}", ignore_errors=True)
    env = si_env(state)
    state.chmod(0o700)
    env.update(SI_PAAS_SSH_IDENTITY=str(key), SI_PAAS_SSH_CONFIG="/dev/null")
    si = [SI, "paas", "--context", CTX]
    run([SI, "paas", "context", "init", "--name", CTX, "--type", CTX], env=env)
    run(
        [
            *si,
            "target",
            "add",
            "t-local",
            "--host",
            "localhost",
            "--transport",
            "local",
            "--path",
            str(work / "srv-local"),
        ],
        env=env,
    )
    run(
        [
            *si,
            "target",
            "add",
            "t-ssh",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--user",
            "root",
            "--transport",
            "ssh",
            "--path",
            str(work / "srv-ssh"),
        ],
        env=env,
    )
    run([*si, "target", "trust-host", "t-ssh", "--known-hosts", str(known)], env=env)
    run(
        [*si, "app", "add", "big", "--source", str(app_dir), "--target", "t-local", "--target", "t-ssh"],
        env=env,
    )
    for target in ("t-local", "t-ssh"):
        run([*si, "deploy", "--app", "big", "--target", target, "--first-deploy"], env=env)
    return env


def ssh_argv(port: int, key: Path, known: Path) -> list[str]:
    return [
        "ssh",
        "-F",
        "/dev/null",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        f"UserKnownHostsFile={known}",
        "-i",
        str(key),
        "-o",
        "IdentitiesOnly=yes",
        "-p",
        str(port),
        "root@127.0.0.1",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100 files, 3 rounds")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--size-kib", type=int, default=50)
    args = parser.parse_args()
    if args.quick:
        args.files, args.rounds = 100, 3
    compile_bytecode()
    work = WORK_DIR / "deploy"
    app_dir = make_app(work / "app", args.files, args.size_kib)
    proc, port, key, known = start_sshd(work / "sshd")
    try:
        results = measure_all(work, app_dir, args.rounds, port, key, known)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    report(results, args)


def measure_all(
    work: Path, app_dir: Path, rounds: int, port: int, key: Path, known: Path
) -> list[Measurement]:
    env = setup(work, app_dir, port, key, known)
    si = [SI, "paas", "--context", CTX]
    ssh = " ".join(shlex.quote(a) for a in ssh_argv(port, key, known))
    floor_local = work / "floor-local"
    floor_ssh = work / "floor-ssh"
    src = shlex.quote(str(app_dir))
    commands: list[tuple[str, list[str]]] = []
    for target in ("t-local", "t-ssh"):
        commands.append((f"deploy {target[2:]}", [*si, "deploy", "--app", "big", "--target", target]))
        commands.append((f"rollback {target[2:]}", [*si, "rollback", "--app", "big", "--target", target]))
    remote = f"rm -rf {floor_ssh} && mkdir -p {floor_ssh} && tar -C {floor_ssh} -xf -"
    floors = [
        (
            "floor local: tar | tar",
            f"rm -rf {floor_local} && mkdir -p {floor_local} && "
            f"tar -C {src} -cf - . | tar -C {floor_local} -xf -",
        ),
        ("floor ssh: tar | ssh tar", f"tar -C {src} -cf - . | {ssh} {shlex.quote(remote)}"),
    ]
    if shutil.which("rsync"):
        floors.append(("floor local: rsync -a", f"rm -rf {floor_local} && rsync -a {src}/ {floor_local}/"))
        floors.append(
            (
                "floor ssh: rsync -a",
                f"rsync -a -e {shlex.quote(ssh.rsplit(' ', 1)[0])} {src}/ root@127.0.0.1:{floor_ssh}/",
            )
        )
    found = {name: Measurement(name, " ".join(cmd)) for name, cmd in commands}
    found.update({name: Measurement(name, script) for name, script in floors})
    uploads: dict[str, list[int]] = {"rollback local": [], "rollback ssh": []}
    for _ in range(rounds):
        for name, cmd in commands:
            target_dir = work / ("srv-local" if "local" in name else "srv-ssh") / "releases"
            before = len(os.listdir(target_dir))
            last = run(cmd, env=env)
            found[name].seconds.append(last.seconds)
            found[name].cpu_seconds.append(last.cpu_seconds)
            if name in uploads:
                uploads[name].append(len(os.listdir(target_dir)) - before)
        for name, script in floors:
            last = shell(script)
            found[name].seconds.append(last.seconds)
            found[name].cpu_seconds.append(last.cpu_seconds)
        for target in ("t-local", "t-ssh"):  # outside the timings: keep the disk bounded
            run(
                [*si, "release", "prune", "--app", "big", "--target", target, "--keep", "2", "--confirm"],
                env=env,
            )
    for name, added in uploads.items():
        found[name].extra["release_folders_added"] = added
    return list(found.values())


def report(results: list[Measurement], args: argparse.Namespace) -> None:
    by = {m.name: m for m in results}
    rows: list[list[Any]] = []
    for m in results:
        floor = by.get("floor local: tar | tar") if "local" in m.name else by.get("floor ssh: tar | ssh tar")
        rows.append(
            [
                m.name,
                secs(m.median),
                f"{secs(min(m.seconds))}-{secs(max(m.seconds))}",
                secs(m.cpu_median),
                ratio(m.median, floor.median) if floor and not m.name.startswith("floor") else "",
                m.runs,
            ]
        )
    info = machine()
    print(machine_line(info))
    print(
        f"app: {args.files} files x {args.size_kib} KiB; {args.rounds} interleaved rounds; "
        f"load {load_average()}"
    )
    print(table(["command", "median", "min-max", "cpu", "vs floor", "runs"], rows))
    for name in ("rollback local", "rollback ssh"):
        print(f"{name}: release folders added per run {by[name].extra['release_folders_added']}")
    path = write_json(
        "deploy_speed",
        args.quick,
        {
            "machine": info,
            "files": args.files,
            "size_kib": args.size_kib,
            "rounds": args.rounds,
            "load": load_average(),
            "results": [m.to_dict() for m in results],
        },
    )
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
