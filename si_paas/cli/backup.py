"""`si paas backup ...`: encrypted, checksum-verified snapshots of a context."""

from __future__ import annotations

import sys
from typing import Any

import click

from si_paas.cli.common import command_options, declared, run
from si_paas.report import human
from si_paas.services import backup as svc


@click.group()
def backup() -> None:
    """Encrypted, checksum-verified snapshots of a context's records.

    Snapshots live in $SI_PAAS_BACKUP_ROOT (default ~/.si/backups), one folder per context id,
    never inside a repository, the state root or the key directory. They hold config,
    targets, apps, deployments, releases, drills, alert policy and events; never the vault
    or keys (secrets come back through the vault only). See docs/PAAS_BACKUP_RESTORE_POLICY.md.

    \b
    si paas --context internal-dogfood backup create
    si paas --context internal-dogfood backup verify --latest
    si paas --context internal-dogfood backup restore SNAPSHOT --to /tmp/restored
    """


class _Bar:
    """A rich progress bar on stderr, only on a terminal and never with --json."""

    def __init__(self) -> None:
        self._progress: Any = None
        self._task: Any = None

    def start(self, label: str, total: int) -> None:
        if not sys.stderr.isatty() or click.get_current_context().params.get("as_json"):
            return
        from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

        from si_paas.report.console import err

        self._progress = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            DownloadColumn(),
            TimeRemainingColumn(),
            console=err(),
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(label, total=max(total, 1))

    def advance(self, amount: int) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, amount)

    def stop(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


@backup.command("create")
@command_options
@declared(svc.create)
def create_cmd(**_: Any) -> None:
    """Make a snapshot of --context (required): scan, encrypt, checksum, rename into place.

    The first snapshot of a context makes its backup key in $SI_PAAS_KEY_DIR
    (<context_id>.backup.key); export a copy with `backup key export`.
    """

    def render(p: dict[str, Any]) -> None:
        s = p["snapshot"]
        human.out().print(
            f"snapshot {s['snapshot_id']}: {s['files']} files, {s['bytes']} bytes "
            f"-> {s['archive_size']} bytes encrypted in {p['folder']}",
            markup=False,
        )

    run(_Bar(), render=render)


@backup.command("list")
@command_options
@declared(svc.list_all)
def list_cmd(**_: Any) -> None:
    """List the context's complete snapshots, newest first, with their last verification."""

    def render(p: dict[str, Any]) -> None:
        rows = [
            {
                **i,
                "verified": (f"{i['last_verify']['level']} {'ok' if i['last_verify']['ok'] else 'FAILED'}")
                if i.get("last_verify")
                else "never",
            }
            for i in p["items"]
        ]
        human.items_table(
            f"snapshots in {p['backup_root']}",
            rows,
            ["snapshot_id", "created_at", "files", "archive_size", "verified"],
        )

    run(render=render)


def _steps(p: dict[str, Any]) -> None:
    for step in p["steps"]:
        mark = "ok  " if step["ok"] else "FAIL"
        human.out().print(f"{mark} {step['step']}: {step['detail']}", markup=False)


@backup.command("verify")
@click.argument("snapshot", required=False)
@click.option("--latest", is_flag=True, help="The newest snapshot (the default); implies --read-data.")
@click.option(
    "--read-data",
    is_flag=True,
    help="Decrypt every chunk and check every file (level 3), not just the manifest "
    "and the archive's digest.",
)
@command_options
@declared(svc.verify)
def verify_cmd(snapshot: str | None, latest: bool, read_data: bool, **_: Any) -> None:
    """Verify a snapshot; exit 1 when it fails. Each run is recorded as a `backup` event.

    \b
    Levels: manifest (its checksum, context id, key id, MAC),
            archive (size and SHA-256; no key needed),
            read-data (every chunk decrypted, every file's size and SHA-256).
    SNAPSHOT alone checks manifest + archive; --latest (the default) reads all data.
    """
    run(snapshot, latest, read_data, _Bar(), render=_steps)


@backup.command("restore")
@click.argument("snapshot")
@click.option(
    "--to", "to", metavar="DIR", help="Restore into a new (or empty) folder outside every repository."
)
@click.option(
    "--in-place",
    is_flag=True,
    help="Replace the context's records (vault and keys untouched), then run doctor "
    "and context show; exit 1 if the doctor fails.",
)
@command_options
@declared(svc.restore)
def restore_cmd(snapshot: str, to: str | None, in_place: bool, **_: Any) -> None:
    """Restore a snapshot after a read-data verification (--context required).

    \b
    si paas --context internal-dogfood backup restore SNAPSHOT --to ~/restored
    si paas --context internal-dogfood backup restore SNAPSHOT --in-place
    """

    def render(p: dict[str, Any]) -> None:
        r = p["restore"]
        where = r.get("destination") or "the context in place"
        human.out().print(f"restored {r['files']} files of {r['snapshot']} to {where}", markup=False)
        if "doctor" in p:
            summary = p["doctor"]["summary"]
            human.out().print(
                f"doctor: {'ok' if p['doctor']['ok'] else 'FAILED'} "
                f"({summary['passed']}/{summary['total']} policies passed)",
                markup=False,
            )
            human.object_table(f"context {p['context']}", p["context_show"]["context_config"])

    run(snapshot, to, in_place, _Bar(), render=render)


@backup.command("prune")
@click.option("--keep-last", type=int, default=0, metavar="N", help="Keep the newest N.")
@click.option(
    "--keep-daily",
    type=int,
    default=0,
    metavar="D",
    help="Keep the newest of each of the last D days with snapshots.",
)
@click.option(
    "--keep-weekly",
    type=int,
    default=0,
    metavar="W",
    help="Keep the newest of each of the last W ISO weeks with snapshots.",
)
@click.option(
    "--keep-monthly",
    type=int,
    default=0,
    metavar="M",
    help="Keep the newest of each of the last M months with snapshots.",
)
@click.option("--confirm", is_flag=True, help="Really remove; without it prune only shows.")
@command_options
@declared(svc.prune)
def prune_cmd(
    keep_last: int, keep_daily: int, keep_weekly: int, keep_monthly: int, confirm: bool, **_: Any
) -> None:
    """Remove old snapshots; a dry run unless --confirm. The newest verified one always stays.

    \b
    si paas --context oss-demo backup prune --keep-last 3 --keep-daily 7 --keep-weekly 4
    """

    def render(p: dict[str, Any]) -> None:
        verb = "would remove" if p["dry_run"] else "removed"
        gone = p["remove"] if p["dry_run"] else p["removed"]
        human.out().print(
            f"{verb} {len(gone)} snapshot(s): {', '.join(gone) or 'none'}; kept {len(p['kept'])}",
            markup=False,
        )

    run(keep_last, keep_daily, keep_weekly, keep_monthly, confirm, render=render)


@backup.group("key")
def key() -> None:
    """The context's backup key (separate from its vault key)."""


@key.command("export")
@click.option(
    "--output",
    required=True,
    metavar="FILE",
    help="Write the key here (0600); never inside a repository or the backup root.",
)
@click.option("--force", is_flag=True, help="Replace an existing FILE.")
@command_options
@declared(svc.key_export)
def key_export_cmd(output: str, force: bool, **_: Any) -> None:
    """Write a copy of the backup key, to keep apart from the backups (--context required).

    Without this key no snapshot can be restored; with it, anyone holding a snapshot can
    read it. Put it back as $SI_PAAS_KEY_DIR/<context_id>.backup.key or in
    $SI_PAAS_BACKUP_KEY_<CTX>.
    """
    run(
        output,
        force,
        render=lambda p: human.out().print(
            f"backup key (id {p['key_id']}) written to {p['output']}", markup=False
        ),
    )
