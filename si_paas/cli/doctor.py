"""`si paas doctor`."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

from si_paas.cli.common import command_options, declared, run
from si_paas.cli.output import chosen_format, format_option, print_verdict
from si_paas.services import doctor as svc


@click.command()
@click.option(
    "--repo",
    "repos",
    multiple=True,
    metavar="PATH",
    help="Also judge this git repository (repeatable). The current one is always "
    "judged; a plain folder is refused (use `si paas scan PATH`).",
)
@click.option(
    "--policies",
    "policy_dirs",
    multiple=True,
    metavar="DIR",
    help="Extra policy folder (repeatable); same id replaces the default.",
)
@format_option
@command_options
@declared(svc.doctor)
def doctor(repos: tuple[str, ...], policy_dirs: tuple[str, ...], fmt: str, as_json: bool, **_: Any) -> None:
    """Judge the state root and repositories against every doctor policy.

    With --context, judges that context plus the global checks; without, every context.
    The report starts with what was judged: the state root, the contexts and the
    repositories. Exit 0 when ok, 1 when a blocking check failed, 2 on usage or input
    errors.

    \b
    si paas doctor --json
    si paas doctor --format sarif > doctor.sarif
    si paas --context internal-dogfood doctor --repo ~/src/app
    """
    fmt = chosen_format(fmt, as_json)
    with _progress() as progress:
        run(
            repos,
            policy_dirs,
            progress=progress,
            render=lambda p: print_verdict(
                fmt, "doctor", p, title="doctor", suite="si-paas-doctor", header=_judged(p)
            ),
            as_json=fmt == "json",
        )


def _judged(p: dict[str, Any]) -> list[tuple[str, str]]:
    """What was judged: the state root, the contexts, the repositories (and their config)."""
    stats = p.get("skipped", {})

    def repo_line(root: str) -> str:
        files = stats.get(root, {}).get("files")
        return f"{root} ({files} file{'s' * (files != 1)})" if files is not None else root

    repos = ", ".join(repo_line(r) for r in p["repos"]) or (
        "none (run inside a repository or pass --repo PATH)"
    )
    rows = [
        ("state root", p["state_root"]),
        ("contexts", ", ".join(p["contexts"]) or "none"),
        ("repositories", repos),
    ]
    if p.get("config"):
        rows.append(("repo config", p["config"]))
    return rows


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[str], None] | None]:
    """A spinner on stderr saying what is being judged, when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.live import Live
    from rich.spinner import Spinner

    from si_paas.report.console import err

    with Live(
        Spinner("dots", "doctor: reading the state root"), console=err(), transient=True, refresh_per_second=8
    ) as live:

        def update(message: str) -> None:
            live.update(Spinner("dots", f"doctor: {message}"), refresh=True)

        yield update
