"""`si paas scan --staged` and `--history` without the CLI framework.

The pre-commit hook runs the staged scan on every commit and CI jobs run the history scan
on every push, so these skip what their run does not need: click is not imported, nor rich
unless there are findings to show; policies and rule packs come checked from the disk
cache (see `si_paas.diskcache`). The verdict is the one the full CLI gives: the same
service computes it, and the JSON output is the same document. Any other form of the
command (another flag, `--help`, a global option such as `--context`, a history scan in
table form or with a terminal for the progress bar) goes through the full CLI, as does
every command when `SI_PAAS_FULL_CLI=1` is set.
"""

from __future__ import annotations

import gc
import os
import sys

FULL_CLI_ENV = "SI_PAAS_FULL_CLI"
_FORMATS = ("table", "json")
# Allocations between two collections of the youngest generation while the hook runs.
GC_THRESHOLD = 50_000


class StagedOptions:
    """The forms served here: `si paas scan --staged [--json | --format json|table] [PATH]`,
    and `si paas scan --history [--all | --since REV] --json|--format json [PATH]`
    (`history` is then the revision range, else None).

    A plain class, not a record: making a dataclass costs more than parsing the arguments.
    """

    __slots__ = ("as_json", "history", "path")

    def __init__(
        self, path: str | None = None, as_json: bool = False, history: tuple[str, ...] | None = None
    ) -> None:
        self.path = path
        self.as_json = as_json
        self.history = history

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StagedOptions):
            return NotImplemented
        return (self.path, self.as_json, self.history) == (other.path, other.as_json, other.history)

    def __hash__(self) -> int:
        return hash((self.path, self.as_json, self.history))

    def __repr__(self) -> str:
        return f"StagedOptions(path={self.path!r}, as_json={self.as_json!r}, history={self.history!r})"


def parse(args: list[str]) -> StagedOptions | None:
    """The options when `args` are a plain staged or history scan, else None (the full CLI
    handles it, and refuses what it refuses)."""
    if args[:2] != ["paas", "scan"]:
        return None
    staged, history = "--staged" in args[2:], "--history" in args[2:]
    if staged == history:  # neither, or both (which the full CLI refuses)
        return None
    if os.environ.get(FULL_CLI_ENV, "").lower() in ("1", "true", "yes"):
        return None
    path: str | None = None
    fmt: str | None = None
    since: str | None = None
    as_json = all_refs = False
    rest = iter(args[2:])
    for arg in rest:
        if arg in ("--staged", "--history"):
            continue
        if arg == "--json":
            as_json = True
        elif arg == "--all" and history:
            all_refs = True
        elif (arg == "--since" or arg.startswith("--since=")) and history and since is None:
            since = arg.partition("=")[2] if "=" in arg else next(rest, "")
            if not since or since.startswith("-"):
                return None
        elif arg == "--format" or arg.startswith("--format="):
            value = arg.partition("=")[2] if "=" in arg else next(rest, "")
            if value not in _FORMATS or fmt is not None:
                return None
            fmt = value
        elif arg.startswith("-") or path is not None:
            return None
        else:
            path = arg
    if as_json and fmt == "table":
        return None  # two documents for stdout: the full CLI refuses it
    if since is not None and all_refs:
        return None  # the full CLI refuses the two together
    rev_range: tuple[str, ...] | None = None
    if history:
        if not (as_json or fmt == "json") or sys.stderr.isatty():
            return None  # the table, and the progress bar on a terminal, are the full CLI's
        rev_range = ("--all",) if all_refs else ((f"{since}..HEAD",) if since else ("HEAD",))
    return StagedOptions(path=path, as_json=as_json or fmt == "json", history=rev_range)


def run(opts: StagedOptions) -> int:
    """Scan the staged blobs or the history, print the verdict, and return the exit code.

    Errors are reported as the full CLI reports them (`cli.common.run`); interrupts and
    bugs are left to `cli.main`, which handles them for both paths.
    """
    from si_paas.errors import SiPaasError

    # The run is short and makes few reference cycles: collecting every 700 allocations,
    # as by default, would run the collector some 40 times while the modules load.
    threshold = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *threshold[1:])
    try:
        return _run(opts)
    except SiPaasError as exc:
        if opts.as_json:
            from si_paas.cli.output import emit_json, error_doc

            emit_json(error_doc("scan", None, exc))
        from si_paas.report.safe import printable

        sys.stderr.write(f"si paas scan: error: {printable(exc.message)}\n")
        return int(exc.exit_code)
    finally:
        gc.set_threshold(*threshold)


def _run(opts: StagedOptions) -> int:
    from si_paas.cli.output import emit_json, result_doc
    from si_paas.report.text import plain_verdict
    from si_paas.services import scan as svc
    from si_paas.services.invocation import Invocation

    # No --context: a scan resolves no context, so, as in the full CLI, no audit line.
    inv = Invocation(command="scan")
    paths = (opts.path,) if opts.path else ()
    if opts.history is None:
        result = svc.run(inv, paths, staged=True)
    else:
        result = svc.run(inv, paths, history=opts.history)
    warnings = [*inv.warnings, *result.warnings]
    if opts.as_json:
        emit_json(result_doc("scan", result, warnings))
        return int(result.exit_code)
    from si_paas.report.safe import printable

    for w in warnings:
        sys.stderr.write(f"warning: {printable(w)}\n")
    doc = {"ok": result.ok, "context": result.context, "command": "scan", **result.payload}
    if any(check["findings"] for check in doc["checks"]):
        from si_paas.report import human  # rich: only when there is something to show
        from si_paas.report.verdict import from_document

        human.verdict(from_document(doc, title="scan"))
    else:
        sys.stdout.write(plain_verdict(doc, title="scan"))
    return int(result.exit_code)
